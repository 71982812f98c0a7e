/**
 * The AICaller node run by n8n-core against the sandbox: the exact request of every operation
 * (the Create Phone Call page's example field for field), batches for Create Many, outputs and
 * errors. The node refuses only what AICaller's pages state (docs/provider-contracts.md):
 * IDs of any shape, undocumented event names and past schedule times are sent, and AICaller's
 * (here the sandbox's) answer shown.
 */
import type { IDataObject } from 'n8n-workflow';
import {
	AICALLER_CREATE_PHONE_CALL_EXAMPLE,
	AICALLER_EXAMPLE_CALL_ID as DOCS_CALL_ID,
	AICALLER_EXAMPLE_ID as ID,
	AICALLER_EXAMPLE_WEBHOOK_SECRET,
	AICALLER_PAGE_DELAYED_UNTIL,
} from '../fixtures/documentation-examples';
import { expectDocumentedRequest } from '../fixtures/requests';
import { useSandbox } from '../in-process/sandbox';
import { runAiCaller, TEST_WEBHOOK_SECRET } from '../in-process/providers';
import { withoutWebhookSecrets } from '../../nodes/AiCaller/webhookSecret';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const F = SANDBOX_FIXTURES.aiCaller;
/** Sandbox decision: the calls it creates get 24 hex characters (AICaller documents no format). */
const OBJECT_ID = /^[0-9a-f]{24}$/;

const sandbox = useSandbox();

const requests = () => sandbox.requestsFor('aicaller');

// The example schedules the call at a future date; the page's own past date is sent as it is
// too (see "a past callDelayedUntil").
const { parameters: exampleParameters, body: exampleBody } = AICALLER_CREATE_PHONE_CALL_EXAMPLE;

describe('Phone Call → Create', () => {
	test('sends the documentation example field for field and outputs the created call', async () => {
		const result = await runAiCaller(sandbox, exampleParameters);
		expect(result.error).toBeUndefined();
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/v1/phoneCalls');
		expect(request.rawBody).toBe(JSON.stringify(exampleBody));
		expect(result.items).toHaveLength(1);
		// The secret was sent (from the credential) but is in no output: AICaller's echo loses it.
		expect(result.items[0].json).toMatchObject({
			...withoutWebhookSecrets(exampleBody),
			_id: expect.stringMatching(OBJECT_ID),
		});
		expect(result.items[0].json.phoneCallWebhooks).toEqual([
			{ url: 'https://hooks.abc.com/', subscribedEvent: 'phoneCall.completed' },
		]);
		expect(JSON.stringify(result.run)).not.toContain(TEST_WEBHOOK_SECRET);
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
	});

	test('only the required fields: prompt variables go as an empty list, record as false', async () => {
		await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'create',
			teamId: ID,
			callTemplateId: ID,
			nameOfHuman: 'Jane',
			toPhoneNumber: '+44 20 7946 0958',
		});
		expect(requests()[0].rawBody).toBe(
			JSON.stringify({
				teamId: ID,
				callTemplateId: ID,
				nameOfHuman: 'Jane',
				toPhoneNumber: '+442079460958',
				promptVariableValues: [],
				record: false,
			}),
		);
		expect(requests()[0].valid).toBe(true);
	});

	test('callDelayedUntil from a wall-clock time is sent in UTC with Z', async () => {
		await runAiCaller(
			sandbox,
			{ ...exampleParameters, additionalFields: { callDelayedUntil: '2031-01-15T09:30:00' } },
			{ timezone: 'America/New_York' },
		);
		expect((requests()[0].body as IDataObject).callDelayedUntil).toBe('2031-01-15T14:30:00.000Z');
	});

	test.each([
		[
			{ teamId: '={{ "" }}' },
			'Team ID (teamId) is empty: fill it in, or map a value from the input data',
		],
		[
			{ callTemplateId: '  ' },
			'Call Template ID (callTemplateId) is empty: fill it in, or map a value from the input data',
		],
		[
			{ nameOfHuman: '={{ "" }}' },
			'Name of Human (nameOfHuman) is empty: fill it in, or map a value from the input data',
		],
		[{ toPhoneNumber: '1234567890' }, 'To Phone Number (toPhoneNumber) must be'],
		[
			{ additionalFields: { toEmailAddress: 'someone@' } },
			'Additional Fields → To Email Address (additionalFields.toEmailAddress) is not an email address: enter one like name@example.com',
		],
		[
			{ additionalFields: { telephonyProvider: 'vonage' } },
			'Additional Fields → Telephony Provider (additionalFields.telephonyProvider) is not one of the allowed values: use one of twilio, plivo, telnyx',
		],
		[
			{ additionalFields: { status: 'done' } },
			'Additional Fields → Status (additionalFields.status) is not one of the allowed values: use one of queued, ringing, inProgress, busy, failed, noAnswer, cancelled, completed',
		],
		[
			{ additionalFields: { callDelayedUntil: 'next Tuesday' } },
			'Additional Fields → Call Delayed Until (additionalFields.callDelayedUntil) is not a date and time: enter one such as',
		],
		[
			{
				phoneCallWebhooks: { webhook: [{ url: 'hooks', subscribedEvent: 'phoneCall.completed' }] },
			},
			'Webhooks → URL (phoneCallWebhooks.0.url) is not a web address: enter a full address starting with https:// (or http://)',
		],
		[
			{ phoneCallWebhooks: { webhook: [{ url: 'https://hooks.abc.com/', subscribedEvent: ' ' }] } },
			'Webhooks → Subscribed Event (phoneCallWebhooks.0.subscribedEvent) is empty: fill it in, or map a value from the input data',
		],
	])('bad input %p is refused before anything is sent', async (change, message) => {
		const result = await runAiCaller(sandbox, { ...exampleParameters, ...change });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toContain(message);
		expect(requests()).toHaveLength(0);
	});

	test("IDs are sent whatever their shape (none is documented); AICaller's answer is the outcome", async () => {
		const result = await runAiCaller(sandbox, {
			...exampleParameters,
			callTemplateId: DOCS_CALL_ID,
			additionalFields: {
				...(exampleParameters.additionalFields as IDataObject),
				phoneNumberId: 'pn-1',
			},
		});
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/v1/phoneCalls');
		expect(request.body).toMatchObject({
			teamId: ID,
			callTemplateId: DOCS_CALL_ID,
			phoneNumberId: 'pn-1',
		});
		expect(request.status).toBe(404);
		expect(result.error?.message).toBe(
			'AICaller could not find it (HTTP 404): Call template not found',
		);

		sandbox.reset();
		const team = await runAiCaller(sandbox, { ...exampleParameters, teamId: 'team-1' });
		expect(requests()[0].valid).toBe(true);
		expect((requests()[0].body as IDataObject).teamId).toBe('team-1');
		expect(team.error?.message).toBe('AICaller could not find it (HTTP 404): Team not found');
	});

	test("a past callDelayedUntil (the page's own 2023 date) is sent as it is", async () => {
		const result = await runAiCaller(sandbox, {
			...exampleParameters,
			additionalFields: { callDelayedUntil: AICALLER_PAGE_DELAYED_UNTIL },
		});
		expect(result.error).toBeUndefined();
		expect(requests()[0].valid).toBe(true);
		expect((requests()[0].body as IDataObject).callDelayedUntil).toBe('2023-10-12T09:08:00.387Z');
		expect(result.items[0].json.callDelayedUntil).toBe('2023-10-12T09:08:00.387Z');
	});

	test('a webhook event other than phoneCall.completed is sent as given (only that one is documented)', async () => {
		const result = await runAiCaller(sandbox, {
			...exampleParameters,
			phoneCallWebhooks: {
				webhook: [{ url: 'https://hooks.abc.com/', subscribedEvent: 'phoneCall.failed' }],
			},
		});
		expect(result.error).toBeUndefined();
		expect(requests()[0].valid).toBe(true);
		expect((requests()[0].body as IDataObject).phoneCallWebhooks).toEqual([
			{
				url: 'https://hooks.abc.com/',
				subscribedEvent: 'phoneCall.failed',
				secret: TEST_WEBHOOK_SECRET,
			},
		]);
	});

	test('a wrong key gives a 401 that never shows the key', async () => {
		const result = await runAiCaller(sandbox, exampleParameters, { apiKey: 'aicaller-wrong-key' });
		expect(result.error?.message).toMatch(/^AICaller did not accept the API key \(HTTP 401\)/);
		expect(JSON.stringify(result.error)).not.toContain('aicaller-wrong-key');
	});
});

describe('Phone Call → Create Many', () => {
	const many = (batchSize: number): IDataObject => ({
		resource: 'phoneCall',
		operation: 'createMany',
		teamId: ID,
		callTemplateId: ID,
		nameOfHuman: '={{ $json.name }}',
		toPhoneNumber: '={{ $json.phone }}',
		promptVariableValues: { variable: [{ key: 'row', value: '={{ $json.row }}' }] },
		batchSize,
	});
	const rows = (count: number) =>
		Array.from({ length: count }, (_, row) => ({
			row,
			name: `Contact ${row}`,
			phone: `+1555${String(row).padStart(7, '0')}`,
		}));

	test('1,000 items with batch size 100: exactly 10 requests, 1,000 results each paired to its item', async () => {
		const result = await runAiCaller(sandbox, many(100), { items: rows(1000) });
		expect(result.error).toBeUndefined();
		expect(requests()).toHaveLength(10);
		for (const request of requests()) {
			expectDocumentedRequest(request, 'POST', '/v1/phoneCalls/batch');
			expect((request.body as { phoneCalls: unknown[] }).phoneCalls).toHaveLength(100);
		}
		expect(result.items).toHaveLength(1000);
		result.items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.toPhoneNumber).toBe(`+1555${String(index).padStart(7, '0')}`);
			expect(item.json._id).toMatch(OBJECT_ID);
		});
		expect(sandbox.aiCaller.state.calls.length).toBe(F.calls.length + 1000);
		// Each row's own prompt variable, though the rows share every other field.
		const sent = requests().flatMap(
			(request) => (request.body as { phoneCalls: IDataObject[] }).phoneCalls,
		);
		expect(new Map(sent.map((call) => [call.toPhoneNumber, call.promptVariableValues]))).toEqual(
			new Map(rows(1000).map((row) => [row.phone, [{ key: 'row', value: String(row.row) }]])),
		);
	});

	test('a field typed into the panel that is invalid fails every row with the same message, and nothing is sent', async () => {
		const parameters = { ...many(100), additionalFields: { toEmailAddress: 'not an address' } };
		const result = await runAiCaller(sandbox, parameters, {
			items: rows(3),
			continueOnFail: true,
		});
		expect(result.items.map((item) => item.json.error)).toEqual(
			Array(3).fill(
				'Additional Fields → To Email Address (additionalFields.toEmailAddress) is not an email address: enter one like name@example.com',
			),
		);
		expect(requests()).toHaveLength(0);
	});

	test('an invalid item is reported on its own and does not sink its batch', async () => {
		const input = rows(250);
		input[7].phone = 'not a phone';
		const result = await runAiCaller(sandbox, many(100), { items: input, continueOnFail: true });
		// The batches go out in parallel (Requests in Parallel): their sizes, whatever order they came in.
		expect(
			requests()
				.map((r) => (r.body as { phoneCalls: unknown[] }).phoneCalls.length)
				.sort((a, b) => b - a),
		).toEqual([100, 100, 49]);
		expect(result.items).toHaveLength(250);
		expect(result.items.map((i) => (i.pairedItem as { item: number }).item)).toEqual(
			input.map((_, i) => i),
		);
		expect(result.items[7].json.error).toMatch(/^To Phone Number \(toPhoneNumber\) must be/);
		expect(result.items.filter((i) => i.json.error)).toHaveLength(1);
		expect(result.items[8].json.toPhoneNumber).toBe(input[8].phone);
	});

	test('without continueOnFail an invalid row stops the node before anything is sent, named by its row and item', async () => {
		const input = rows(150);
		input[120].phone = '12';
		const result = await runAiCaller(sandbox, many(100), { items: input });
		expect(result.error?.message).toBe(
			'In row 121 (item 120), To Phone Number (toPhoneNumber) must be a full phone number with its country code, like +15559876543 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code',
		);
		expect(result.error?.description).toBe(
			'Nothing was sent for this item.\nNothing was sent for any row: every row is checked before the first batch goes out.',
		);
		expect(result.error?.context?.itemIndex).toBe(120);
		expect(requests()).toHaveLength(0);
	});

	test('a batch the provider rejects marks each of its items; the other batches go through', async () => {
		sandbox.inject({
			provider: 'aicaller',
			path: '/v1/phoneCalls/batch',
			// The first batch (row 0's), whatever order the parallel batches arrive in.
			bodyContains: '+15550000000',
			fault: { status: 400, body: { error: { message: 'Invalid batch', statusCode: 400 } } },
		});
		const result = await runAiCaller(sandbox, many(100), {
			items: rows(250),
			continueOnFail: true,
		});
		expect(requests()).toHaveLength(3);
		expect(result.items).toHaveLength(250);
		const failed = result.items.filter((i) => i.json.error);
		expect(failed.map((i) => (i.pairedItem as { item: number }).item)).toEqual(
			Array.from({ length: 100 }, (_, i) => i),
		);
		expect(failed[0].json.error).toBe('AICaller refused the request (HTTP 400): Invalid batch');
		expect(result.items[100].json._id).toMatch(OBJECT_ID);
	});

	test('a batch that fails with a 500 is not sent again; its items say it may or may not have happened', async () => {
		sandbox.inject({
			provider: 'aicaller',
			path: '/v1/phoneCalls/batch',
			bodyContains: '+15550000000',
			fault: { status: 500 },
		});
		const result = await runAiCaller(sandbox, many(100), {
			items: rows(150),
			continueOnFail: true,
		});
		expect(requests()).toHaveLength(2);
		const failed = result.items.filter((i) => i.json.error);
		expect(failed).toHaveLength(100);
		expect(failed[0].json.error).toMatch(
			/^AICaller failed \(HTTP 500\).*may or may not have been processed$/,
		);
		expect(result.items).toHaveLength(150);
	});
});

describe('Phone Call → Get / Get Many', () => {
	test('Get returns the call', async () => {
		const known = F.calls[0];
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: known._id,
		});
		expectDocumentedRequest(requests()[0], 'GET', `/v1/phoneCalls/${known._id}`);
		expect(result.items[0].json).toMatchObject({
			_id: known._id,
			status: known.status,
			callDuration: known.callDuration,
		});
	});

	test("Get of the docs' example call: the 20-digit _id is sent and the call output as the page shows it", async () => {
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: DOCS_CALL_ID,
		});
		expect(result.error).toBeUndefined();
		expectDocumentedRequest(requests()[0], 'GET', `/v1/phoneCalls/${DOCS_CALL_ID}`);
		expect(requests()[0].status).toBe(200);
		const docsCall = F.calls.find((call) => call._id === DOCS_CALL_ID);
		expect(docsCall).toBeDefined();
		// As the page shows it, but for the webhook's secret, which no output carries, and with the
		// shared vocabulary: a queued call has not ended; its CALL_LATER dateTime is the callback time.
		expect(result.items.map((item) => item.json)).toEqual([
			{
				...withoutWebhookSecrets(docsCall),
				callEnded: false,
				endReason: null,
				callBackAt: '2024-03-11T10:00:00Z',
				outcome: null,
				summary: null,
				durationSeconds: 60,
			},
		]);
		expect(JSON.stringify(docsCall)).toContain(AICALLER_EXAMPLE_WEBHOOK_SECRET);
		expect(JSON.stringify(result.run)).not.toContain(AICALLER_EXAMPLE_WEBHOOK_SECRET);
		expect(result.items[0].json).toMatchObject({
			statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: '2024-03-11T10:00:00Z' },
			resultValues: [{ columnName: 'city', value: 'Bangalore' }],
			fileName: 'lead_list.csv',
			callOrigin: 'api',
		});
	});

	test('Get of an unknown call gives a 404', async () => {
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: 'ffffffffffffffffffffffff',
		});
		expect(result.error?.message).toMatch(/^AICaller could not find it \(HTTP 404\)/);
	});

	test("Get with an ID of another shape sends it (path-encoded) and shows AICaller's answer; an empty one is refused", async () => {
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: 'call 7/a',
		});
		expectDocumentedRequest(requests()[0], 'GET', '/v1/phoneCalls/call%207%2Fa');
		expect(result.error?.message).toBe(
			'AICaller could not find it (HTTP 404): Phone call not found',
		);

		sandbox.reset();
		const empty = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: '={{ "" }}',
		});
		expect(empty.error?.message).toBe(
			'Phone Call ID (phoneCallId) is empty: fill it in, or map a value from the input data',
		);
		expect(requests()).toHaveLength(0);
	});

	/** The sandbox's list: the team's calls, newest first (creation order breaks ties). */
	const newestFirst = () =>
		sandbox.aiCaller.state.calls
			.map((call, index) => ({ call, index }))
			.sort((a, b) => b.call.createdAt.localeCompare(a.call.createdAt) || b.index - a.index)
			.map(({ call }) => call._id);

	test('Get Many sends no paging (none is documented): one request; Limit keeps the first calls of the answer', async () => {
		await runAiCaller(
			sandbox,
			{
				...exampleParameters,
				operation: 'createMany',
				additionalFields: {},
				phoneCallWebhooks: {},
				addWebhookSecret: false,
				batchSize: 100,
			},
			{ items: Array.from({ length: 230 }, () => ({})) },
		);
		const before = requests().length;
		const limited = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: false,
			limit: 7,
		});
		expect(limited.error).toBeUndefined();
		expect(requests()).toHaveLength(before + 1);
		expectDocumentedRequest(requests()[before], 'GET', '/v1/phoneCalls');
		expect(requests()[before].query).toEqual({});
		expect(limited.items.map((i) => i.json._id)).toEqual(newestFirst().slice(0, 7));

		const all = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
		});
		expect(requests()).toHaveLength(before + 2);
		expect(requests()[before + 1].query).toEqual({});
		expect(all.items.map((i) => i.json._id)).toEqual(newestFirst());
		expect(all.items).toHaveLength(F.calls.length + 230);
	});

	test("Get Many → Filters → Call Template ID sends ?callTemplateId=… and outputs that template's calls", async () => {
		const template = F.callTemplates[1]._id;
		const expected = F.calls
			.filter((call) => call.callTemplateId === template)
			.map((call) => call._id);
		expect(expected.length).toBeGreaterThan(0);
		expect(expected.length).toBeLessThan(F.calls.length);
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
			filters: { callTemplateId: template },
		});
		expect(result.error).toBeUndefined();
		expectDocumentedRequest(requests()[0], 'GET', '/v1/phoneCalls');
		expect(requests()[0].query).toEqual({ callTemplateId: template });
		expect(result.items.map((i) => i.json._id)).toEqual(expected);

		sandbox.reset();
		const limited = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: false,
			limit: 1,
			filters: { callTemplateId: ID },
		});
		expect(requests()[0].query).toEqual({ callTemplateId: ID });
		expect(limited.items).toHaveLength(1);
		expect(limited.items[0].json.callTemplateId).toBe(ID);
	});

	test('Get Many with a Call Template ID of another shape sends it; an empty filter sends nothing', async () => {
		const other = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
			filters: { callTemplateId: DOCS_CALL_ID },
		});
		expect(other.error).toBeUndefined();
		expect(requests()[0].query).toEqual({ callTemplateId: DOCS_CALL_ID });
		expect(requests()[0].valid).toBe(true);
		expect(other.items).toHaveLength(0);

		sandbox.reset();
		const empty = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
			filters: { callTemplateId: '' },
		});
		expect(requests()[0].query).toEqual({});
		expect(empty.items).toHaveLength(F.calls.length);
	});
});

describe('Webhook secrets come from the AICaller Webhook Secret API credential and never reach an output', () => {
	const STRONG = 'unit-test-webhook-secret-9f8e7d6c5b4a39281706';
	const webhook = {
		url: 'https://n8n.example.com/webhook/abc/webhook',
		subscribedEvent: 'phoneCall.completed',
	};
	const create: IDataObject = {
		resource: 'phoneCall',
		operation: 'create',
		teamId: ID,
		callTemplateId: ID,
		nameOfHuman: 'Jane',
		toPhoneNumber: '+15550102030',
		phoneCallWebhooks: { webhook: [webhook] },
		addWebhookSecret: true,
	};

	test("Create: every webhook carries the credential's secret; Create, Get, Get Many and the Wait outcome output none", async () => {
		const created = await runAiCaller(
			sandbox,
			{
				...create,
				phoneCallWebhooks: { webhook: [webhook, { ...webhook, url: 'https://hooks.abc.com/' }] },
				waitForCallToEnd: true,
				maxWaitSeconds: 1,
				pollIntervalSeconds: 1,
			},
			{ secret: STRONG },
		);
		expect(created.error).toBeUndefined();
		expect((requests()[0].body as IDataObject).phoneCallWebhooks).toEqual([
			{ ...webhook, secret: STRONG },
			{ ...webhook, url: 'https://hooks.abc.com/', secret: STRONG },
		]);
		expect(requests()[0].valid).toBe(true);
		const id = String(created.items[0].json._id);
		// The sandbox keeps the secret and echoes it in its answers, as AICaller does.
		expect(JSON.stringify(sandbox.aiCaller.state.calls.find((call) => call._id === id))).toContain(
			STRONG,
		);
		expect(created.items[0].json).toMatchObject({ callEnded: false, endReason: null });
		// The wait's item keeps only the create answer's ID and status; Get shows the webhooks.
		expect(created.items[0].json.createResponse).toEqual({ _id: id, status: 'queued' });

		const got = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: id,
		});
		const all = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
		});
		expect(got.items[0].json.phoneCallWebhooks).toHaveLength(2);
		expect(all.items.find((item) => item.json._id === id)?.json.phoneCallWebhooks).toHaveLength(2);
		for (const result of [created, got, all])
			expect(JSON.stringify(result.run)).not.toContain(STRONG);
	});

	test('Create Many: every call of every batch carries the secret; no result shows it', async () => {
		const result = await runAiCaller(
			sandbox,
			{ ...create, operation: 'createMany', nameOfHuman: '={{ $json.name }}', batchSize: 2 },
			{ items: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], secret: STRONG },
		);
		expect(result.error).toBeUndefined();
		const sent = requests().flatMap((r) => (r.body as { phoneCalls: IDataObject[] }).phoneCalls);
		expect(sent.map((call) => call.phoneCallWebhooks)).toEqual(
			[1, 2, 3].map(() => [{ ...webhook, secret: STRONG }]),
		);
		expect(result.items.map((item) => item.json.phoneCallWebhooks)).toEqual(
			[1, 2, 3].map(() => [webhook]),
		);
		expect(JSON.stringify(result.run)).not.toContain(STRONG);
	});

	test('Add Webhook Secret without the credential: the item fails naming the credential to add; nothing is sent', async () => {
		const result = await runAiCaller(sandbox, create, { secret: null });
		expect(result.error?.message).toBe(
			'Add an "AICaller Webhook Secret API" credential to this node (Add Webhook Secret is on)',
		);
		expect(result.error?.description).toMatch(/Nothing was sent\.$/);
		expect(requests()).toHaveLength(0);
	});

	test('a secret too short to be safe, or no webhook to attach it to: refused before anything is sent', async () => {
		const weak = await runAiCaller(sandbox, create, { secret: 's3cret' });
		expect(weak.error?.message).toBe(
			'Secret (AICaller Webhook Secret API credential) must be at least 24 characters long (it has 6); generate one, e.g. with "openssl rand -hex 32"',
		);
		expect(JSON.stringify(weak.error)).not.toContain('s3cret');
		const none = await runAiCaller(
			sandbox,
			{ ...create, phoneCallWebhooks: {} },
			{ secret: STRONG },
		);
		expect(none.error?.message).toBe('Add Webhook Secret is on, but Webhooks lists no webhook');
		expect(requests()).toHaveLength(0);
	});

	test('a secret still typed into a webhook (a workflow from an earlier version) is refused, not sent or dropped', async () => {
		const result = await runAiCaller(sandbox, {
			...create,
			addWebhookSecret: false,
			phoneCallWebhooks: { webhook: [{ ...webhook, secret: STRONG }] },
		});
		expect(result.error?.message).toBe(
			'Webhooks → Secret is no longer supported: a secret typed into a node is stored in the workflow in clear',
		);
		expect(JSON.stringify(result.error)).not.toContain(STRONG);
		expect(requests()).toHaveLength(0);
	});

	test('Add Webhook Secret off: webhooks go without a secret, the credential is not needed', async () => {
		const result = await runAiCaller(
			sandbox,
			{ ...create, addWebhookSecret: false },
			{ secret: null },
		);
		expect(result.error).toBeUndefined();
		expect((requests()[0].body as IDataObject).phoneCallWebhooks).toEqual([webhook]);
	});
});
