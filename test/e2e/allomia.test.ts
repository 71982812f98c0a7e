/**
 * Every AlloMia operation run inside a real n8n 2.41.1 (the packed package installed as a
 * community package) against the sandbox: the items n8n got out of the node and the exact
 * request the sandbox received; errors with Continue On Fail on and off; the credential test
 * through n8n's REST API; and examples/allomia-outbound-call-crm-update.json, whose Wait node is
 * resumed by the sandbox's callback. Setup: global-setup.ts; helpers: support.ts.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { ALLOMIA_CALL_ANALYSIS, expectedAlloMiaCallRecord } from '../fixtures/allomia-calls';
import { ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE } from '../fixtures/documentation-examples';
import { nodeOutput, type Execution } from '../harness/client';
import { EXAMPLES, prepareExample, sampleContact, webhookPathOf } from '../harness/examples';
import { waitFor } from '../harness/processes';
import { NODE_TYPES } from '../harness/project';
import { RECORDING_BYTES_PER_SECOND } from '../sandbox/storage';
import {
	executionError,
	expectBearer,
	UUID,
	wire,
	operationSuite,
	type AlloMiaFixtures,
} from './support';
import { vocabulary } from '../fixtures/call-outcome';

const NODE = { type: NODE_TYPES.alloMia, name: 'AlloMia' };
const WRONG_KEY = 'AlloMia did not accept the API key (HTTP 401): Invalid or missing API key';

const suite = operationSuite('allomia', NODE);
const run = suite.run;

// One workflow run takes well under a second; the margin is for slow CI machines.
jest.setTimeout(120_000);

/** The Create Outbound Call page's example request, the values coming from the item through expressions. */
const exampleItem = {
	phone: '+1 (514) 555-1234',
	name: 'John Doe',
	patientId: '12345',
	slot: '2026-04-01T10:00:00Z',
	practitioner: 'Dr. Smith',
};
const exampleParameters: INodeParameters = {
	resource: 'call',
	operation: 'createOutbound',
	phoneNumber: '={{ $json.phone }}',
	assistantId: 'a1b2c3d4-e5f6-7890-abcd-123456789012',
	phoneNumberId: 'b2c3d4e5-f6a7-8901-bcde-234567890123',
	customerName: '={{ $json.name }}',
	dynamicVariablesMode: 'fields',
	dynamicVariables: {
		variable: [
			{ key: 'patientId', value: '={{ $json.patientId }}' },
			{ key: 'appointmentSlot', value: '={{ $json.slot }}' },
			{ key: 'practitioner', value: '={{ $json.practitioner }}' },
		],
	},
	callbackUrl: 'https://partner.example.com/webhooks/call-status',
};
const exampleBody = ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE.body;

/**
 * A call record as GET /api/calls lists it: the list-calls page's fields only (basic call
 * information; callSummary, userSentiment, the URLs ... are Get's).
 */
/**
 * A fixture call as Get Many lists it: the list-calls fields, and the vocabulary, which the list
 * tells only whether (callEndedAt) and how long: without a status or callOutcome, not how.
 */
function listed(call: AlloMiaFixtures['calls'][number]): IDataObject {
	return {
		...vocabulary({
			callEnded: true,
			endReason: 'unknown',
			durationSeconds: Number(call.callDurationSeconds),
		}),
		id: call.id,
		organizationId: call.organizationId,
		callType: call.callType,
		agentId: call.agentId,
		agentName: call.agentName,
		teamId: call.teamId,
		teamName: call.teamName,
		phoneNumber: call.phoneNumber,
		callStartedAt: call.callStartedAt,
		callEndedAt: call.callEndedAt,
		callDurationSeconds: call.callDurationSeconds,
		userPhoneNumber: call.userPhoneNumber,
		createdAt: call.createdAt,
	};
}

describe('Call → Create Outbound', () => {
	test("sends the Create Outbound Call page's example field for field and outputs the dispatched call", async () => {
		const { execution, output, requests } = await run('create', [exampleItem], exampleParameters);
		expect(execution.status).toBe('success');
		expect(output).toEqual([
			{
				json: {
					outboundCallId: expect.stringMatching(UUID),
					contactId: expect.stringMatching(UUID),
					status: 'calling',
					message: 'Outbound call dispatched',
					skipped: false,
					skipReason: null,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(requests.map(wire)).toEqual([
			{ method: 'POST', path: '/api/outbound', query: {}, body: exampleBody },
		]);
		expect(requests[0].rawBody).toBe(JSON.stringify(exampleBody));
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].headers['content-type']).toMatch(/^application\/json/);
		expect(requests[0].valid).toBe(true);
	});

	test('dynamic variables from a JSON object: every value is sent as a string', async () => {
		const { execution, requests } = await run(
			'create json vars',
			[{ phone: '0015145551234', vars: { patientId: 12345, confirmed: true, room: 'B' } }],
			{
				...exampleParameters,
				customerName: '',
				callbackUrl: '',
				dynamicVariablesMode: 'json',
				dynamicVariablesJson: '={{ $json.vars }}',
			},
		);
		expect(execution.status).toBe('success');
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: '/api/outbound',
				query: {},
				body: {
					phoneNumber: '+15145551234',
					assistantId: exampleBody.assistantId,
					phoneNumberId: exampleBody.phoneNumberId,
					dynamicVariables: { patientId: '12345', confirmed: 'true', room: 'B' },
				},
			},
		]);
		expect(requests[0].valid).toBe(true);
	});
});

describe('Call → Get Status / Get / Get Many', () => {
	test('Get Status follows a call placed in n8n from calling to completed', async () => {
		const created = await run('create for status', [exampleItem], exampleParameters);
		const id = String(created.output[0].json.outboundCallId);

		// No sandbox reset here: it would forget the call. Its requests are counted from here on.
		const before = created.requests.length;
		const statusParameters = {
			resource: 'call',
			operation: 'getStatus',
			outboundCallId: '={{ $json.id }}',
		};
		const calling = await run('status calling', [{ id }], statusParameters);
		expect(calling.execution.status).toBe('success');
		expect(calling.output.map((item) => item.json)).toEqual([
			{
				outboundCallId: id,
				contactId: created.output[0].json.contactId,
				status: 'calling',
				...vocabulary({}),
			},
		]);
		const statusRequests = calling.requests.slice(before);
		expect(statusRequests.map(wire)).toEqual([
			{ method: 'GET', path: `/api/outbound/${id}/status`, query: {}, body: undefined },
		]);
		expectBearer(statusRequests[0], suite.fixtures.apiKey);
		expect(statusRequests[0].valid).toBe(true);

		const completion = await suite.ctx.sandbox.completeAlloMiaCall(id, 'completed', {
			duration: 94,
		});
		const completed = await run('status completed', [{ id }], statusParameters);
		// The status as AlloMia gives it, with the vocabulary (its duration has no documented unit).
		expect(completed.output.map((item) => item.json)).toEqual([
			{ ...completion.status, ...vocabulary({ callEnded: true, endReason: 'completed' }) },
		]);
		expect(completion.status).toEqual({
			outboundCallId: id,
			contactId: created.output[0].json.contactId,
			status: 'completed',
			callDetails: {
				startedAt: expect.any(String),
				endedAt: expect.any(String),
				duration: 94,
				endedReason: 'customer-ended-call',
			},
		});
	});

	test("Get returns the call with get-call's field names (callSummary, callOutcome, ...) and the links, with when they expire", async () => {
		const [call] = suite.fixtures.calls;
		const before = Date.now();
		const { execution, output, requests } = await run('get', [{ id: call.id }], {
			resource: 'call',
			operation: 'get',
			callId: '={{ $json.id }}',
		});
		const after = Date.now();
		expect(execution.status).toBe('success');
		const { hasTranscript, hasRecording, ...record } = call;
		expect({ hasTranscript, hasRecording }).toEqual({ hasTranscript: true, hasRecording: true });
		expect(output[0].json).toMatchObject({
			callSummary: 'John Doe confirmed his appointment with Dr. Smith on April 1st at 10:00.',
			userSentiment: 'positive',
			userPrimaryIntent: 'confirm_appointment',
			callOutcome: 'appointment_confirmed',
			callEndedReason: 'customer-ended-call',
			callDurationSeconds: '132',
			teamName: 'Front Desk',
		});
		expect(output.map((item) => item.json)).toEqual([
			{
				...record,
				...vocabulary({
					callEnded: true,
					endReason: 'completed',
					outcome: 'appointment_confirmed',
					summary: record.callSummary,
					durationSeconds: 132,
				}),
				transcriptUrl: expect.stringMatching(
					new RegExp(
						`^http://127\\.0\\.0\\.1:\\d+/storage/allomia/transcripts/${call.id}\\.txt\\?.*X-Amz-Expires=3600`,
					),
				),
				recordingUrl: expect.stringMatching(
					new RegExp(
						`^http://127\\.0\\.0\\.1:\\d+/storage/allomia/recordings/${call.id}\\.mp3\\?.*X-Amz-Expires=3600`,
					),
				),
				linksExpireAt: expect.any(String),
				linksNote:
					'transcriptUrl and recordingUrl are pre-signed and expire one hour after they were fetched',
			},
		]);
		// One hour after the node read the call: between the test's clock before and after the run.
		const expires = Date.parse(String(output[0].json.linksExpireAt));
		expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
		expect(expires).toBeLessThanOrEqual(after + 3600_000 + 1000);
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: `/api/calls/${call.id}`, query: {}, body: undefined },
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
	});

	test("Create Outbound with Wait for Call to End: the item is the call as it ended, its status and call record under AlloMia's own field names", async () => {
		const running = run('create and wait', [exampleItem], {
			...exampleParameters,
			callbackUrl: '',
			waitForCallToEnd: true,
			maxWaitSeconds: 60,
			pollIntervalSeconds: 1,
		});
		// The call ends once the node has polled its status for the first time.
		const id = await waitFor(
			'the node to poll the status of the call it placed',
			async () => {
				const polled = (await suite.ctx.sandbox.requests('allomia')).find(
					(r) => r.method === 'GET' && r.path.endsWith('/status'),
				);
				return polled?.path.split('/')[3];
			},
			{ timeoutMs: 30_000, intervalMs: 100 },
		);
		await suite.ctx.sandbox.completeAlloMiaCall(id, 'completed', {
			duration: 61,
			...ALLOMIA_CALL_ANALYSIS,
		});
		const { execution, output, requests } = await running;
		expect(execution.status).toBe('success');
		expect(output).toHaveLength(1);
		const json = output[0].json;
		// The call as it ended, AlloMia's fields top-level; the create answer under createResponse.
		expect(json).toEqual({
			outboundCallId: id,
			status: 'completed',
			callEnded: true,
			endReason: 'completed',
			callBackAt: null,
			outcome: ALLOMIA_CALL_ANALYSIS.callOutcome,
			summary: ALLOMIA_CALL_ANALYSIS.callSummary,
			durationSeconds: 61,
			contactId: expect.any(String),
			callDetails: {
				startedAt: expect.any(String),
				endedAt: expect.any(String),
				duration: 61,
				endedReason: 'customer-ended-call',
			},
			...expectedAlloMiaCallRecord(id, suite.fixtures.organizationId, '61'),
			linksExpireAt: expect.any(String),
			waitedSeconds: expect.any(Number),
			createResponse: { outboundCallId: id, status: 'calling' },
			skipped: false,
			skipReason: null,
		});
		const calls = requests.map((r) => [r.method, r.path, r.status, r.valid]);
		expect(calls[0]).toEqual(['POST', '/api/outbound', 200, true]);
		expect(calls[calls.length - 1]).toEqual(['GET', `/api/calls/${id}`, 200, true]);
		expect(new Set(calls.slice(1, -1).map((c) => c[1]))).toEqual(
			new Set([`/api/outbound/${id}/status`]),
		);
	});

	test('Get Many sends the filters, and the limit as the page size', async () => {
		const { execution, output, requests } = await run('get many filtered', [{}], {
			resource: 'call',
			operation: 'getAll',
			organizationId: suite.fixtures.organizationId,
			returnAll: false,
			limit: 5,
			filters: {
				agentName: 'mia reception',
				from: '2025-03-04T00:00:00Z',
				to: '2025-03-31T23:59:59Z',
				sort: 'asc',
			},
		});
		expect(execution.status).toBe('success');
		// Mia Reception's calls from March 4th on, oldest first: the inbound call, then the unanswered one.
		const byId = new Map(suite.fixtures.calls.map((call) => [call.id, call]));
		expect(output.map((item) => item.json)).toEqual([
			listed(byId.get('e3f4a5b6-c7d8-4e9f-8a0b-1c2d3e4f5a63')!),
			listed(byId.get('c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e62')!),
		]);
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/api/calls',
				query: {
					organizationId: suite.fixtures.organizationId,
					page: '1',
					limit: '5',
					agentName: 'mia reception',
					from: '2025-03-04T00:00:00.000Z',
					to: '2025-03-31T23:59:59.000Z',
					sort: 'asc',
				},
				body: undefined,
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);
	});

	test("Get Many with Return All and no Organization ID lists the credential's organization", async () => {
		const { execution, output, requests } = await run('get many all', [{}], {
			resource: 'call',
			operation: 'getAll',
			returnAll: true,
			filters: { callType: 'Outbound' },
		});
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.json.id)).toEqual([
			'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e62',
			'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51',
		]);
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/api/calls',
				query: {
					organizationId: suite.fixtures.organizationId,
					page: '1',
					limit: '20',
					callType: 'Outbound',
				},
				body: undefined,
			},
		]);
	});
});

describe('errors', () => {
	const PHONE_RULE =
		/^Phone Number \(phoneNumber\) must be a full phone number with its country code/;

	test('continue on fail: a refused row and a 400 become error items paired to their inputs; the others are called', async () => {
		await suite.ctx.sandbox.inject({
			provider: 'allomia',
			method: 'POST',
			path: '/api/outbound',
			times: 1,
			// The first row's request, whenever it arrives.
			bodyContains: '+15145550001',
			fault: {
				status: 400,
				body: {
					error: 'Invalid request data',
					details: [
						{
							field: 'phoneNumber',
							message: 'Phone number must be at least 10 digits',
							code: 'too_small',
						},
						{ field: 'assistantId', message: 'Invalid uuid', code: 'invalid_string' },
					],
				},
			},
		});
		const { execution, output, requests } = await run(
			'continue on fail',
			[
				{ ...exampleItem, phone: '+15145550001' },
				{ ...exampleItem, phone: '514-555-0002' },
				{ ...exampleItem, phone: '+15145550003' },
			],
			exampleParameters,
			{ onError: 'continueRegularOutput' },
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toEqual({
			error:
				'AlloMia refused the request (HTTP 400): Invalid request data — phoneNumber: Phone number must be at least 10 digits; assistantId: Invalid uuid',
			details: expect.objectContaining({ httpCode: '400' }),
		});
		expect(output[1].json).toEqual({
			error: expect.stringMatching(PHONE_RULE),
			details: { description: 'Nothing was sent for this item.' },
		});
		expect(output[2].json).toMatchObject({
			status: 'calling',
			outboundCallId: expect.stringMatching(UUID),
		});
		// The refused row never reached AlloMia.
		// (Sent in parallel: in any order.)
		expect(
			requests
				.map((r) => [r.path, (r.body as { phoneNumber: string }).phoneNumber, r.status])
				.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
		).toEqual([
			['/api/outbound', '+15145550001', 400],
			['/api/outbound', '+15145550003', 200],
		]);
	});

	test("stop on fail: a 500 fails the execution with the node's message, is not retried, and the next row is not called", async () => {
		await suite.ctx.sandbox.inject({
			provider: 'allomia',
			method: 'POST',
			path: '/api/outbound',
			times: 1,
			fault: { status: 500 },
		});
		const { execution, requests } = await run(
			'stop on fail 500',
			[exampleItem, { ...exampleItem, phone: '+15145550003' }],
			// One request at a time: with more in parallel the next row may already be on its way.
			{ ...exampleParameters, requestOptions: { requestsInParallel: 1 } },
		);
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toBe(
			'AlloMia failed (HTTP 500): Internal server error occurred. The request may or may not have been processed',
		);
		expect(error.description).toMatch(
			/Check with Call → Get Many \(sorted newest first\) before running this item again/,
		);
		expect(error.node).toBe('AlloMia');
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/api/outbound', 500],
		]);
	});

	test('stop on fail: an unknown assistant gives the documented 404', async () => {
		const { execution, requests } = await run('unknown assistant', [exampleItem], {
			...exampleParameters,
			assistantId: '00000000-0000-4000-8000-000000000000',
		});
		expect(execution.status).toBe('error');
		expect(executionError(execution)).toMatchObject({
			message: 'AlloMia could not find it (HTTP 404): Assistant or phone number not found',
			node: 'AlloMia',
		});
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/api/outbound', 404],
		]);
	});

	test('stop on fail: a bad phone number fails the execution before anything is sent', async () => {
		const { execution, requests } = await run(
			'bad phone stop',
			[{ ...exampleItem, phone: '555-0142' }],
			exampleParameters,
		);
		expect(execution.status).toBe('error');
		expect(executionError(execution).message).toMatch(PHONE_RULE);
		expect(requests).toEqual([]);
	});

	test("a credential with a wrong key fails with the node's 401 message, not retried", async () => {
		const { execution, requests } = await run(
			'wrong key',
			[{ id: suite.fixtures.calls[0].id }],
			{ resource: 'call', operation: 'get', callId: '={{ $json.id }}' },
			{ credential: suite.ctx.state.credentials.alloMiaWrongKey },
		);
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toBe(WRONG_KEY);
		expect(JSON.stringify(execution.data.resultData.error)).not.toContain(
			'allomia-not-a-valid-key',
		);
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', `/api/calls/${suite.fixtures.calls[0].id}`, 401],
		]);
	});
});

describe('credential test through n8n (POST /rest/credentials/test)', () => {
	/** The credential as the editor holds it (API key redacted; n8n puts the stored one back). */
	async function stored(credential: typeof suite.ctx.state.credentials.alloMia) {
		const answer = await suite.ctx.n8n.rest<{ data: Record<string, string> }>(
			'GET',
			`/rest/credentials/${credential.id}?includeData=true`,
		);
		expect(answer.data.baseUrl).toBe(suite.ctx.state.alloMiaBaseUrl);
		expect(answer.data.organizationId).toBe(suite.fixtures.organizationId);
		return answer.data;
	}

	test('the sandbox credential passes with one read-only request for one call of its organization', async () => {
		const credential = suite.ctx.state.credentials.alloMia;
		const result = await suite.ctx.n8n.testCredential(credential, await stored(credential));
		expect(result.status).toBe('OK');
		const requests = await suite.ctx.sandbox.requests('allomia');
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/api/calls',
				query: { organizationId: suite.fixtures.organizationId, limit: '1' },
				body: undefined,
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);
	});

	test('a wrong key is reported as such, stored or typed into the form', async () => {
		const wrong = suite.ctx.state.credentials.alloMiaWrongKey;
		const storedResult = await suite.ctx.n8n.testCredential(wrong, await stored(wrong));
		expect(storedResult.status).toBe('Error');
		// The credential test's rule: what was refused, and where the right key is found.
		expect(storedResult.message).toMatch(
			/^AlloMia refused the API key \(HTTP 401\): .*Settings > API Keys/,
		);

		const typed = await suite.ctx.n8n.testCredential(suite.ctx.state.credentials.alloMia, {
			apiKey: 'allomia-typo',
			organizationId: suite.fixtures.organizationId,
			baseUrl: suite.ctx.state.alloMiaBaseUrl,
		});
		expect(typed).toEqual(storedResult);

		const requests = await suite.ctx.sandbox.requests('allomia');
		expect(requests.length).toBeGreaterThanOrEqual(2);
		for (const request of requests)
			expect([request.method, request.path, request.status]).toEqual(['GET', '/api/calls', 401]);
		expectBearer(requests[requests.length - 1], 'allomia-typo');
	});

	test('an empty Organization ID is reported as missing', async () => {
		const credential = suite.ctx.state.credentials.alloMia;
		const result = await suite.ctx.n8n.testCredential(credential, {
			...(await stored(credential)),
			organizationId: '',
		});
		expect(result).toEqual({
			status: 'Error',
			message:
				'Enter the Organization ID: AlloMia needs it to check the key without placing a call',
		});
		const requests = await suite.ctx.sandbox.requests('allomia');
		expect(requests.length).toBeGreaterThanOrEqual(1);
		for (const request of requests)
			expect([request.method, request.path, request.status]).toEqual(['GET', '/api/calls', 400]);
	});
});

describe('examples/allomia-outbound-call-crm-update.json', () => {
	const example = EXAMPLES.alloMiaCrm;
	let workflowId: string;
	let webhookPath: string;

	beforeAll(async () => {
		const workflow = prepareExample(example.file, {
			credentialIds: { alloMia: suite.ctx.state.credentials.alloMia.id },
		});
		webhookPath = webhookPathOf(workflow);
		const stored = await suite.ctx.n8n.createWorkflow(workflow);
		await suite.ctx.n8n.activateWorkflow(stored);
		workflowId = stored.id;
	});

	/** Posts a contact as the CRM would; returns the execution once it waits for the callback. */
	async function startCall(body: unknown): Promise<Execution> {
		const { answer, execution } = await suite.ctx.n8n.runWebhook(workflowId, webhookPath, body, {
			untilPaused: true,
		});
		expect(answer.status).toBe(200);
		return execution;
	}

	test('Wait Using "On Provider Callback": the call goes out with the resume URL, the execution waits, the callback resumes the node with the call as it ended, and the CRM record is written', async () => {
		const waiting = await startCall(sampleContact());
		expect(waiting.status).toBe('waiting');
		const [placed] = nodeOutput(waiting, example.callNode);
		const outboundCallId = String(placed.json.outboundCallId);
		// While it waits, the node shows the placed call.
		expect(placed.json).toEqual({
			outboundCallId: expect.stringMatching(UUID),
			status: 'calling',
			...vocabulary({}),
			waitedSeconds: 0,
			contactId: expect.stringMatching(UUID),
			createResponse: { outboundCallId, status: 'calling' },
			skipped: false,
			skipReason: null,
			placedAt: expect.any(String),
			waitingFor: 'AlloMia callback',
		});

		const requests = await suite.ctx.sandbox.requests('allomia');
		// The create, and one read of the call before the execution waits.
		expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'POST /api/outbound',
			`GET /api/outbound/${outboundCallId}/status`,
		]);
		const body = requests[0].body as { callbackUrl: string };
		expect(wire(requests[0])).toEqual({
			method: 'POST',
			path: '/api/outbound',
			query: {},
			body: {
				phoneNumber: '+15145551234',
				assistantId: 'a1b2c3d4-e5f6-7890-abcd-123456789012',
				phoneNumberId: 'b2c3d4e5-f6a7-8901-bcde-234567890123',
				customerName: 'John Doe',
				dynamicVariables: {
					crmContactId: 'CRM-2041',
					appointmentSlot: '2026-04-01T10:00:00Z',
					practitioner: 'Dr. Smith',
				},
				callbackUrl: body.callbackUrl,
			},
		});
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);
		// $execution.resumeUrl: this execution's waiting webhook, signed with its resume token.
		const resumeUrl = new URL(body.callbackUrl);
		expect(`${resumeUrl.origin}${resumeUrl.pathname}`).toBe(
			`${suite.ctx.state.n8nUrl.replace('127.0.0.1', 'localhost')}/webhook-waiting/${waiting.id}`,
		);
		expect(resumeUrl.searchParams.get('signature')).toMatch(/.{16,}/);

		// Someone who knows the execution id but not the token cannot resume it.
		const forged = await fetch(`${suite.ctx.state.n8nUrl}/webhook-waiting/${waiting.id}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ outboundCallId, status: 'completed' }),
		});
		expect(forged.status).toBe(401);
		expect((await suite.ctx.n8n.getExecution(waiting.id)).status).toBe('waiting');

		// The call ends: the sandbox POSTs the documented payload (= Get Status) to the callback URL.
		const completion = await suite.ctx.sandbox.completeAlloMiaCall(outboundCallId, 'completed', {
			duration: 94,
		});
		expect(completion.callback).toMatchObject({ url: body.callbackUrl, status: 200 });
		const execution = await suite.ctx.n8n.waitForExecution(waiting.id);
		expect(execution.status).toBe('success');

		// The node's output is the call as it ended: status, callDetails and the call record's
		// summary and outcome, top-level under AlloMia's names.
		const [ended] = nodeOutput(execution, example.callNode);
		const details = completion.status.callDetails!;
		expect(ended.json).toMatchObject({
			outboundCallId,
			status: 'completed',
			callEnded: true,
			endReason: 'completed',
			outcome: completion.call.callOutcome,
			summary: completion.call.callSummary,
			durationSeconds: 94,
			callDetails: details,
			callSummary: completion.call.callSummary,
			callOutcome: completion.call.callOutcome,
			createResponse: placed.json.createResponse,
		});
		expect(Object.keys(ended.json).slice(0, 3)).toEqual(['outboundCallId', 'status', 'callEnded']);
		expect(nodeOutput(execution, example.crmNode).map((item) => item.json)).toEqual([
			{
				crmContactId: 'CRM-2041',
				outboundCallId,
				callStatus: 'completed',
				callOutcome: 'reached',
				durationSeconds: 94,
				endedReason: 'customer-ended-call',
				callStartedAt: details.startedAt,
				callEndedAt: details.endedAt,
				summary: completion.call.callSummary,
				alloMiaCallOutcome: completion.call.callOutcome,
				nextStep: 'read the summary below',
			},
		]);
		const callbacks = (await suite.ctx.sandbox.callbacks()).filter((c) => c.provider === 'allomia');
		expect(callbacks.map((c) => [c.event, c.url, c.status])).toEqual([
			['status', body.callbackUrl, 200],
		]);
		// One call; after the callback, the call is read from AlloMia: its status, then its record.
		expect((await suite.ctx.sandbox.requests('allomia')).map((r) => [r.method, r.path])).toEqual([
			['POST', '/api/outbound'],
			['GET', `/api/outbound/${outboundCallId}/status`],
			['GET', `/api/outbound/${outboundCallId}/status`],
			['GET', `/api/calls/${outboundCallId}`],
		]);
	});

	test('an unanswered call lands in the CRM as "retry later"', async () => {
		const waiting = await startCall(sampleContact());
		expect(waiting.status).toBe('waiting');
		const outboundCallId = String(nodeOutput(waiting, example.callNode)[0].json.outboundCallId);
		await suite.ctx.sandbox.completeAlloMiaCall(outboundCallId, 'no-answer');
		const execution = await suite.ctx.n8n.waitForExecution(waiting.id);
		expect(execution.status).toBe('success');
		expect(nodeOutput(execution, example.crmNode)[0].json).toMatchObject({
			crmContactId: 'CRM-2041',
			outboundCallId,
			callStatus: 'no-answer',
			callOutcome: 'retry later',
			durationSeconds: 0,
			endedReason: 'customer-did-not-answer',
			nextStep: 'schedule another call',
		});
	});

	test('a phone number without country code is recorded as not placed; nothing is sent', async () => {
		const contact = sampleContact();
		contact.contact.phone = '514-555-1234';
		const execution = await startCall(contact);
		expect(execution.status).toBe('success');
		expect(nodeOutput(execution, example.notPlacedNode).map((item) => item.json)).toEqual([
			{
				crmContactId: 'CRM-2041',
				callStatus: 'not placed',
				callOutcome: 'call not placed',
				error: expect.stringMatching(
					/^Phone Number \(phoneNumber\) must be a full phone number with its country code/,
				),
				nextStep: "fix the contact's phone number",
			},
		]);
		expect(execution.data.resultData.runData[example.crmNode]).toBeUndefined();
		expect(await suite.ctx.sandbox.requests('allomia')).toEqual([]);
	});
});

describe('examples/allomia-call-list-one-execution-per-call.json', () => {
	const example = EXAMPLES.alloMiaList;

	test('three contacts: one execution each, each waiting for its own callback, each writing its own result', async () => {
		const workflow = prepareExample(example.file, {
			credentialIds: { alloMia: suite.ctx.state.credentials.alloMia.id },
		});
		const stored = await suite.ctx.n8n.createWorkflow(workflow);
		const before = await suite.ctx.n8n.latestExecutionId(stored.id);
		const parent = await suite.ctx.n8n.waitForExecution(
			await suite.ctx.n8n.runManually(stored.id, example.triggerNode),
		);
		expect(parent.status).toBe('success');

		// Three executions of the same workflow, started by the parent, each waiting for its call.
		const waiting = await waitFor(
			'three executions waiting for their callbacks',
			async () => {
				const ids = (await suite.ctx.n8n.executionIds(stored.id)).filter(
					(id) => Number(id) > before && id !== parent.id,
				);
				if (ids.length < 3) return undefined;
				const executions = await Promise.all(
					ids.map(async (id) => await suite.ctx.n8n.getExecution(id)),
				);
				return executions.every((e) => e.status === 'waiting') ? executions : undefined;
			},
			{ timeoutMs: 60_000, intervalMs: 200 },
		);
		expect(waiting).toHaveLength(3);
		const requests = (await suite.ctx.sandbox.requests('allomia')).filter(
			(r) => r.method === 'POST',
		);
		expect(requests.map((r) => (r.body as { phoneNumber: string }).phoneNumber).sort()).toEqual([
			'+15145550101',
			'+15145550102',
			'+15145550103',
		]);
		for (const request of requests) expect(request.valid).toBe(true);

		// The calls end with different outcomes; each execution resumes with its own.
		const outcomes = ['completed', 'busy', 'no-answer'] as const;
		const expected = new Map<string, { phone: string; status: string }>();
		for (const [k, execution] of waiting.entries()) {
			const [placed] = nodeOutput(execution, example.callNode);
			const callId = String(placed.json.outboundCallId);
			const completion = await suite.ctx.sandbox.completeAlloMiaCall(callId, outcomes[k]);
			expect(completion.callback?.status).toBe(200);
			expected.set(execution.id, {
				phone: completion.call.userPhoneNumber ?? '',
				status: outcomes[k],
			});
		}
		const results = [];
		for (const execution of waiting) {
			const done = await suite.ctx.n8n.waitForExecution(execution.id);
			expect(done.status).toBe('success');
			const [result] = nodeOutput(done, example.resultNode);
			const contactId = String(result.json.contactId);
			results.push({ contactId, callStatus: result.json.callStatus });
			expect(result.json.callStatus).toBe(expected.get(execution.id)?.status);
			expect(String(nodeOutput(done, example.callNode)[0].json.outboundCallId)).toBe(
				result.json.outboundCallId,
			);
		}
		expect(results.map((r) => r.contactId).sort()).toEqual(['CRM-3001', 'CRM-3002', 'CRM-3003']);
		expect(
			(await suite.ctx.sandbox.requests('allomia')).filter((r) => r.method === 'POST'),
		).toHaveLength(3);
	});
});

describe('Call → Get → Download', () => {
	test("Both: the transcript and the recording as n8n binary data (file name, MIME type, size) in n8n's binary data store; no API key sent to the file host", async () => {
		const [call] = suite.fixtures.calls;
		const { execution, output } = await run('get with download', [{ id: call.id }], {
			resource: 'call',
			operation: 'get',
			callId: '={{ $json.id }}',
			download: 'both',
		});
		expect(execution.status).toBe('success');
		expect(output).toHaveLength(1);
		const [{ json, binary }] = output;
		expect(json).toMatchObject({
			id: call.id,
			callSummary: call.callSummary,
			callDurationSeconds: '132',
		});
		expect(json).not.toHaveProperty('downloadErrors');

		const recordingBytes = 132 * RECORDING_BYTES_PER_SECOND;
		expect(binary?.transcript).toMatchObject({
			fileName: `${call.id}.txt`,
			mimeType: 'text/plain',
			fileExtension: 'txt',
		});
		expect(binary?.recording).toMatchObject({
			fileName: `${call.id}.mp3`,
			mimeType: 'audio/mpeg',
			fileExtension: 'mp3',
			fileType: 'audio',
			bytes: recordingBytes,
			fileSize: '2.11 MB',
		});
		// Stored in n8n's binary data store (filesystem, n8n's default), not inside the execution data.
		expect(binary?.recording.id).toMatch(/^filesystem/);

		const transcript = await suite.ctx.n8n.binaryData(String(binary?.transcript.id));
		expect(transcript.length).toBe(binary?.transcript.bytes);
		expect(transcript.toString('utf8')).toContain(`Résumé : ${call.callSummaryFr}`);
		const recording = await suite.ctx.n8n.binaryData(String(binary?.recording.id));
		expect(recording.length).toBe(recordingBytes);
		expect([...recording.subarray(0, 2)]).toEqual([0xff, 0xfb]);

		const fetched = await suite.ctx.sandbox.storageRequests();
		expect(fetched.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
			`GET /allomia/transcripts/${call.id}.txt 200`,
			`GET /allomia/recordings/${call.id}.mp3 200`,
		]);
		for (const request of fetched) {
			expect(request.headers.authorization).toBeUndefined();
			expect(JSON.stringify(request.headers)).not.toContain(suite.fixtures.apiKey);
		}
	});
});
