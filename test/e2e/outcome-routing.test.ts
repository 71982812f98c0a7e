/**
 * examples/<provider>-call-outcome-routing.json as users import them, inside the real n8n against
 * the sandbox: appointments posted to the webhook, each call ended by the sandbox its own way,
 * and a repeat delivery of one appointment. Per execution: which output of "Route by outcome"
 * the item took and the row its Edit Fields node wrote; per provider: one create per appointment
 * and one SMS per voicemail. Each provider is held to what it can say (docs/call-outcomes.md):
 * HelloAnnie ends every call `unknown`, AlloMia has no call-later or do-not-call outcome.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Execution } from '../harness/client';
import { nodeOutput } from '../harness/client';
import {
	EXAMPLES,
	prepareExample,
	routedRow,
	sampleAppointment,
	type RoutingExample,
} from '../harness/examples';
import { waitFor } from '../harness/processes';
import type { RecordedRequest } from '../sandbox/types';
import { UUID, useE2eContext } from './support';

const ctx = useE2eContext();

// Each provider's run takes about 10 s (the examples poll every second); the margin is for slow CI.
jest.setTimeout(120_000);

type Appointment = ReturnType<typeof sampleAppointment>;

/** An appointment whose call the sandbox ends one way, and what the workflow makes of it. */
interface Case {
	appointment: Appointment;
	/** Ends the call in the sandbox, as the provider would report it. */
	end: (callId: string) => Promise<void>;
	/** The Switch output the call takes. */
	output: string;
	/** The row node that runs. */
	node: string;
	/** The row it writes (callId aside: the call's ID, known once the call was placed). */
	row: (callId: string) => IDataObject;
}

/** Each provider's status read of a call, the path holding the call's ID. */
const STATUS_READ = {
	helloannie: /^\/conversations\/([^/]+)$/,
	allomia: /^\/api\/outbound\/([^/]+)\/status$/,
	aicaller: /^\/v1\/phoneCalls\/([^/]+)$/,
} as const;

const ANA = { id: 'PAT-2001', firstName: 'Ana', lastName: 'Silva', phone: '+15550102001' };
const BEN = { id: 'PAT-2002', firstName: 'Ben', lastName: 'Okafor', phone: '+15550102002' };
const CLOE = { id: 'PAT-2003', firstName: 'Cloe', lastName: 'Martin', phone: '+15550102003' };
const DAN = { id: 'PAT-2004', firstName: 'Dan', lastName: 'Reyes', phone: '+15550102004' };

/** The row every branch but "Not called" writes (the example's columns). */
function row(
	appointment: Appointment,
	status: string,
	call: { endReason: string; callBackAt?: string; summary?: string },
): (callId: string) => IDataObject {
	return (callId) => ({
		appointmentId: appointment.appointment.id,
		patientId: appointment.patient.id,
		status,
		endReason: call.endReason,
		callBackAt: call.callBackAt ?? null,
		summary: call.summary ?? null,
		callId,
	});
}

/** The voicemail row: the call's columns, and the SMS conversation started after it. */
function voicemailRow(
	appointment: Appointment,
	call: { summary?: string },
): (callId: string) => IDataObject {
	return (callId) => ({
		...row(appointment, 'voicemail, SMS sent', { endReason: 'voicemail', ...call })(callId),
		smsConversationId: expect.stringMatching(UUID),
	});
}

/** The follow-up SMS text for an appointment on 2026-06-02 10:00 (sampleAppointment's). */
const smsText = (firstName: string) =>
	`Hi ${firstName}, we called about your appointment on Tuesday, June 2 at 10:00 AM and left you a voicemail. Reply YES to confirm, or tell us a time that suits you better.`;

interface RunResult {
	/** One per execution, sorted by appointment and then delivery. */
	executions: IDataObject[];
	/** Creates the provider received, by callee number. */
	creates: Record<string, number>;
	/** The SMS HelloAnnie received (every example sends its SMS through HelloAnnie). */
	sms: RecordedRequest[];
	callIds: Map<string, string>;
	/** Requests of the example that broke the provider's documented contract. */
	invalid: string[];
}

/**
 * Imports the example (calling hours opened for now: the test runs at any hour), posts each
 * case's appointment one after the other and learns its call's ID from the first status read of
 * a call not seen before, posts the first appointment again, ends the calls, and waits for every
 * execution to end.
 */
async function runExample(example: RoutingExample, cases: Case[]): Promise<RunResult> {
	const { credentials } = ctx.state;
	const webhookPath = `${example.provider}-outcome-routing-${Date.now()}`;
	const workflow = prepareExample(example.file, {
		credentialIds: {
			helloAnnie: credentials.helloAnnie.id,
			alloMia: credentials.alloMia.id,
			aiCaller: credentials.aiCaller.id,
		},
		openCallingHours: true,
		webhookPath,
	});
	const stored = await ctx.n8n.createWorkflow(workflow);
	await ctx.n8n.activateWorkflow(stored);

	const statusRead = STATUS_READ[example.provider];
	const seen = new Set<string>();
	const callIds = new Map<string, string>();
	for (const { appointment } of cases) {
		const answer = await ctx.n8n.callWebhook(webhookPath, appointment);
		// Response Mode "Immediately": the booking system is not kept waiting for the call.
		expect(answer.status).toBe(200);
		const callId = await waitFor(
			`the call for appointment ${appointment.appointment.id} to be read`,
			async () => {
				for (const request of await ctx.sandbox.requests(example.provider)) {
					const id = request.method === 'GET' ? statusRead.exec(request.path)?.[1] : undefined;
					if (id !== undefined && !seen.has(id)) return id;
				}
				return undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 100 },
		);
		seen.add(callId);
		callIds.set(appointment.appointment.id, callId);
	}
	// The booking system delivers the first appointment again while its call is still going.
	expect((await ctx.n8n.callWebhook(webhookPath, cases[0].appointment)).status).toBe(200);
	await Promise.all(
		cases.map(async ({ appointment, end }) => await end(callIds.get(appointment.appointment.id)!)),
	);

	const ids = await waitFor(
		`${cases.length + 1} executions of ${example.file}`,
		async () => {
			const found = await ctx.n8n.executionIds(stored.id);
			return found.length >= cases.length + 1 ? found : undefined;
		},
		{ timeoutMs: 30_000, intervalMs: 200 },
	);
	const executions = await Promise.all(
		ids.map(async (id) => await ctx.n8n.waitForExecution(id, 60_000)),
	);

	const requests = await ctx.sandbox.requests(example.provider);
	const creates: Record<string, number> = {};
	for (const request of requests.filter(
		(r) => r.method === 'POST' && r.path === example.createPath,
	)) {
		const callee = String((request.body as IDataObject)[example.calleeField]);
		creates[callee] = (creates[callee] ?? 0) + 1;
	}
	const helloAnnie =
		example.provider === 'helloannie' ? requests : await ctx.sandbox.requests('helloannie');
	const sms = helloAnnie.filter((r) => r.method === 'POST' && r.path === '/sms');
	const invalid = [...new Set([...requests, ...helloAnnie])]
		.filter((r) => !r.valid)
		.map((r) => `${r.method} ${r.path}: ${r.validationErrors.join('; ')}`);
	return {
		executions: executions
			.map((execution) => describeExecution(execution, example))
			.sort(byDelivery),
		creates,
		sms,
		callIds,
		invalid,
	};
}

/** What an execution did, in the words the test compares. */
function describeExecution(execution: Execution, example: RoutingExample): IDataObject {
	const posted = nodeOutput(execution, example.webhookNode)[0].json.body as Appointment;
	const [call] = nodeOutput(execution, example.callNode);
	return {
		appointmentId: posted.appointment.id,
		delivery: call.json.skipped === true ? 'repeat' : 'first',
		status: execution.status,
		...routedRow(execution, example),
	};
}

const byDelivery = (a: IDataObject, b: IDataObject) =>
	`${String(a.appointmentId)} ${String(a.delivery)}`.localeCompare(
		`${String(b.appointmentId)} ${String(b.delivery)}`,
	);

/** What the test expects of the executions: one per case, and the repeat of the first. */
function expectedExecutions(cases: Case[], callIds: Map<string, string>): IDataObject[] {
	const first = cases[0].appointment;
	return [
		...cases.map(({ appointment, output, node, row: expectedRow }) => ({
			appointmentId: appointment.appointment.id,
			delivery: 'first',
			status: 'success',
			output,
			node,
			row: expectedRow(callIds.get(appointment.appointment.id)!),
		})),
		{
			appointmentId: first.appointment.id,
			delivery: 'repeat',
			status: 'success',
			output: 'not called',
			node: 'Not called',
			row: {
				appointmentId: first.appointment.id,
				patientId: first.patient.id,
				status: 'not called',
				skipReason: 'duplicate',
				nextAllowedAt: null,
			},
		},
	].sort(byDelivery);
}

/** One create per appointment: the repeat placed nothing. */
function expectOneCreateEach(creates: Record<string, number>, cases: Case[]): void {
	expect(creates).toEqual(
		Object.fromEntries(cases.map(({ appointment }) => [appointment.patient.phone, 1])),
	);
}

test('AICaller: voicemail → SMS and "Mark voicemail"; call_later → "Schedule call back" at callBackAt; completed → "Mark confirmed"; do_not_call → "Flag do not call"; the repeat → "Not called" (duplicate)', async () => {
	const example = EXAMPLES.aiCallerRouting;
	const callBackAt = '2026-06-03T14:30:00Z';
	const voicemail = sampleAppointment('APT-A1', ANA);
	const callLater = sampleAppointment('APT-A2', BEN);
	const confirmed = sampleAppointment('APT-A3', CLOE);
	const doNotCall = sampleAppointment('APT-A4', DAN);
	const end = (statusExtraInfo?: { statusCode: string; dateTime?: string }) => (id: string) =>
		ctx.sandbox.completeAiCallerCall(id, 'completed', statusExtraInfo);
	const cases: Case[] = [
		{
			appointment: voicemail,
			end: end({ statusCode: 'VOICEMAIL_DETECTED' }),
			output: 'voicemail',
			node: 'Mark voicemail',
			row: voicemailRow(voicemail, {}),
		},
		{
			appointment: callLater,
			end: end({ statusCode: 'CALL_LATER', dateTime: callBackAt }),
			output: 'call_later',
			node: 'Schedule call back',
			row: row(callLater, 'call back', { endReason: 'call_later', callBackAt }),
		},
		{
			appointment: confirmed,
			// No statusExtraInfo: the sandbox says ENDED_NORMALLY.
			end: end(),
			output: 'completed',
			node: 'Mark confirmed',
			row: row(confirmed, 'confirmed', { endReason: 'completed' }),
		},
		{
			appointment: doNotCall,
			end: end({ statusCode: 'DO_NOT_CALL' }),
			output: 'do_not_call',
			node: 'Flag do not call',
			row: row(doNotCall, 'do not call', { endReason: 'do_not_call' }),
		},
	];

	const result = await runExample(example, cases);
	expect(result.executions).toEqual(expectedExecutions(cases, result.callIds));
	expectOneCreateEach(result.creates, cases);
	expect(result.invalid).toEqual([]);
	expect(result.sms.map((r) => r.body)).toEqual([
		expect.objectContaining({
			fromNumber: '+15551234567',
			toNumber: ANA.phone,
			message: smsText('Ana'),
			patientInfo: { firstName: 'Ana', lastName: 'Silva', patientId: ANA.id },
		}),
	]);
});

test('AlloMia: voicemail (voicemail_left) → SMS and "Mark voicemail"; completed → "Mark confirmed"; no-answer → "Retry later"; the repeat → "Not called" (duplicate)', async () => {
	const example = EXAMPLES.alloMiaRouting;
	const voicemailSummary = 'The call reached voicemail; the assistant left a message.';
	const voicemail = sampleAppointment('APT-M1', ANA);
	const confirmed = sampleAppointment('APT-M2', BEN);
	const noAnswer = sampleAppointment('APT-M3', CLOE);
	const cases: Case[] = [
		{
			appointment: voicemail,
			// AlloMia's terminal states hold no voicemail: a completed call whose callOutcome says it.
			end: async (id) => {
				await ctx.sandbox.completeAlloMiaCall(id, 'completed', {
					endedReason: 'voicemail',
					callOutcome: 'voicemail_left',
					callSummary: voicemailSummary,
				});
			},
			output: 'voicemail',
			node: 'Mark voicemail',
			row: voicemailRow(voicemail, { summary: voicemailSummary }),
		},
		{
			appointment: confirmed,
			end: async (id) => {
				await ctx.sandbox.completeAlloMiaCall(id, 'completed');
			},
			output: 'completed',
			node: 'Mark confirmed',
			// The sandbox's summary of a connected call names the customer (Customer Name).
			row: row(confirmed, 'confirmed', {
				endReason: 'completed',
				summary: 'Call with Ben Okafor completed.',
			}),
		},
		{
			appointment: noAnswer,
			end: async (id) => {
				await ctx.sandbox.completeAlloMiaCall(id, 'no-answer');
			},
			output: 'anything else',
			node: 'Retry later',
			row: row(noAnswer, 'retry later', { endReason: 'no_answer' }),
		},
	];

	const result = await runExample(example, cases);
	expect(result.executions).toEqual(expectedExecutions(cases, result.callIds));
	expectOneCreateEach(result.creates, cases);
	expect(result.invalid).toEqual([]);
	expect(result.sms.map((r) => r.body)).toEqual([
		expect.objectContaining({ toNumber: ANA.phone, message: smsText('Ana') }),
	]);
});

test('HelloAnnie: every ended call is endReason unknown (HelloAnnie does not say how), so a voicemail and an answered call both take "Retry later" with their summaries and no SMS goes out; the repeat → "Not called" (duplicate)', async () => {
	const example = EXAMPLES.helloAnnieRouting;
	const voicemail = sampleAppointment('APT-H1', ANA);
	const answered = sampleAppointment('APT-H2', BEN);
	const cases: Case[] = [
		{
			appointment: voicemail,
			end: async (id) => await ctx.sandbox.endHelloAnnieCall(id, 'voicemail'),
			output: 'anything else',
			node: 'Retry later',
			// The call node sets a Voicemail Message, so Annie left it.
			row: row(voicemail, 'retry later', {
				endReason: 'unknown',
				summary: 'The call reached voicemail; Annie left the voicemail message.',
			}),
		},
		{
			appointment: answered,
			end: async (id) => await ctx.sandbox.endHelloAnnieCall(id, 'completed'),
			output: 'anything else',
			node: 'Retry later',
			row: row(answered, 'retry later', {
				endReason: 'unknown',
				summary: 'The patient answered and confirmed the appointment.',
			}),
		},
	];

	const result = await runExample(example, cases);
	expect(result.executions).toEqual(expectedExecutions(cases, result.callIds));
	expectOneCreateEach(result.creates, cases);
	expect(result.invalid).toEqual([]);
	expect(result.sms).toEqual([]);
});
