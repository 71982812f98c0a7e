/**
 * Every AICaller operation run inside a real n8n 2.41.1 (the packed package installed as a
 * community package) against the sandbox: the items n8n got out of the node and the exact
 * request the sandbox received; Create Many's batches; errors with Continue On Fail on and off;
 * the credential test through n8n's REST API; and examples/aicaller-calls-from-spreadsheet.json,
 * whose results CSV is read back from disk. Setup: global-setup.ts; helpers: support.ts.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { nodeOutput } from '../harness/client';
import { EXAMPLES, prepareExample } from '../harness/examples';
import { NODE_TYPES } from '../harness/project';
import { RECORDING_BYTES_PER_SECOND } from '../sandbox/storage';
import { executionError, expectKeyHeader, wire, operationSuite } from './support';
import type { RecordedRequest } from '../sandbox/types';
import {
	AICALLER_CREATE_PHONE_CALL_EXAMPLE,
	AICALLER_EXAMPLE_PHONE_NUMBER,
	AICALLER_EXAMPLE_CALL_ID as DOCS_CALL_ID,
	AICALLER_EXAMPLE_DELAYED_UNTIL as DELAYED_UNTIL,
	AICALLER_EXAMPLE_ID as ID,
	AICALLER_EXAMPLE_WEBHOOK_SECRET as SECRET,
} from '../fixtures/documentation-examples';
import { vocabulary } from '../fixtures/call-outcome';

const NODE = { type: NODE_TYPES.aiCaller, name: 'AICaller' };
const KEY_HEADER = 'aicaller-api-key';
/** Sandbox decision: the calls it creates get 24 hex characters (AICaller documents no ID format). */
const OBJECT_ID = /^[0-9a-f]{24}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const suite = operationSuite('aicaller', NODE);
const run = suite.run;

// The longest run (250 items) takes about a second; the margin is for slow CI machines.
jest.setTimeout(120_000);

/**
 * The shared ended-call vocabulary each of the sandbox's fixture calls comes out with
 * (docs/call-outcomes.md#aicaller): the completed call ENDED_NORMALLY after 176 s, the unanswered
 * one (the sandbox's NO_ANSWER code is no AICaller code: its status says it), the queued one, and
 * the pages' example call, queued with CALL_LATER.
 */
const FIXTURE_OUTCOMES: Record<string, IDataObject> = {
	'6553a1f0c2b4d5e6f7a8b9c1': vocabulary({
		callEnded: true,
		endReason: 'completed',
		durationSeconds: 176,
	}),
	'6553a1f0c2b4d5e6f7a8b9c2': vocabulary({
		callEnded: true,
		endReason: 'no_answer',
		durationSeconds: 0,
	}),
	'6553a1f0c2b4d5e6f7a8b9c3': vocabulary({}),
	[DOCS_CALL_ID]: vocabulary({ callBackAt: '2024-03-11T10:00:00Z', durationSeconds: 60 }),
};

/** A fixture call as Get and Get Many output it: AICaller's fields and the vocabulary. */
function asOutput(call: { _id: string }): IDataObject {
	return { ...call, ...FIXTURE_OUTCOMES[call._id] };
}

function expectKey(request: RecordedRequest, key = suite.fixtures.apiKey): void {
	expectKeyHeader(request, KEY_HEADER, key);
	expect(request.headers.authorization).toBeUndefined();
}

/**
 * The Create Phone Call page's example request (its callDelayedUntil moved into the future, so
 * that the example schedules the call), the person's values coming from the item through
 * expressions.
 */
const exampleParameters: INodeParameters = {
	resource: 'phoneCall',
	operation: 'create',
	teamId: ID,
	callTemplateId: ID,
	nameOfHuman: '={{ $json.name }}',
	toPhoneNumber: '={{ $json.phone }}',
	promptVariableValues: { variable: [{ key: 'customer_name', value: '={{ $json.name }}' }] },
	additionalFields: {
		phoneNumberId: ID,
		fromPhoneNumber: AICALLER_EXAMPLE_PHONE_NUMBER,
		toEmailAddress: '={{ $json.email }}',
		status: 'queued',
		telephonyProvider: 'twilio',
		record: false,
		callDelayedUntil: DELAYED_UNTIL,
	},
	phoneCallWebhooks: {
		webhook: [{ url: 'https://hooks.abc.com/', subscribedEvent: 'phoneCall.completed' }],
	},
	// The example's secret comes from the sandbox's AICaller Webhook Secret API credential.
	addWebhookSecret: true,
};
const exampleItem = {
	name: 'John',
	phone: AICALLER_EXAMPLE_PHONE_NUMBER,
	email: 'someone@email.com',
};
const exampleBody = AICALLER_CREATE_PHONE_CALL_EXAMPLE.body;

describe('Phone Call → Create', () => {
	test("sends the Create Phone Call page's example field for field and outputs the created call", async () => {
		const { execution, output, requests } = await run('create', [exampleItem], exampleParameters, {
			extraCredentials: [suite.ctx.state.credentials.aiCallerWebhook],
		});
		expect(execution.status).toBe('success');
		// The secret went to AICaller (below) but, echoed back, is removed from the output.
		expect(JSON.stringify(execution.data)).not.toContain(SECRET);
		expect(output).toEqual([
			{
				json: {
					...exampleBody,
					phoneCallWebhooks: [
						{ url: 'https://hooks.abc.com/', subscribedEvent: 'phoneCall.completed' },
					],
					_id: expect.stringMatching(OBJECT_ID),
					createdAt: expect.stringMatching(ISO),
					updatedAt: expect.stringMatching(ISO),
					skipped: false,
					skipReason: null,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(requests.map(wire)).toEqual([
			{ method: 'POST', path: '/v1/phoneCalls', query: {}, body: exampleBody },
		]);
		expect(requests[0].rawBody).toBe(JSON.stringify(exampleBody));
		expectKey(requests[0]);
		expect(requests[0].headers['content-type']).toMatch(/^application\/json/);
		expect(requests[0].valid).toBe(true);
	});
});

describe('Phone Call → Create Many', () => {
	const many: INodeParameters = {
		resource: 'phoneCall',
		operation: 'createMany',
		teamId: ID,
		callTemplateId: ID,
		nameOfHuman: '={{ $json.name }}',
		toPhoneNumber: '={{ $json.phone }}',
		promptVariableValues: { variable: [{ key: 'row', value: '={{ $json.row }}' }] },
		batchSize: 100,
	};
	const rows = (count: number) =>
		Array.from({ length: count }, (_, row) => ({
			row,
			name: `Contact ${row}`,
			phone: `+1 555 ${String(row).padStart(7, '0')}`,
		}));
	const phoneOf = (row: number) => `+1555${String(row).padStart(7, '0')}`;
	/** The batches in input order (sent in parallel, they may arrive in any order). */
	const inInputOrder = (requests: RecordedRequest[]) =>
		[...requests].sort((a, b) => {
			const first = (r: RecordedRequest) =>
				String(
					(r.body as { phoneCalls: Array<{ toPhoneNumber: string }> }).phoneCalls[0]?.toPhoneNumber,
				);
			return first(a).localeCompare(first(b));
		});
	const batchSizes = (requests: RecordedRequest[]) =>
		inInputOrder(requests).map((r) => (r.body as { phoneCalls: unknown[] }).phoneCalls.length);

	test('250 items with batch size 100: 3 requests, 250 results each paired to its item', async () => {
		const { execution, output, requests } = await run('create many', rows(250), many);
		expect(execution.status).toBe('success');
		expect(requests.map((r) => [r.method, r.path, r.status, r.valid])).toEqual([
			['POST', '/v1/phoneCalls/batch', 200, true],
			['POST', '/v1/phoneCalls/batch', 200, true],
			['POST', '/v1/phoneCalls/batch', 200, true],
		]);
		expect(batchSizes(requests)).toEqual([100, 100, 50]);
		for (const request of requests) expectKey(request);
		// The rows go out in input order, each as the documented call object.
		expect((inInputOrder(requests)[1].body as { phoneCalls: unknown[] }).phoneCalls[0]).toEqual({
			teamId: ID,
			callTemplateId: ID,
			nameOfHuman: 'Contact 100',
			toPhoneNumber: phoneOf(100),
			promptVariableValues: [{ key: 'row', value: '100' }],
			record: false,
		});

		expect(output).toHaveLength(250);
		output.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toMatchObject({
				_id: expect.stringMatching(OBJECT_ID),
				nameOfHuman: `Contact ${index}`,
				toPhoneNumber: phoneOf(index),
				status: 'queued',
			});
		});
		expect(new Set(output.map((item) => item.json._id)).size).toBe(250);
	});

	test("fields computed by expressions, read 100 rows at a time in n8n's engine: the same calls; a row whose expression fails is its own error", async () => {
		const input = rows(250).map((row) => ({
			...row,
			name: `  contact ${row.row}  `,
			tag: row.row === 150 ? 'twelve' : String(row.row),
		}));
		const { execution, output, requests } = await run(
			'create many computed',
			input,
			{
				...many,
				nameOfHuman: '={{ $json.name.trim().toTitleCase() }}',
				toPhoneNumber: '={{ $json.phone.replace(/ /g, "") }}',
				// n8n's toNumber() refuses "twelve" (row 150) with an error of its own.
				promptVariableValues: {
					variable: [{ key: 'row', value: '={{ $json.tag.toNumber() * 2 }}' }],
				},
			},
			{ onError: 'continueRegularOutput' },
		);
		expect(execution.status).toBe('success');
		expect(batchSizes(requests)).toEqual([100, 100, 49]);
		const calls = inInputOrder(requests).flatMap(
			(r) => (r.body as { phoneCalls: IDataObject[] }).phoneCalls,
		);
		expect(calls).toEqual(
			input
				.filter((row) => row.row !== 150)
				.map((row) => ({
					teamId: ID,
					callTemplateId: ID,
					nameOfHuman: `Contact ${row.row}`,
					toPhoneNumber: phoneOf(row.row),
					promptVariableValues: [{ key: 'row', value: String(row.row * 2) }],
					record: false,
				})),
		);
		expect(output.map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
		expect(output[150].json.error).toMatch(/number/i);
		expect(output.filter((item) => item.json.error)).toHaveLength(1);
		expect(output[151].json).toMatchObject({
			nameOfHuman: 'Contact 151',
			toPhoneNumber: phoneOf(151),
		});
	});

	test('continue on fail: a refused row is reported on its own, a rejected batch marks each of its items', async () => {
		await suite.ctx.sandbox.inject({
			provider: 'aicaller',
			method: 'POST',
			path: '/v1/phoneCalls/batch',
			times: 1,
			// The first batch (rows 0 to 100), whenever it arrives.
			bodyContains: `"${phoneOf(0)}"`,
			fault: { status: 400, body: { error: { message: 'Invalid batch', statusCode: 400 } } },
		});
		const input = rows(250);
		input[7].phone = '555-0142';
		const { execution, output, requests } = await run('create many continue', input, many, {
			onError: 'continueRegularOutput',
		});
		expect(execution.status).toBe('success');
		// Row 7 never left n8n; the others went out in full batches.
		expect(batchSizes(requests)).toEqual([100, 100, 49]);
		expect(inInputOrder(requests).map((r) => r.status)).toEqual([400, 200, 200]);
		expect(output.map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
		expect(output[7].json).toEqual({
			error: expect.stringMatching(
				/^To Phone Number \(toPhoneNumber\) must be a full phone number with its country code/,
			),
			details: { description: 'Nothing was sent for this item.' },
		});
		// The first batch (rows 0–100 without row 7) was refused as a whole.
		for (const index of [0, 6, 8, 100]) {
			expect(output[index].json).toMatchObject({
				error: 'AICaller refused the request (HTTP 400): Invalid batch',
				details: expect.objectContaining({ httpCode: '400' }),
			});
		}
		expect(output.filter((item) => item.json.error)).toHaveLength(101);
		expect(output[101].json).toMatchObject({
			_id: expect.stringMatching(OBJECT_ID),
			toPhoneNumber: phoneOf(101),
		});
		expect(output[249].json).toMatchObject({ toPhoneNumber: phoneOf(249) });
	});

	test('stop on fail: a 500 on the second batch fails the execution, says what was already sent, and is not retried', async () => {
		// Faults are consumed in order: a zero delay lets the first batch through unchanged.
		await suite.ctx.sandbox.inject({
			provider: 'aicaller',
			method: 'POST',
			path: '/v1/phoneCalls/batch',
			times: 1,
			fault: { kind: 'delay', ms: 0 },
		});
		await suite.ctx.sandbox.inject({
			provider: 'aicaller',
			method: 'POST',
			path: '/v1/phoneCalls/batch',
			times: 1,
			fault: { status: 500 },
		});
		// One batch at a time, so that "the second batch" is the second one sent.
		const { execution, requests } = await run('create many 500', rows(250), {
			...many,
			requestOptions: { requestsInParallel: 1 },
		});
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toMatch(
			/^AICaller failed \(HTTP 500\).*\. The request may or may not have been processed$/,
		);
		expect(error.description).toMatch(
			/Before this error, this run placed 100 calls, which will not be sent again: item 0 \(_id [0-9a-f]+\), .* item 99 \(_id [0-9a-f]+\)\.$/,
		);
		expect(error.node).toBe('AICaller');
		// The third batch was not sent, the second not sent again.
		expect(requests.map((r) => r.status)).toEqual([200, 500]);
	});
});

describe('Phone Call → Get / Get Many', () => {
	test('Get returns the call with its results', async () => {
		const [call] = suite.fixtures.calls;
		const { execution, output, requests } = await run('get', [{ id: call._id }], {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: '={{ $json.id }}',
		});
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.json)).toEqual([asOutput(call)]);
		expect(output[0].json).toMatchObject({ callEnded: true, endReason: 'completed' });
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: `/v1/phoneCalls/${call._id}`, query: {}, body: undefined },
		]);
		expectKey(requests[0]);
		expect(requests[0].valid).toBe(true);
	});

	test("Get of the docs' example call: its 20-digit _id is sent, the call comes out as the page shows it", async () => {
		const docsCall = suite.fixtures.calls.find((call) => call._id === DOCS_CALL_ID);
		expect(docsCall).toBeDefined();
		const { execution, output, requests } = await run('get docs call', [{}], {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: DOCS_CALL_ID,
		});
		expect(execution.status).toBe('success');
		// As the page shows it, but for its webhook's secret, which no output carries.
		const hooks = (docsCall?.phoneCallWebhooks ?? []) as ReadonlyArray<{ secret?: string }>;
		expect(hooks.some((hook) => hook.secret === SECRET)).toBe(true);
		expect(output.map((item) => item.json)).toEqual([
			{
				...asOutput({ _id: DOCS_CALL_ID, ...docsCall }),
				phoneCallWebhooks: hooks.map((hook) => {
					const shown: Record<string, unknown> = { ...hook };
					delete shown.secret;
					return shown;
				}),
			},
		]);
		expect(JSON.stringify(execution.data)).not.toContain(SECRET);
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: `/v1/phoneCalls/${DOCS_CALL_ID}`, query: {}, body: undefined },
		]);
		expect(requests[0].valid).toBe(true);
	});

	test('Get Many with a limit, and with Return All: one request, no paging (none is documented)', async () => {
		const newestFirst = [...suite.fixtures.calls].sort((a, b) =>
			b.createdAt.localeCompare(a.createdAt),
		);
		const limited = await run('get many limit', [{}], {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: false,
			limit: 2,
		});
		expect(limited.execution.status).toBe('success');
		expect(limited.output.map((item) => item.json)).toEqual(newestFirst.slice(0, 2).map(asOutput));
		expect(limited.requests.map(wire)).toEqual([
			{ method: 'GET', path: '/v1/phoneCalls', query: {}, body: undefined },
		]);
		expectKey(limited.requests[0]);

		await suite.ctx.sandbox.reset();
		const all = await run('get many all', [{}], {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
		});
		expect(all.output.map((item) => item.json._id)).toEqual(newestFirst.map((call) => call._id));
		expect(all.requests.map(wire)).toEqual([
			{ method: 'GET', path: '/v1/phoneCalls', query: {}, body: undefined },
		]);
	});

	test('Get Many → Filters → Call Template ID sends ?callTemplateId=…', async () => {
		const template = suite.fixtures.callTemplates[1]._id;
		const { execution, output, requests } = await run('get many template', [{ template }], {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
			filters: { callTemplateId: '={{ $json.template }}' },
		});
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.json._id)).toEqual(
			suite.fixtures.calls
				.filter((call) => call.callTemplateId === template)
				.map((call) => call._id),
		);
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/v1/phoneCalls',
				query: { callTemplateId: template },
				body: undefined,
			},
		]);
		expect(requests[0].valid).toBe(true);
	});
});

describe('errors', () => {
	test("stop on fail: an unknown call gives AICaller's 404", async () => {
		const { execution, requests } = await run('get unknown', [{}], {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: 'ffffffffffffffffffffffff',
		});
		expect(execution.status).toBe('error');
		expect(executionError(execution)).toMatchObject({
			message: 'AICaller could not find it (HTTP 404): Phone call not found',
			node: 'AICaller',
		});
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', '/v1/phoneCalls/ffffffffffffffffffffffff', 404],
		]);
	});

	test("continue on fail: an empty ID is refused, an ID of another shape is sent and gets AICaller's 404; the last item is read", async () => {
		const [call] = suite.fixtures.calls;
		const { execution, output, requests } = await run(
			'get continue',
			[{ id: '' }, { id: 'not-an-id' }, { id: call._id }],
			{ resource: 'phoneCall', operation: 'get', phoneCallId: '={{ $json.id }}' },
			{ onError: 'continueRegularOutput' },
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toEqual({
			error: 'Phone Call ID (phoneCallId) is empty: fill it in, or map a value from the input data',
			details: { description: 'Nothing was sent for this item.' },
		});
		expect(output[1].json).toEqual({
			error: 'AICaller could not find it (HTTP 404): Phone call not found',
			details: expect.objectContaining({ httpCode: '404' }),
		});
		expect(output[2].json).toEqual(asOutput(call));
		expect(requests.map((r) => [r.path, r.status, r.valid])).toEqual([
			['/v1/phoneCalls/not-an-id', 404, true],
			[`/v1/phoneCalls/${call._id}`, 200, true],
		]);
	});

	test("a credential with a wrong key fails with the node's 401 message, not retried", async () => {
		const { execution, requests } = await run('wrong key', [exampleItem], exampleParameters, {
			credential: suite.ctx.state.credentials.aiCallerWrongKey,
			extraCredentials: [suite.ctx.state.credentials.aiCallerWebhook],
		});
		expect(execution.status).toBe('error');
		expect(executionError(execution).message).toBe(
			'AICaller did not accept the API key (HTTP 401): Invalid or missing API key',
		);
		expect(JSON.stringify(execution.data.resultData.error)).not.toContain(
			'aicaller-not-a-valid-key',
		);
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/v1/phoneCalls', 401],
		]);
	});
});

describe('credential test through n8n (POST /rest/credentials/test)', () => {
	/** The credential as the editor holds it (API key redacted; n8n puts the stored one back). */
	async function stored(credential: typeof suite.ctx.state.credentials.aiCaller) {
		const answer = await suite.ctx.n8n.rest<{ data: Record<string, string> }>(
			'GET',
			`/rest/credentials/${credential.id}?includeData=true`,
		);
		expect(answer.data.baseUrl).toBe(suite.ctx.state.aiCallerBaseUrl);
		return answer.data;
	}

	test('the sandbox credential passes with one read-only request', async () => {
		const credential = suite.ctx.state.credentials.aiCaller;
		const result = await suite.ctx.n8n.testCredential(credential, await stored(credential));
		expect(result.status).toBe('OK');
		const requests = await suite.ctx.sandbox.requests('aicaller');
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: '/v1/phoneCalls', query: {}, body: undefined },
		]);
		expectKey(requests[0]);
		expect(requests[0].valid).toBe(true);
	});

	test('a wrong key fails, stored or typed into the form', async () => {
		const wrong = suite.ctx.state.credentials.aiCallerWrongKey;
		const storedResult = await suite.ctx.n8n.testCredential(wrong, await stored(wrong));
		expect(storedResult.status).toBe('Error');
		expect(storedResult.message).toMatch(/401|Unauthorized|Authorization failed/i);

		const typed = await suite.ctx.n8n.testCredential(suite.ctx.state.credentials.aiCaller, {
			apiKey: 'aicaller-typo',
			baseUrl: suite.ctx.state.aiCallerBaseUrl,
		});
		expect(typed.status).toBe('Error');
		expect(typed.message).toMatch(/401|Unauthorized|Authorization failed/i);

		const requests = await suite.ctx.sandbox.requests('aicaller');
		expect(requests.length).toBeGreaterThanOrEqual(2);
		for (const request of requests)
			expect([request.method, request.path, request.status]).toEqual([
				'GET',
				'/v1/phoneCalls',
				401,
			]);
		expectKey(requests[requests.length - 1], 'aicaller-typo');
	});
});

/** A small RFC 4180 reader: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(content: string): Array<Record<string, string>> {
	// n8n's Convert to File starts a CSV with a UTF-8 byte order mark (so Excel reads it as UTF-8).
	const text = content.replace(/^\uFEFF/, '');
	const records: string[][] = [];
	let field = '';
	let record: string[] = [];
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const char = text[i];
		if (quoted) {
			if (char === '"' && text[i + 1] === '"') {
				field += '"';
				i++;
			} else if (char === '"') quoted = false;
			else field += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			record.push(field);
			field = '';
		} else if (char === '\n' || char === '\r') {
			if (char === '\r' && text[i + 1] === '\n') i++;
			record.push(field);
			records.push(record);
			record = [];
			field = '';
		} else field += char;
	}
	if (field || record.length) records.push([...record, field]);
	const [header, ...rows] = records;
	return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

describe('examples/aicaller-calls-from-spreadsheet.json', () => {
	const example = EXAMPLES.aiCallerCampaign;

	test('reads examples/data/contacts.csv, creates the calls in one batch, writes a results CSV', async () => {
		// A file name of its own: the test cannot pass on a file an earlier run left behind.
		const resultsFile = `contacts-results-${randomUUID().slice(0, 8)}.csv`;
		const workflow = prepareExample(example.file, {
			credentialIds: { aiCaller: suite.ctx.state.credentials.aiCaller.id },
			csvPath: path.join(suite.ctx.state.filesDir, example.csvFile),
			resultsPath: path.join(suite.ctx.state.filesDir, resultsFile),
		});
		const stored = await suite.ctx.n8n.createWorkflow(workflow);
		const execution = await suite.ctx.n8n.waitForExecution(
			await suite.ctx.n8n.runManually(stored.id, example.triggerNode),
		);
		expect(execution.status).toBe('success');

		// One batch request with the three rows AICaller can take, in spreadsheet order.
		const requests = await suite.ctx.sandbox.requests('aicaller');
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: '/v1/phoneCalls/batch',
				query: {},
				body: {
					phoneCalls: [
						{
							teamId: ID,
							callTemplateId: ID,
							nameOfHuman: 'John',
							toPhoneNumber: '+15550102030',
							toEmailAddress: 'john.doe@example.com',
							promptVariableValues: [
								{ key: 'customer_name', value: 'John' },
								{ key: 'appointment', value: 'Tuesday at 10:00 AM' },
							],
							record: false,
						},
						{
							teamId: ID,
							callTemplateId: ID,
							nameOfHuman: 'Amelia',
							toPhoneNumber: '+442079460321',
							promptVariableValues: [
								{ key: 'customer_name', value: 'Amelia' },
								{ key: 'appointment', value: 'Wednesday at 2:30 PM' },
							],
							record: false,
						},
						{
							teamId: ID,
							callTemplateId: ID,
							nameOfHuman: 'Hana',
							toPhoneNumber: '+33144556677',
							toEmailAddress: 'hana.sato@example.com',
							promptVariableValues: [
								{ key: 'customer_name', value: 'Hana' },
								{ key: 'appointment', value: 'Friday at 4:15 PM' },
							],
							record: false,
						},
					],
				},
			},
		]);
		expectKey(requests[0]);
		expect(requests[0].valid).toBe(true);

		// The results file on disk: one row per contact, the refused one with its reason.
		const written = await fs.readFile(path.join(suite.ctx.state.filesDir, resultsFile), 'utf8');
		const results = parseCsv(written);
		const ids = nodeOutput(execution, example.callNode).map((item) => String(item.json._id ?? ''));
		expect(results).toEqual([
			{
				contact_id: 'CUS-2001',
				first_name: 'John',
				last_name: 'Doe',
				phone: '+1 (555) 010-2030',
				call_id: expect.stringMatching(OBJECT_ID),
				call_status: 'queued',
				error: '',
			},
			{
				contact_id: 'CUS-2002',
				first_name: 'Amelia',
				last_name: 'Clarke',
				phone: '+44 20 7946 0321',
				call_id: expect.stringMatching(OBJECT_ID),
				call_status: 'queued',
				error: '',
			},
			{
				contact_id: 'CUS-2003',
				first_name: 'Luis',
				last_name: 'Ortega',
				phone: '555-0199',
				call_id: '',
				call_status: 'not created',
				error:
					'To Phone Number (toPhoneNumber) must be a full phone number with its country code, like +15559876543 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code',
			},
			{
				contact_id: 'CUS-2004',
				first_name: 'Hana',
				last_name: 'Sato',
				phone: '0033 1 44 55 66 77',
				call_id: expect.stringMatching(OBJECT_ID),
				call_status: 'queued',
				error: '',
			},
		]);
		// The IDs written are the calls AICaller created, row by row.
		expect(results.map((row) => row.call_id)).toEqual(ids);
	});
});

describe('Phone Call → Get → Download', () => {
	test("Recording: a recorded call's recording as n8n binary data in n8n's binary data store; no API key sent to the file host", async () => {
		// A recorded call placed straight at the sandbox's API (Create has tests of its own), then ended.
		const created = await fetch(`${suite.ctx.state.sandboxUrl}/aicaller/v1/phoneCalls`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', [KEY_HEADER]: suite.fixtures.apiKey },
			body: JSON.stringify({ ...exampleBody, record: true, phoneCallWebhooks: [] }),
		});
		expect(created.status).toBe(200);
		const id = ((await created.json()) as { data: { _id: string } }).data._id;
		await suite.ctx.sandbox.completeAiCallerCall(id);

		const { execution, output } = await run('get with download', [{ id }], {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: '={{ $json.id }}',
			download: 'recording',
		});
		expect(execution.status).toBe('success');
		const [{ json, binary }] = output;
		expect(json).toMatchObject({
			_id: id,
			status: 'completed',
			recordingUrl: expect.stringMatching(/\/storage\/aicaller\/recordings\//),
		});
		expect(json).not.toHaveProperty('downloadErrors');
		expect(Object.keys(binary ?? {})).toEqual(['recording']);
		expect(binary?.recording).toMatchObject({
			fileName: `${id}.mp3`,
			mimeType: 'audio/mpeg',
			fileExtension: 'mp3',
			bytes: 20 * RECORDING_BYTES_PER_SECOND,
		});
		expect(binary?.recording.id).toMatch(/^filesystem/);
		const recording = await suite.ctx.n8n.binaryData(String(binary?.recording.id));
		expect(recording.length).toBe(20 * RECORDING_BYTES_PER_SECOND);
		expect([...recording.subarray(0, 2)]).toEqual([0xff, 0xfb]);

		const fetched = await suite.ctx.sandbox.storageRequests();
		expect(fetched.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
			`GET /aicaller/recordings/${id}.mp3 200`,
		]);
		expect(fetched[0].headers[KEY_HEADER]).toBeUndefined();
		expect(JSON.stringify(fetched[0].headers)).not.toContain(suite.fixtures.apiKey);
	});
});
