/**
 * The AlloMia node run by n8n-core against the sandbox: the exact request of every operation,
 * outputs (call records in the shape of docs.allomia.com's get-call and list-calls pages), every
 * documented error, continueOnFail, and Wait for Call to End's outcome.
 */
import type { IDataObject } from 'n8n-workflow';

import { ALLOMIA_CALL_ANALYSIS, expectedAlloMiaCallRecord } from '../fixtures/allomia-calls';
import { VOCABULARY_FIELDS } from '../fixtures/call-outcome';
import { ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE } from '../fixtures/documentation-examples';
import { expectDocumentedRequest } from '../fixtures/requests';
import { useSandbox } from '../in-process/sandbox';
import { runAlloMia, TEST_CALLBACK_TOKEN } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const F = SANDBOX_FIXTURES.alloMia;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const sandbox = useSandbox();

const requests = () => sandbox.requestsFor('allomia');

const { parameters: exampleCall, body: exampleBody } = ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE;

describe('Call → Create Outbound', () => {
	test('sends the documentation example field for field and outputs the dispatched call', async () => {
		const result = await runAlloMia(sandbox, exampleCall);
		expect(result.error).toBeUndefined();
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/api/outbound');
		expect(request.headers['content-type']).toMatch(/^application\/json/);
		expect(request.rawBody).toBe(JSON.stringify(exampleBody));
		expect(result.items).toEqual([
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
	});

	test('dynamic variables from a JSON object: numbers and booleans are sent as strings', async () => {
		await runAlloMia(
			sandbox,
			{
				...exampleCall,
				phoneNumber: '+1 (514) 555-1234',
				dynamicVariablesMode: 'json',
				dynamicVariablesJson: '={{ $json.vars }}',
				customerName: '',
				callbackUrl: '',
			},
			{ items: [{ vars: { patientId: 12345, confirmed: true, practitioner: 'Dr. Smith' } }] },
		);
		expect(requests()[0].body).toEqual({
			phoneNumber: '+15145551234',
			assistantId: exampleBody.assistantId,
			phoneNumberId: exampleBody.phoneNumberId,
			dynamicVariables: { patientId: '12345', confirmed: 'true', practitioner: 'Dr. Smith' },
		});
		expect(requests()[0].valid).toBe(true);
	});

	test.each([
		[
			{ phoneNumber: '+1234567' },
			'Phone Number (phoneNumber) is too short for a US or Canadian number (+1): check it for a missing digit; it needs 10 digits after +1, like +1 555 987 6543',
		],
		// AlloMia's own rule (10 to 20 characters), for a number of a country whose plan the package does not check.
		[
			{ phoneNumber: '+4212345' },
			'Phone Number (phoneNumber) is too short: enter at least 10 characters',
		],
		[
			{ phoneNumber: '514-555-1234' },
			'Phone Number (phoneNumber) must be a full phone number with its country code',
		],
		[
			{ assistantId: 'mia' },
			'Assistant ID (assistantId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
		[
			{ phoneNumberId: '' },
			'Phone Number ID (phoneNumberId) is empty: fill it in, or map a value from the input data',
		],
		[
			{ callbackUrl: 'ftp://partner.example.com/x' },
			'Callback URL (callbackUrl) is not a web address: enter a full address starting with https:// (or http://)',
		],
		[
			{ callbackUrl: 'not a url' },
			'Callback URL (callbackUrl) is not a web address: enter a full address starting with https:// (or http://)',
		],
		[
			{ dynamicVariablesMode: 'json', dynamicVariablesJson: '{"slot": {"at": "10:00"}}' },
			'Variables (dynamicVariables) is not a list of names with values',
		],
		[
			{
				dynamicVariables: {
					variable: [
						{ key: 'a', value: '1' },
						{ key: 'a', value: '2' },
					],
				},
			},
			'Variables (dynamicVariables) is not a list of names with values: give each entry a name of its own and a text, number or true/false value (an expression may give a JSON object such as {"patientId": "PAT-10432"})',
		],
	])('bad input %p is refused before anything is sent', async (change, message) => {
		const parameters = { ...exampleCall, ...change } as Record<string, unknown>;
		if ('phoneNumberId' in change && change.phoneNumberId === '')
			parameters.phoneNumberId = '={{ "" }}';
		const result = await runAlloMia(sandbox, parameters as typeof exampleCall);
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toContain(message);
		expect(requests()).toHaveLength(0);
	});

	test("a 400 shows AlloMia's details[] field by field", async () => {
		sandbox.inject({
			provider: 'allomia',
			path: '/api/outbound',
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
		const result = await runAlloMia(sandbox, exampleCall);
		expect(result.error?.message).toBe(
			'AlloMia refused the request (HTTP 400): Invalid request data — phoneNumber: Phone number must be at least 10 digits; assistantId: Invalid uuid',
		);
		expect(requests()).toHaveLength(1);
	});

	test.each([
		[
			'a wrong key',
			{ apiKey: 'allomia-wrong-key' },
			'AlloMia did not accept the API key (HTTP 401): Invalid or missing API key',
		],
		[
			'a key without the permission',
			{ apiKey: F.readOnlyApiKey },
			'AlloMia refused access (HTTP 403): Insufficient permissions',
		],
		['an inactive organization', { apiKey: F.inactiveOrgApiKey }, 'Organization is inactive'],
	])('%s gives the documented message', async (_name, options, message) => {
		const result = await runAlloMia(sandbox, exampleCall, options);
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toContain(message);
		expect(JSON.stringify(result.error)).not.toContain(options.apiKey);
		expect(requests()).toHaveLength(1);
	});

	test('an unknown assistant gives the documented 404', async () => {
		const result = await runAlloMia(sandbox, {
			...exampleCall,
			assistantId: '00000000-0000-4000-8000-000000000000',
		});
		expect(result.error?.message).toBe(
			'AlloMia could not find it (HTTP 404): Assistant or phone number not found',
		);
	});

	test('a 500 is not retried: the call may or may not have been placed', async () => {
		sandbox.inject({
			provider: 'allomia',
			path: '/api/outbound',
			fault: { status: 500, body: { error: 'Internal server error occurred' } },
		});
		const result = await runAlloMia(sandbox, exampleCall);
		expect(requests()).toHaveLength(1);
		expect(result.error?.message).toBe(
			'AlloMia failed (HTTP 500): Internal server error occurred. The request may or may not have been processed',
		);
		expect(result.error?.description).toContain('Call → Get Many');
	});

	test('continueOnFail: a bad row is paired to its error, the other rows are called', async () => {
		const result = await runAlloMia(
			sandbox,
			{ ...exampleCall, phoneNumber: '={{ $json.phone }}' },
			{
				items: [{ phone: '+15145550001' }, { phone: '12' }, { phone: '+15145550003' }],
				continueOnFail: true,
			},
		);
		expect(result.items.map((i) => [i.pairedItem, i.json.status ?? i.json.error])).toEqual([
			[{ item: 0 }, 'calling'],
			[
				{ item: 1 },
				expect.stringMatching(
					/^Phone Number \(phoneNumber\) must be a full phone number with its country code/,
				),
			],
			[{ item: 2 }, 'calling'],
		]);
		expect(requests()).toHaveLength(2);
	});
});

describe('Call → Create Outbound → Wait for Call to End', () => {
	test("the item is the call as it ended: final status, callDetails and the call record under AlloMia's own field names, the create answer under createResponse", async () => {
		// The call ends as soon as it was placed; the node sees it at its first poll (after 1 s).
		const ender = setInterval(() => {
			const placed = sandbox.alloMia.state.outboundCalls.find((c) => c.status === 'calling');
			if (!placed) return;
			clearInterval(ender);
			void sandbox.alloMia.complete(placed.outboundCallId, 'completed', {
				duration: 61,
				...ALLOMIA_CALL_ANALYSIS,
			});
		}, 20);
		try {
			const result = await runAlloMia(sandbox, {
				...exampleCall,
				callbackUrl: '',
				waitForCallToEnd: true,
				maxWaitSeconds: 10,
				pollIntervalSeconds: 1,
			});
			expect(result.error).toBeUndefined();
			const json = result.items[0].json;
			const id = String(json.outboundCallId);
			// The item describes the call as it ended, its fields top-level under AlloMia's names; the
			// create answer (status "calling") is kept apart, so a sheet mapping `status` gets "completed".
			expect(json).toEqual({
				outboundCallId: id,
				status: 'completed',
				callEnded: true,
				// The shared vocabulary, read from the status and the record (docs/call-outcomes.md).
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
				...expectedAlloMiaCallRecord(id, F.organizationId, '61'),
				linksExpireAt: expect.any(String),
				waitedSeconds: expect.any(Number),
				createResponse: { outboundCallId: id, status: 'calling' },
				skipped: false,
				skipReason: null,
			});
			expect(Object.keys(json).slice(0, 8)).toEqual([
				'outboundCallId',
				'status',
				...VOCABULARY_FIELDS,
			]);
			for (const old of ['sentiment', 'intent', 'message']) expect(json).not.toHaveProperty(old);
			expect(requests().map((r) => [r.method, r.path, r.status, r.valid])).toEqual([
				['POST', '/api/outbound', 200, true],
				['GET', `/api/outbound/${id}/status`, 200, true],
				['GET', `/api/calls/${id}`, 200, true],
			]);
		} finally {
			clearInterval(ender);
		}
	});
});

describe('Call → Get Status / Get / Get Many', () => {
	async function placeCall() {
		const created = await runAlloMia(sandbox, exampleCall);
		return String(created.items[0].json.outboundCallId);
	}

	test('Get Status follows a call from calling to completed', async () => {
		const id = await placeCall();
		const before = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getStatus',
			outboundCallId: id,
		});
		expectDocumentedRequest(requests()[1], 'GET', `/api/outbound/${id}/status`);
		expect(before.items[0].json).toMatchObject({
			outboundCallId: id,
			status: 'calling',
			callEnded: false,
			endReason: null,
		});
		expect(before.items[0].json.callDetails).toBeUndefined();

		await sandbox.alloMia.complete(id, 'completed');
		const after = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getStatus',
			outboundCallId: id,
		});
		expect(after.items[0].json).toMatchObject({
			outboundCallId: id,
			status: 'completed',
			callEnded: true,
			endReason: 'completed',
			// The status gives callDetails.duration only, whose unit AlloMia does not state.
			durationSeconds: null,
			callDetails: {
				startedAt: expect.any(String),
				endedAt: expect.any(String),
				duration: expect.any(Number),
			},
		});
	});

	test('Get Status of an unknown call gives the documented 404', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getStatus',
			outboundCallId: '00000000-0000-4000-8000-000000000000',
		});
		expect(result.error?.message).toBe(
			'AlloMia could not find it (HTTP 404): Outbound call not found',
		);
	});

	test("Get outputs the call with get-call's own field names (callSummary, userSentiment, callOutcome, ...) and says when the links expire", async () => {
		const id = await placeCall();
		await sandbox.alloMia.complete(id, 'completed', { duration: 94, ...ALLOMIA_CALL_ANALYSIS });
		const started = Date.now();
		const result = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id });
		expectDocumentedRequest(requests()[1], 'GET', `/api/calls/${id}`);
		const json = result.items[0].json;
		expect(json).toEqual({
			...expectedAlloMiaCallRecord(id, F.organizationId, '94'),
			// A record has no status: it ended (callEndedAt), as its callOutcome says.
			callEnded: true,
			endReason: 'completed',
			callBackAt: null,
			outcome: 'appointment_confirmed',
			summary: ALLOMIA_CALL_ANALYSIS.callSummary,
			durationSeconds: 94,
			linksExpireAt: expect.any(String),
			linksNote:
				'transcriptUrl and recordingUrl are pre-signed and expire one hour after they were fetched',
		});
		for (const old of ['sentiment', 'intent', 'duration', 'status'])
			expect(json).not.toHaveProperty(old);
		const expires = Date.parse(String(json.linksExpireAt));
		expect(expires - started).toBeGreaterThanOrEqual(60 * 60 * 1000 - 1000);
	});

	test('Get sends a call ID of any format (get-call documents no format); an unknown one gives the 404', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: 'call-42',
		});
		expect(requests()).toHaveLength(1);
		expectDocumentedRequest(requests()[0], 'GET', '/api/calls/call-42');
		expect(result.error?.message).toBe(
			'AlloMia could not find it (HTTP 404): Outbound call not found',
		);
	});

	test.each([
		[
			{ resource: 'call', operation: 'get', callId: '={{ "" }}' },
			'Call ID (callId) is empty: fill it in, or map a value from the input data',
		],
		// The outbound call ID is documented as a UUID (create-outbound-call, get-outbound-call-status).
		[
			{ resource: 'call', operation: 'getStatus', outboundCallId: 'call-42' },
			'Outbound Call ID (outboundCallId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
	])('%p is refused before anything is sent', async (parameters, message) => {
		const result = await runAlloMia(sandbox, parameters);
		expect(result.error?.message).toContain(message);
		expect(requests()).toHaveLength(0);
	});

	test("Get Many sends the credential's organization, the filters and page/limit", async () => {
		const result = await runAlloMia(
			sandbox,
			{
				resource: 'call',
				operation: 'getAll',
				returnAll: false,
				limit: 5,
				filters: {
					callType: 'Outbound',
					sort: 'desc',
					from: '2025-01-01T00:00:00Z',
					to: '2025-12-31T23:59:59',
					agentName: 'Mia Reception',
				},
			},
			{ timezone: 'America/Montreal' },
		);
		const [request] = requests();
		expectDocumentedRequest(request, 'GET', '/api/calls');
		expect(request.query).toEqual({
			organizationId: F.organizationId,
			page: '1',
			limit: '5',
			callType: 'Outbound',
			agentName: 'Mia Reception',
			from: '2025-01-01T00:00:00.000Z',
			to: '2026-01-01T04:59:59.000Z',
			sort: 'desc',
		});
		expect(result.error).toBeUndefined();
	});

	test('Get Many outputs each call with the list-calls fields only (callDurationSeconds a string, teamId/teamName)', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getAll',
			returnAll: true,
			filters: { callType: 'Outbound', sort: 'asc' },
		});
		expect(result.error).toBeUndefined();
		const [first] = F.calls;
		expect(result.items[0].json).toEqual({
			id: first.id,
			organizationId: F.organizationId,
			callType: 'Outbound',
			agentId: first.agentId,
			agentName: 'Mia Reception',
			teamId: first.teamId,
			teamName: 'Front Desk',
			phoneNumber: '+15145550100',
			callStartedAt: '2025-03-03T14:00:00.000Z',
			callEndedAt: '2025-03-03T14:02:12.000Z',
			callDurationSeconds: '132',
			userPhoneNumber: '+15145551234',
			createdAt: '2025-03-03T14:00:00.000Z',
			// The list gives no status and no callOutcome: ended, but not how.
			callEnded: true,
			endReason: 'unknown',
			callBackAt: null,
			outcome: null,
			summary: null,
			durationSeconds: 132,
		});
		expect(result.items.map((i) => i.json.callDurationSeconds)).toEqual(['132', '0']);
		expect(result.items.map((i) => i.json.durationSeconds)).toEqual([132, 0]);
	});

	test('Get Many sends an Organization ID of any format (list-calls documents a string); an unknown one gives the documented 404', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getAll',
			organizationId: 'org-acme',
			returnAll: true,
		});
		const [request] = requests();
		expectDocumentedRequest(request, 'GET', '/api/calls');
		expect(request.query).toEqual({ organizationId: 'org-acme', page: '1', limit: '20' });
		expect(result.error?.message).toBe(
			'AlloMia could not find it (HTTP 404): Organization not found',
		);
	});

	test('Get Many refuses From after To (documented 400) before anything is sent', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getAll',
			returnAll: true,
			filters: { from: '2025-03-05T00:00:00Z', to: '2025-03-04T00:00:00Z' },
		});
		expect(result.error?.message).toContain(
			'Filters → From (filters.from) is after To: enter a From that is not later than To',
		);
		expect(requests()).toHaveLength(0);
	});

	test('Get Many with Return All pages through every call', async () => {
		const phones = Array.from({ length: 45 }, (_, i) => ({
			phone: `+1514555${String(i).padStart(4, '0')}`,
		}));
		const created = await runAlloMia(
			sandbox,
			{ ...exampleCall, phoneNumber: '={{ $json.phone }}' },
			{ items: phones },
		);
		for (const item of created.items)
			await sandbox.alloMia.complete(String(item.json.outboundCallId), 'completed');
		const before = requests().length;
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getAll',
			returnAll: true,
		});
		const pages = requests().slice(before);
		expect(pages.map((r) => [r.query.page, r.query.limit])).toEqual([
			['1', '20'],
			['2', '20'],
			['3', '20'],
		]);
		expect(result.items).toHaveLength(sandbox.alloMia.state.calls.length);
		expect(new Set(result.items.map((i) => i.json.id)).size).toBe(result.items.length);
	});

	test('Get Many without any Organization ID says where to set it, and sends nothing', async () => {
		const result = await runAlloMia(
			sandbox,
			{ resource: 'call', operation: 'getAll', returnAll: true },
			{ credential: { organizationId: '' } },
		);
		expect(result.error?.message).toBe(
			'Organization ID (organizationId) is empty: fill it in, or map a value from the input data',
		);
		expect(requests()).toHaveLength(0);
	});
});

describe('Call → Create Outbound → Add Callback Token', () => {
	const withToken = {
		...exampleCall,
		callbackUrl: 'https://n8n.example.com/webhook/abc/callback',
		addCallbackToken: true,
	};

	test("adds the AlloMia Callback Token API credential's token to the Callback URL; no output or run data shows it", async () => {
		const result = await runAlloMia(sandbox, withToken);
		expect(result.error).toBeUndefined();
		expect((requests()[0].body as IDataObject).callbackUrl).toBe(
			`https://n8n.example.com/webhook/abc/callback?token=${TEST_CALLBACK_TOKEN}`,
		);
		expect(requests()[0].valid).toBe(true);
		expect(JSON.stringify(result.run)).not.toContain(TEST_CALLBACK_TOKEN);

		// A URL with a query keeps it; a token typed into it is replaced by the credential's.
		sandbox.reset();
		await runAlloMia(sandbox, {
			...withToken,
			callbackUrl: 'https://n8n.example.com/webhook/abc/callback?a=1&token=old',
		});
		expect((requests()[0].body as IDataObject).callbackUrl).toBe(
			`https://n8n.example.com/webhook/abc/callback?a=1&token=${TEST_CALLBACK_TOKEN}`,
		);
	});

	test('without the credential, with a weak token or without a Callback URL: refused before anything is sent', async () => {
		const missing = await runAlloMia(sandbox, withToken, { secret: null });
		expect(missing.error?.message).toBe(
			'Add an "AlloMia Callback Token API" credential to this node (Add Callback Token is on)',
		);
		const weak = await runAlloMia(sandbox, withToken, {
			secret: 'has spaces and is long enough to pass',
		});
		expect(weak.error?.message).toBe(
			'Token (AlloMia Callback Token API credential) may contain only letters, digits and . _ ~ - (it is put into a URL as it is)',
		);
		const noUrl = await runAlloMia(sandbox, { ...withToken, callbackUrl: '' });
		expect(noUrl.error?.message).toBe('Add Callback Token is on, but Callback URL is empty');
		expect(requests()).toHaveLength(0);
	});
});
