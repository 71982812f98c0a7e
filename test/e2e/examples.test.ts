/**
 * The workflows in examples/ as users import them (only the credential id and the CSV path
 * substituted), run inside the e2e n8n against the sandbox.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { nodeOutput } from '../harness/client';
import { EXAMPLES, prepareExample, sampleBooking, webhookPathOf } from '../harness/examples';
import { RECORDING_BYTES_PER_SECOND } from '../sandbox/storage';
import { expectBearer, UUID, wire, useE2eContext } from './support';

const WAIT_SECONDS = 1;
const WHEN = 'Monday, March 10 at 3:00 PM';

const ctx = useE2eContext();

// One workflow run takes well under a second; the margin is for slow CI machines.
jest.setTimeout(120_000);

describe('examples/helloannie-appointment-confirmation-call.json', () => {
	const example = EXAMPLES.appointment;
	let workflowId: string;
	let webhookPath: string;

	beforeAll(async () => {
		const workflow = prepareExample(example.file, {
			credentialId: ctx.state.credentials.helloAnnie.id,
			openCallingHours: true,
		});
		webhookPath = webhookPathOf(workflow);
		const stored = await ctx.n8n.createWorkflow(workflow);
		await ctx.n8n.activateWorkflow(stored);
		workflowId = stored.id;
	});

	test('a booking posted to the webhook places the call, waits, reads the conversation and answers the outcome', async () => {
		const { answer, execution } = await ctx.n8n.runWebhook(
			workflowId,
			webhookPath,
			sampleBooking(WAIT_SECONDS),
		);
		expect(execution.status).toBe('success');
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({
			patientId: 'PAT-10432',
			appointmentId: '81260683',
			conversationId: expect.stringMatching(UUID),
			callStatus: 'OPEN',
			outcome: 'call in progress',
			summary: '',
			durationSeconds: 0,
		});
		const { conversationId } = answer.body as { conversationId: string };

		const requests = await ctx.sandbox.requests();
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: '/calls',
				query: {},
				body: {
					fromNumber: '+15551234567',
					toNumber: '+15559876543',
					patientInfo: {
						firstName: 'Sarah',
						lastName: 'Johnson',
						dateOfBirth: '1988-03-22T00:00:00.000Z',
						patientId: 'PAT-10432',
					},
					appointmentInfo: {
						appointmentId: '81260683',
						appointmentTypeId: 'apt-type-cleaning',
						appointmentDescription: '6-month routine cleaning and exam',
						startTime: '2025-03-10T15:00:00-06:00',
						endTime: '2025-03-10T15:30:00-06:00',
					},
					context: `Appointment confirmation: 6-month routine cleaning and exam on ${WHEN}. Ask the patient to confirm; offer to reschedule if the time does not suit.`,
					voicemailMessage: `Hi Sarah, this is Annie from your dental office, calling to confirm your appointment on ${WHEN}. Please call us back to confirm or reschedule.`,
				},
			},
			{ method: 'GET', path: `/conversations/${conversationId}`, query: {}, body: undefined },
		]);
		for (const request of requests) {
			expectBearer(request, ctx.fixtures.apiKey);
			expect(request.valid).toBe(true);
		}
		// The Wait node really waited between the call and the read.
		expect(requests[1].at - requests[0].at).toBeGreaterThanOrEqual(WAIT_SECONDS * 1000 - 50);
		expect(nodeOutput(execution, example.callNode)[0].json).toEqual({
			conversationId,
			skipped: false,
			skipReason: null,
		});
	});

	test('a finished call whose summary confirms comes back as confirmed', async () => {
		// The sandbox leaves a new call OPEN; here it answers the read as a call that has ended.
		const ended = {
			...ctx.fixtures.conversations[0],
			summary: 'The patient confirmed the appointment.',
			duration: 94,
			status: 'CLOSED',
		};
		await ctx.sandbox.inject({
			provider: 'helloannie',
			method: 'GET',
			path: { regex: '^/conversations/[^/]+$' },
			fault: { status: 200, body: { success: true, data: ended } },
		});
		// Another appointment: the example's Deduplication Key (the appointment ID) already
		// placed the first test's call.
		const booking = sampleBooking(WAIT_SECONDS);
		booking.appointment.id = '81260684';
		const { answer } = await ctx.n8n.runWebhook(workflowId, webhookPath, booking);
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({
			callStatus: 'CLOSED',
			outcome: 'confirmed',
			summary: 'The patient confirmed the appointment.',
			durationSeconds: 94,
		});
	});

	/** The node's error items reach the error output, which answers 422. */
	test('a phone number without country code answers 422 with the reason, nothing is sent', async () => {
		const booking = sampleBooking(WAIT_SECONDS);
		booking.patient.phone = '555-0142';
		const { answer } = await ctx.n8n.runWebhook(workflowId, webhookPath, booking);
		expect(answer.status).toBe(422);
		expect(answer.body).toEqual({
			outcome: 'call not placed',
			patientId: 'PAT-10432',
			error: expect.stringMatching(
				/^To Number \(toNumber\) must be a full phone number with its country code/,
			),
		});
		expect(await ctx.sandbox.requests()).toEqual([]);
	});
});

describe('examples/helloannie-sms-campaign-from-csv.json', () => {
	const example = EXAMPLES.smsCampaign;

	test('reads examples/data/patients.csv, texts every valid row, reports the refused one', async () => {
		const workflow = prepareExample(example.file, {
			credentialId: ctx.state.credentials.helloAnnie.id,
			csvPath: path.join(ctx.state.filesDir, example.csvFile),
		});
		const stored = await ctx.n8n.createWorkflow(workflow);
		const execution = await ctx.n8n.waitForExecution(
			await ctx.n8n.runManually(stored.id, example.triggerNode),
		);
		expect(execution.status).toBe('success');

		const [summary] = nodeOutput(execution, example.summaryNode);
		expect(summary.json).toEqual({
			total: 4,
			sent: 3,
			failed: 1,
			results: [
				{
					patientId: 'PAT-10432',
					status: 'sent',
					conversationId: expect.stringMatching(UUID),
					error: '',
				},
				{
					patientId: 'PAT-10433',
					status: 'sent',
					conversationId: expect.stringMatching(UUID),
					error: '',
				},
				{
					patientId: 'PAT-10434',
					status: 'failed',
					conversationId: '',
					error:
						'To Number (toNumber) must be a full phone number with its country code, like +15559876543 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code',
				},
				{
					patientId: 'PAT-10435',
					status: 'sent',
					conversationId: expect.stringMatching(UUID),
					error: '',
				},
			],
		});

		const requests = await ctx.sandbox.requests();
		expect(requests.map((r) => [r.method, r.path, r.status, r.valid])).toEqual([
			['POST', '/sms', 200, true],
			['POST', '/sms', 200, true],
			['POST', '/sms', 200, true],
		]);
		// Sent in parallel (Requests in Parallel), so in any order.
		expect(requests.map((r) => (r.body as { toNumber: string }).toNumber).sort()).toEqual([
			'+15553332222',
			'+15559876543',
			'+442079460958',
		]);
		const sarah = requests.find(
			(r) => (r.body as { toNumber: string }).toNumber === '+15559876543',
		);
		expect(sarah?.body).toEqual({
			fromNumber: '+15551234567',
			toNumber: '+15559876543',
			message:
				'Hi Sarah, this is Annie from Bright Smiles Dental. Reply YES to confirm your 6-month routine cleaning and exam on Mar 10 at 3:00 PM, or tell me a time that suits you better.',
			patientInfo: {
				firstName: 'Sarah',
				lastName: 'Johnson',
				dateOfBirth: '1988-03-22T00:00:00.000Z',
				patientId: 'PAT-10432',
			},
			appointmentInfo: {
				appointmentId: '81260683',
				appointmentTypeId: 'apt-type-cleaning',
				appointmentDescription: '6-month routine cleaning and exam',
				startTime: '2025-03-10T15:00:00-06:00',
			},
			context:
				'Recall campaign: the patient should confirm or reschedule the 6-month routine cleaning and exam.',
		});
		for (const request of requests) expectBearer(request, ctx.fixtures.apiKey);
	});
});

describe('examples/allomia-call-files-to-disk.json', () => {
	const example = EXAMPLES.alloMiaFiles;

	test("gets the call with Download = Both and writes its transcript and recording with n8n's Read/Write Files from Disk node", async () => {
		const [call] = (await ctx.sandbox.allFixtures()).alloMia.calls;
		const transcriptPath = path.join(ctx.state.filesDir, `${call.id}.txt`);
		const recordingPath = path.join(ctx.state.filesDir, `${call.id}.mp3`);
		await Promise.all([
			fs.rm(transcriptPath, { force: true }),
			fs.rm(recordingPath, { force: true }),
		]);

		const workflow = prepareExample(example.file, {
			credentialIds: { alloMia: ctx.state.credentials.alloMia.id },
			folder: ctx.state.filesDir,
		});
		const stored = await ctx.n8n.createWorkflow(workflow);
		const execution = await ctx.n8n.waitForExecution(
			await ctx.n8n.runManually(stored.id, example.triggerNode),
		);
		expect(execution.status).toBe('success');

		// The example's call is the sandbox's completed call (its callId as the example ships it).
		const [item] = nodeOutput(execution, example.getNode);
		expect(item.json).toMatchObject({ id: call.id, callSummary: call.callSummary });
		expect(item.json).not.toHaveProperty('downloadErrors');
		expect(nodeOutput(execution, example.transcriptNode)).toHaveLength(1);
		expect(nodeOutput(execution, example.recordingNode)).toHaveLength(1);

		const transcript = await fs.readFile(transcriptPath);
		expect(transcript.length).toBe(item.binary?.transcript.bytes);
		expect(transcript.toString('utf8')).toContain(`Résumé : ${call.callSummaryFr}`);
		const recording = await fs.readFile(recordingPath);
		expect(recording.length).toBe(132 * RECORDING_BYTES_PER_SECOND);
		expect(recording.length).toBe(item.binary?.recording.bytes);
		expect([...recording.subarray(0, 2)]).toEqual([0xff, 0xfb]);

		const fetched = await ctx.sandbox.storageRequests();
		expect(fetched.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
			`GET /allomia/transcripts/${call.id}.txt 200`,
			`GET /allomia/recordings/${call.id}.mp3 200`,
		]);
		for (const request of fetched) expect(request.headers.authorization).toBeUndefined();
		const [apiRequest] = await ctx.sandbox.requests('allomia');
		expect(wire(apiRequest)).toEqual({
			method: 'GET',
			path: `/api/calls/${call.id}`,
			query: {},
			body: undefined,
		});
	});
});
