/**
 * The HelloAnnie node run by n8n-core against the sandbox: for every operation the exact
 * request the sandbox received, the node's output items, and each error path.
 */
import { PHONE_RULE } from '../../nodes/shared/phone';
import {
	HELLOANNIE_CLOSE_CONVERSATION_BODY,
	HELLOANNIE_CREATE_CONVERSATION_EXAMPLE,
	HELLOANNIE_EXAMPLE_APPOINTMENT,
	HELLOANNIE_EXAMPLE_PATIENT,
	HELLOANNIE_EXAMPLE_SMS_MESSAGE,
	HELLOANNIE_START_CALL_EXAMPLE,
	HELLOANNIE_START_SMS_EXAMPLE,
} from '../fixtures/documentation-examples';
import { expectDocumentedRequest } from '../fixtures/requests';
import { useSandbox } from '../in-process/sandbox';
import { runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const F = SANDBOX_FIXTURES.helloAnnie;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const sandbox = useSandbox();

const requests = () => sandbox.requestsFor('helloannie');

const exampleCall = HELLOANNIE_START_CALL_EXAMPLE.parameters;

describe('Call → Start', () => {
	test('sends the documentation example field for field and outputs the conversationId', async () => {
		const result = await runHelloAnnie(sandbox, exampleCall);
		expect(result.error).toBeUndefined();
		expect(requests()).toHaveLength(1);
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/calls');
		expect(request.headers['content-type']).toMatch(/^application\/json/);
		// Same fields, same values, same order as the page's example.
		expect(request.rawBody).toBe(JSON.stringify(HELLOANNIE_START_CALL_EXAMPLE.body));
		expect(result.items).toHaveLength(1);
		// The answer, and the skip fields every placed item carries (a skipped one: skipped: true).
		expect(result.items[0].json).toEqual({
			conversationId: expect.stringMatching(UUID),
			skipped: false,
			skipReason: null,
		});
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
		// The conversation now exists at the provider.
		const created = sandbox.helloAnnie.state.conversations.find(
			(c) => c.conversationId === result.items[0].json.conversationId,
		);
		expect(created?.medium).toBe('CALL');
	});

	test('normalises phone numbers and dates given the way EHRs and the date picker give them', async () => {
		await runHelloAnnie(
			sandbox,
			{
				...exampleCall,
				toNumber: '={{ $json.phone }}',
				patientInfo: { dateOfBirth: '={{ $json.dob }}', patientId: '={{ $json.id }}' },
				appointmentInfo: { startTime: '2025-03-10T15:00:00', endTime: '2025-03-10T15:30' },
				context: '',
				voicemailMessage: 'Please call us back at 555-123-4567.',
			},
			{
				items: [{ phone: '+1 (555) 987-6543', dob: '1988-03-22', id: 10432 }],
				timezone: 'America/Denver',
			},
		);
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/calls');
		expect(request.body).toEqual({
			fromNumber: '+15551234567',
			toNumber: '+15559876543',
			patientInfo: { dateOfBirth: '1988-03-22T00:00:00.000Z', patientId: '10432' },
			appointmentInfo: {
				startTime: '2025-03-10T15:00:00-06:00',
				endTime: '2025-03-10T15:30:00-06:00',
			},
			voicemailMessage: 'Please call us back at 555-123-4567.',
		});
	});

	test('empty optional groups and fields send nothing', async () => {
		await runHelloAnnie(sandbox, {
			resource: 'call',
			operation: 'start',
			fromNumber: '+15551234567',
			toNumber: '+15559876543',
			patientInfo: {},
			appointmentInfo: { appointmentId: '' },
		});
		expect(requests()[0].body).toEqual({ fromNumber: '+15551234567', toNumber: '+15559876543' });
	});

	test.each([
		// An empty spreadsheet cell: the field is set (to an expression) but resolves to nothing.
		[
			{ toNumber: '={{ "" }}' },
			'To Number (toNumber) is empty: fill it in, or map a value from the input data',
		],
		[{ toNumber: 'call Sarah' }, `To Number (toNumber) ${PHONE_RULE}`],
		[{ toNumber: '(555) 987-6543' }, `To Number (toNumber) ${PHONE_RULE}`],
		[
			{ fromNumber: '+1555' },
			'From Number (fromNumber) is too short for a US or Canadian number (+1): check it for a missing digit; it needs 10 digits after +1, like +1 555 987 6543',
		],
		[
			{ context: 'x'.repeat(501) },
			'Context (context) is too long: shorten it to 500 characters or fewer',
		],
		[
			{ voicemailMessage: 'x'.repeat(501) },
			'Voicemail Message (voicemailMessage) is too long: shorten it to 500 characters or fewer',
		],
		// The outbound-calls guide: first and last name at most 100 characters.
		[
			{ patientInfo: { ...HELLOANNIE_EXAMPLE_PATIENT, firstName: 'n'.repeat(101) } },
			'Patient Info → First Name (patientInfo.firstName) is too long: shorten it to 100 characters or fewer',
		],
		[
			{ patientInfo: { ...HELLOANNIE_EXAMPLE_PATIENT, lastName: 'n'.repeat(101) } },
			'Patient Info → Last Name (patientInfo.lastName) is too long: shorten it to 100 characters or fewer',
		],
		[
			{ patientInfo: { ...HELLOANNIE_EXAMPLE_PATIENT, dateOfBirth: '1988-02-30' } },
			'Patient Info → Date of Birth (patientInfo.dateOfBirth) is not a date of birth: enter a date such as 1988-03-22',
		],
		[
			{ patientInfo: { ...HELLOANNIE_EXAMPLE_PATIENT, dateOfBirth: '2999-01-01' } },
			'Patient Info → Date of Birth (patientInfo.dateOfBirth) is not a date of birth: enter a date such as 1988-03-22 (year-month-day), not in the future',
		],
		[
			{ appointmentInfo: { ...HELLOANNIE_EXAMPLE_APPOINTMENT, startTime: 'next Tuesday' } },
			'Appointment Info → Start Time (appointmentInfo.startTime) is not a date and time: enter one such as',
		],
		[
			{
				appointmentInfo: {
					...HELLOANNIE_EXAMPLE_APPOINTMENT,
					endTime: '2025-03-10T14:00:00-06:00',
				},
			},
			'Appointment Info → End Time (appointmentInfo.endTime) is not after the start time: enter an end time later than Start Time',
		],
	])('bad input %p is refused before anything is sent', async (change, message) => {
		const result = await runHelloAnnie(sandbox, { ...exampleCall, ...change });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toContain(message);
		expect(result.error?.context?.itemIndex).toBe(0);
		// Never a patient's name or date of birth in an error message.
		for (const secret of ['Sarah', 'Johnson', '1988-02-30', '2999-01-01']) {
			expect(result.error?.message).not.toContain(secret);
			expect(result.error?.description ?? '').not.toContain(secret);
		}
		expect(requests()).toHaveLength(0);
	});

	test('a 500 answer is not retried and says the call may or may not have been placed', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/calls',
			fault: { status: 500, body: { success: false, message: 'Internal error' } },
		});
		const result = await runHelloAnnie(sandbox, exampleCall);
		expect(requests()).toHaveLength(1);
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toBe(
			'HelloAnnie failed (HTTP 500): Internal error. The request may or may not have been processed',
		);
		expect(result.error?.description).toContain('Check with Conversation → Get Many');
	});

	test('Wait for Call to End: a CLOSING conversation (HelloAnnie still writing its summary) has not ended yet', async () => {
		// The close-conversation page: CLOSING while the post-conversation actions run, then CLOSED.
		// The call is over (endTime set) as soon as the conversation is CLOSING.
		const closer = setInterval(() => {
			for (const c of sandbox.helloAnnie.state.conversations) {
				if (c.request && c.status === 'OPEN')
					Object.assign(c, { status: 'CLOSING', endTime: new Date().toISOString(), duration: 61 });
			}
		}, 50);
		try {
			const result = await runHelloAnnie(sandbox, {
				...exampleCall,
				waitForCallToEnd: true,
				maxWaitSeconds: 2,
				pollIntervalSeconds: 1,
			});
			expect(result.error).toBeUndefined();
			expect(result.items[0].json).toMatchObject({
				conversationId: expect.stringMatching(UUID),
				status: 'CLOSING',
				callEnded: false,
				endReason: null,
				duration: 61,
				endTime: expect.any(String),
			});
			const polls = requests().filter((r) => r.method === 'GET');
			expect(polls.length).toBeGreaterThanOrEqual(2);
			for (const poll of polls)
				expectDocumentedRequest(
					poll,
					'GET',
					`/conversations/${String(result.items[0].json.conversationId)}`,
				);
		} finally {
			clearInterval(closer);
		}
	});

	test("a wrong API key gives the provider's 401 message and never shows the key", async () => {
		const result = await runHelloAnnie(sandbox, exampleCall, { apiKey: 'annie-sk-v1-wrong-key' });
		expect(requests()).toHaveLength(1);
		expect(result.error?.message).toMatch(/^HelloAnnie did not accept the API key \(HTTP 401\)/);
		expect(JSON.stringify(result.error)).not.toContain('annie-sk-v1-wrong-key');
		expect(JSON.stringify(result.run.data.resultData)).not.toContain('annie-sk-v1-wrong-key');
	});
});

describe('SMS → Start Conversation', () => {
	const exampleSms = HELLOANNIE_START_SMS_EXAMPLE.parameters;

	test('sends the documentation example field for field', async () => {
		const result = await runHelloAnnie(sandbox, exampleSms);
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/sms');
		expect(request.rawBody).toBe(JSON.stringify(HELLOANNIE_START_SMS_EXAMPLE.body));
		expect(result.items.map((i) => i.json)).toEqual([
			{ conversationId: expect.stringMatching(UUID), skipped: false, skipReason: null },
		]);
	});

	test.each([
		['={{ "  " }}', 'Message (message) is empty: fill it in, or map a value from the input data'],
		['x'.repeat(501), 'Message (message) is too long: shorten it to 500 characters or fewer'],
	])('message %#: refused before sending', async (message, expected) => {
		const result = await runHelloAnnie(sandbox, { ...exampleSms, message });
		expect(result.error?.message).toBe(expected);
		expect(requests()).toHaveLength(0);
	});

	test('a 409 (a send to that number still in progress, as the page documents) is a skipped item, not an error; its key is given back and a later run sends it', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/sms',
			fault: {
				status: 409,
				body: { success: false, message: 'An SMS send to this number is already in progress' },
			},
		});
		const parameters = {
			...exampleSms,
			toNumber: '={{ $json.phone }}',
			requestOptions: { deduplicationKey: '={{ $json.appointmentId }}' },
		};
		const items = [
			{ phone: '+15550000001', appointmentId: 'APT-1' },
			{ phone: '+15550000002', appointmentId: 'APT-2' },
		];
		const result = await runHelloAnnie(sandbox, parameters, { items });
		expect(result.error).toBeUndefined();
		expect(requests()).toHaveLength(2);
		expect(result.items[0]).toEqual({
			json: {
				skipped: true,
				skipReason: 'sendInProgress',
				nextAllowedAt: null,
				deduplicationKey: 'APT-1',
			},
			pairedItem: { item: 0 },
		});
		expect(result.items[1].json.conversationId).toMatch(UUID);

		const later = await runHelloAnnie(sandbox, parameters, { items });
		expect(later.items.map((item) => item.json.skipReason ?? item.json.conversationId)).toEqual([
			expect.stringMatching(UUID),
			'duplicate',
		]);
		expect(requests()).toHaveLength(3);
	});

	test("any other refusal stays an error with HelloAnnie's words (its pages do not tell its contact rules apart)", async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/sms',
			fault: { status: 400, body: { success: false, message: 'Outside legal hours' } },
		});
		const result = await runHelloAnnie(sandbox, exampleSms);
		expect(result.error?.message).toBe(
			'HelloAnnie refused the request (HTTP 400): Outside legal hours',
		);
	});

	test('continueOnFail: a bad row becomes an error item paired to it, the other rows are sent', async () => {
		const result = await runHelloAnnie(
			sandbox,
			{
				...exampleSms,
				toNumber: '={{ $json.phone }}',
				patientInfo: {},
				appointmentInfo: {},
				context: '',
			},
			{
				items: [{ phone: '+15550000001' }, { phone: 'unknown' }, { phone: '+15550000003' }],
				continueOnFail: true,
			},
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[0].json.conversationId).toMatch(UUID);
		expect(result.items[1].json.error).toBe(`To Number (toNumber) ${PHONE_RULE}`);
		expect(result.items[2].json.conversationId).toMatch(UUID);
		expect(requests().map((r) => (r.body as { toNumber: string }).toNumber)).toEqual([
			'+15550000001',
			'+15550000003',
		]);
	});

	test('without continueOnFail a bad row stops the node before anything is sent, naming that row', async () => {
		const result = await runHelloAnnie(
			sandbox,
			{ ...exampleSms, toNumber: '={{ $json.phone }}' },
			{ items: [{ phone: '+15550000001' }, { phone: 'unknown' }, { phone: '+15550000003' }] },
		);
		expect(result.error?.message).toBe(`To Number (toNumber) ${PHONE_RULE}`);
		expect(result.error?.context?.itemIndex).toBe(1);
		expect(result.error?.description).toContain('Nothing was sent for any item');
		expect(requests()).toHaveLength(0);
	});
});

describe('Phone Number', () => {
	const create = {
		resource: 'phoneNumber',
		operation: 'create',
		orgId: F.orgId,
		botId: F.bots[0].id,
		name: 'Reminders line',
		language: 'SPANISH',
		voiceId: 'KIND_CURIOUS',
	};

	test('Create sends the documented body and outputs the new number', async () => {
		const result = await runHelloAnnie(sandbox, {
			...create,
			additionalFields: {
				verifiedCallerId: '+15551112222',
				callbackForwardingNumber: '+1 555 000 1111',
				areaCode: '512',
			},
		});
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/phone-numbers');
		expect(request.rawBody).toBe(
			JSON.stringify({
				orgId: F.orgId,
				botId: F.bots[0].id,
				name: 'Reminders line',
				language: 'SPANISH',
				voiceId: 'KIND_CURIOUS',
				verifiedCallerId: '+15551112222',
				callbackForwardingNumber: '+15550001111',
				areaCode: '512',
			}),
		);
		expect(result.items[0].json).toMatchObject({
			id: expect.stringMatching(UUID),
			orgId: F.orgId,
			botId: F.bots[0].id,
			name: 'Reminders line',
			language: 'SPANISH',
			voiceId: 'KIND_CURIOUS',
		});
	});

	test.each([
		[
			{ language: 'GERMAN' },
			'Language (language) is not one of the allowed values: use one of ENGLISH, SPANISH, FRENCH',
		],
		[
			{ voiceId: 'ROBOT' },
			'Voice (voiceId) is not one of the allowed values: use one of FRIENDLY_BRIGHT, CALM_REASSURING, POLISHED_PROFESSIONAL, KIND_CURIOUS, CONFIDENT_UPBEAT',
		],
		[{ name: 'n'.repeat(101) }, 'Name (name) is too long: shorten it to 100 characters or fewer'],
		// The create page's newer version: letters, numbers, spaces, and basic punctuation.
		[
			{ name: 'Línea principal' },
			"Name (name) has characters HelloAnnie does not accept: use only letters A-Z, digits, spaces and . , _ ' ( ) & # + / : ; -",
		],
		[
			{ name: 'Main <line>' },
			'Name (name) has characters HelloAnnie does not accept: use only letters A-Z',
		],
		[
			{ orgId: 'org-1' },
			'Organization ID (orgId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
		[
			{ additionalFields: { areaCode: '51' } },
			'Additional Fields → Area Code (additionalFields.areaCode) is not an area code: enter three digits, like 512',
		],
	])('Create refuses %p', async (change, message) => {
		const result = await runHelloAnnie(sandbox, { ...create, ...change });
		expect(result.error?.message).toContain(message);
		expect(requests()).toHaveLength(0);
	});

	test('Create sends a name with every documented punctuation character as it was typed', async () => {
		const name = "Dr. O'Brien & Co, #2 (Main/Back): 9-5; +1_x";
		const result = await runHelloAnnie(sandbox, { ...create, name });
		expect(result.error).toBeUndefined();
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/phone-numbers');
		expect((request.body as { name: string }).name).toBe(name);
		expect(result.items[0].json.name).toBe(name);
	});

	test("Get Many lists the account's numbers, one item each, honouring Limit", async () => {
		const all = await runHelloAnnie(sandbox, {
			resource: 'phoneNumber',
			operation: 'getAll',
			returnAll: true,
		});
		expectDocumentedRequest(requests()[0], 'GET', '/phone-numbers');
		expect(all.items.map((i) => i.json.number)).toEqual(F.phoneNumbers.map((p) => p.number));
		const one = await runHelloAnnie(sandbox, {
			resource: 'phoneNumber',
			operation: 'getAll',
			returnAll: false,
			limit: 1,
		});
		expect(one.items).toHaveLength(1);
	});

	test('Attach to Bot posts the bot to the number', async () => {
		const phone = F.phoneNumbers[0];
		const result = await runHelloAnnie(sandbox, {
			resource: 'phoneNumber',
			operation: 'attach',
			phoneNumberId: phone.id,
			botId: F.bots[1].id,
		});
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', `/phone-numbers/${phone.id}/attach`);
		expect(request.body).toEqual({ botId: F.bots[1].id });
		expect(result.items[0].json).toMatchObject({ id: phone.id, botId: F.bots[1].id });
	});

	test('Attach to Bot on an unknown number gives the 404 message', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'phoneNumber',
			operation: 'attach',
			phoneNumberId: '00000000-0000-4000-8000-000000000000',
			botId: F.bots[1].id,
		});
		expect(result.error?.message).toMatch(/^HelloAnnie could not find it \(HTTP 404\)/);
	});
});

describe('Conversation', () => {
	const known = F.conversations[1];

	test('Get returns the conversation', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: known.conversationId,
		});
		expectDocumentedRequest(requests()[0], 'GET', `/conversations/${known.conversationId}`);
		expect(result.items[0].json).toMatchObject({
			conversationId: known.conversationId,
			medium: 'SMS',
			summary: known.summary,
			status: 'OPEN',
		});
	});

	test('Get of an unknown conversation gives the 404 message after one request', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: '00000000-0000-4000-8000-000000000000',
		});
		expect(result.error?.message).toMatch(/^HelloAnnie could not find it \(HTTP 404\)/);
		expect(requests()).toHaveLength(1);
	});

	test('Get retries a transient 500 (a read changes nothing)', async () => {
		sandbox.inject({ provider: 'helloannie', method: 'GET', fault: { status: 500 } });
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: known.conversationId,
		});
		expect(requests().map((r) => r.status)).toEqual([500, 200]);
		expect(result.items[0].json.conversationId).toBe(known.conversationId);
	});

	test('Get Many sends offset/limit and the filters', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: false,
			limit: 2,
			filters: {
				orgId: F.orgId,
				botId: F.bots[0].id,
				includeArchived: true,
				includeChildren: false,
			},
		});
		const [request] = requests();
		expectDocumentedRequest(request, 'GET', '/conversations');
		expect(request.query).toEqual({
			offset: '0',
			limit: '2',
			orgId: F.orgId,
			botId: F.bots[0].id,
			includeArchived: 'true',
			includeChildren: 'false',
		});
		expect(result.items).toHaveLength(2);
		expect(result.items.every((i) => i.json.botId === F.bots[0].id)).toBe(true);
	});

	test("Get Many with Include Children adds the child organizations' conversations (and only then)", async () => {
		const childIds = F.conversations
			.filter((c) => c.orgId === F.childOrgId)
			.map((c) => c.conversationId);
		expect(childIds).toHaveLength(1);
		const own = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: true,
		});
		expect(own.items.map((i) => i.json.conversationId)).not.toContain(childIds[0]);
		const withChildren = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: true,
			filters: { includeChildren: true },
		});
		const [first, second] = requests();
		expectDocumentedRequest(first, 'GET', '/conversations');
		expectDocumentedRequest(second, 'GET', '/conversations');
		expect(second.query).toEqual({ offset: '0', limit: '100', includeChildren: 'true' });
		expect(withChildren.items.map((i) => i.json.conversationId)).toContain(childIds[0]);
		expect(withChildren.items).toHaveLength(own.items.length + 1);
		expect(withChildren.items.find((i) => i.json.conversationId === childIds[0])?.json.orgId).toBe(
			F.childOrgId,
		);
	});

	test('Get Many with Return All pages through more than 100 conversations', async () => {
		const phones = Array.from({ length: 120 }, (_, i) => ({
			phone: `+1555100${String(i).padStart(4, '0')}`,
		}));
		const sent = await runHelloAnnie(
			sandbox,
			{
				resource: 'sms',
				operation: 'startConversation',
				fromNumber: '+15551234567',
				toNumber: '={{ $json.phone }}',
				message: 'Hi',
			},
			{ items: phones },
		);
		expect(sent.items).toHaveLength(120);
		sandbox.reset();
		// reset() restores fixtures: create again through the node so the list is long.
		await runHelloAnnie(
			sandbox,
			{
				resource: 'sms',
				operation: 'startConversation',
				fromNumber: '+15551234567',
				toNumber: '={{ $json.phone }}',
				message: 'Hi',
			},
			{ items: phones },
		);
		const before = requests().length;
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: true,
		});
		const listed = requests().slice(before);
		expect(listed.map((r) => r.query)).toEqual([
			{ offset: '0', limit: '100' },
			{ offset: '100', limit: '100' },
		]);
		// Without Include Archived / Include Children: the organization's own, unarchived conversations.
		const total = sandbox.helloAnnie.state.conversations.filter(
			(c) => !c.archived && c.orgId === F.orgId,
		).length;
		expect(result.items).toHaveLength(total);
		expect(new Set(result.items.map((i) => i.json.conversationId)).size).toBe(total);
	});

	test('Get Messages reads an SMS conversation, one item per message', async () => {
		const sms = await runHelloAnnie(sandbox, {
			resource: 'sms',
			operation: 'startConversation',
			fromNumber: '+15551234567',
			toNumber: '+15559876543',
			message: HELLOANNIE_EXAMPLE_SMS_MESSAGE,
		});
		const conversationId = String(sms.items[0].json.conversationId);
		sandbox.helloAnnie.addMessage(conversationId, 'Yes, Tuesday works', 'user');
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getMessages',
			conversationId,
			returnAll: true,
		});
		expectDocumentedRequest(requests()[1], 'GET', `/conversations/${conversationId}/messages`);
		expect(result.items.map((i) => [i.json.role, i.json.content])).toEqual([
			['assistant', HELLOANNIE_EXAMPLE_SMS_MESSAGE],
			['user', 'Yes, Tuesday works'],
		]);
	});

	test('a Conversation ID that is not an ID is refused in plain words', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: 'abc',
		});
		expect(result.error?.message).toBe(
			'Conversation ID (conversationId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		);
		expect(requests()).toHaveLength(0);
	});
});

describe('Conversation → Close', () => {
	const open = F.conversations[1];
	const close = {
		resource: 'conversation',
		operation: 'close',
		conversationId: open.conversationId,
	};

	test("sends the page's example body, outputs the status, and the conversation reads CLOSED afterwards", async () => {
		const result = await runHelloAnnie(sandbox, close);
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', `/conversations/${open.conversationId}/close`);
		expect(request.rawBody).toBe(JSON.stringify(HELLOANNIE_CLOSE_CONVERSATION_BODY));
		expect(result.items.map((i) => i.json)).toEqual([
			{ conversationId: open.conversationId, status: 'CLOSING' },
		]);
		const read = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: open.conversationId,
		});
		expect(read.items[0].json).toMatchObject({ status: 'CLOSED', endTime: expect.any(String) });
	});

	test('Skip Notifications on is sent as skipNotifications: true', async () => {
		await runHelloAnnie(sandbox, { ...close, skipNotifications: true });
		expect(requests()[0].body).toEqual({ skipNotifications: true });
	});

	test('closing again answers the current status (the page calls the endpoint idempotent)', async () => {
		await runHelloAnnie(sandbox, close);
		const again = await runHelloAnnie(sandbox, close);
		expect(again.items[0].json).toEqual({ conversationId: open.conversationId, status: 'CLOSED' });
		expect(requests()).toHaveLength(2);
	});

	test('a transient 500 is retried, as the page documents the close as idempotent', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: `/conversations/${open.conversationId}/close`,
			fault: { status: 500 },
		});
		const result = await runHelloAnnie(sandbox, close);
		expect(requests().map((r) => r.status)).toEqual([500, 200]);
		expect(result.items[0].json.status).toBe('CLOSING');
	});

	test('an unknown conversation gives the 404 message after one request', async () => {
		const result = await runHelloAnnie(sandbox, {
			...close,
			conversationId: '00000000-0000-4000-8000-000000000000',
		});
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toMatch(/^HelloAnnie could not find it \(HTTP 404\)/);
		expect(requests()).toHaveLength(1);
	});

	test('a Conversation ID that is not an ID is refused before sending', async () => {
		const result = await runHelloAnnie(sandbox, { ...close, conversationId: 'abc' });
		expect(result.error?.message).toBe(
			'Conversation ID (conversationId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		);
		expect(requests()).toHaveLength(0);
	});
});

describe('Conversation → Create', () => {
	const example = HELLOANNIE_CREATE_CONVERSATION_EXAMPLE.parameters;
	const sms = { ...example, medium: 'SMS', messages: {}, additionalFields: {} };

	/** Calling hours that are closed now: one hour, twelve hours from now, every day, in UTC. */
	const closedNow = () => {
		const opens = new Date(Date.now() + 12 * 3600_000);
		const clock = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:00`;
		return {
			hours: {
				timeZone: 'UTC',
				earliest: clock(opens),
				latest: clock(new Date(opens.getTime() + 3600_000)),
				days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
			},
		};
	};

	test('sends the documentation example field for field and outputs the new conversation with its messages', async () => {
		const result = await runHelloAnnie(sandbox, example);
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/conversations');
		expect(request.rawBody).toBe(JSON.stringify(HELLOANNIE_CREATE_CONVERSATION_EXAMPLE.body));
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toMatchObject({
			conversationId: expect.stringMatching(UUID),
			medium: 'CHAT',
			botId: example.botId,
			toNumber: example.toNumber,
			status: 'OPEN',
		});
		const messages = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getMessages',
			conversationId: result.items[0].json.conversationId,
			returnAll: true,
		});
		expect(messages.items.map((i) => [i.json.role, i.json.content])).toEqual([
			['user', 'Hi, I would like to book a cleaning.'],
		]);
	});

	test('only Medium and Bot: the other fields are not sent; a message entry left empty is dropped', async () => {
		await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'create',
			medium: 'CHAT',
			botId: F.bots[1].id,
			toNumber: '',
			messages: {
				message: [
					{ role: '', input: '' },
					{ role: 'assistant', input: 'Welcome back!' },
				],
			},
		});
		expect(requests()[0].rawBody).toBe(
			JSON.stringify({
				medium: 'CHAT',
				botId: F.bots[1].id,
				messages: [{ role: 'assistant', input: 'Welcome back!' }],
			}),
		);
	});

	test('To Number written without country code is completed by Options → Default Country Code', async () => {
		await runHelloAnnie(sandbox, {
			...sms,
			toNumber: '(555) 987-6543',
			requestOptions: { defaultCountryCode: '+1' },
		});
		expect(requests()[0].body).toEqual({
			medium: 'SMS',
			botId: example.botId,
			toNumber: '+15559876543',
		});
	});

	test('SMS texts a patient: outside Calling Hours nothing is sent and the item comes out skipped', async () => {
		const result = await runHelloAnnie(sandbox, {
			...sms,
			requestOptions: { callingHours: closedNow() },
		});
		expect(requests()).toHaveLength(0);
		expect(result.items[0].json).toMatchObject({
			skipped: true,
			skipReason: 'outsideCallingHours',
			timeZone: 'UTC',
		});
	});

	test('a chat texts nobody: Calling Hours and the Deduplication Key do not hold it back', async () => {
		const result = await runHelloAnnie(
			sandbox,
			{ ...example, requestOptions: { callingHours: closedNow(), deduplicationKey: 'chat-1' } },
			{ items: [{}, {}] },
		);
		expect(requests()).toHaveLength(2);
		expect(result.items.map((i) => i.json.status)).toEqual(['OPEN', 'OPEN']);
	});

	test('SMS with a Deduplication Key: the same key a second time is skipped as duplicate', async () => {
		const result = await runHelloAnnie(
			sandbox,
			{ ...sms, requestOptions: { deduplicationKey: '={{ $json.appointmentId }}' } },
			{ items: [{ appointmentId: 'appt-1' }, { appointmentId: 'appt-1' }] },
		);
		expect(requests()).toHaveLength(1);
		expect(result.items.map((i) => i.json.skipReason ?? i.json.status)).toEqual([
			'OPEN',
			'duplicate',
		]);
	});

	test('a 500 answer is not retried and says the conversation may or may not have been created', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/conversations',
			method: 'POST',
			fault: { status: 500, body: { success: false, message: 'Internal error' } },
		});
		const result = await runHelloAnnie(sandbox, sms);
		expect(requests()).toHaveLength(1);
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toBe(
			'HelloAnnie failed (HTTP 500): Internal error. The request may or may not have been processed',
		);
		expect(result.error?.description).toContain('Check with Conversation → Get Many');
	});

	test("an unknown bot gives the provider's 404 message", async () => {
		const result = await runHelloAnnie(sandbox, {
			...example,
			botId: '00000000-0000-4000-8000-000000000000',
		});
		expect(result.error?.message).toMatch(
			/^HelloAnnie could not find it \(HTTP 404\): Bot not found/,
		);
	});

	test.each([
		[
			'a medium other than CHAT or SMS',
			{ medium: 'CALL' },
			'Medium (medium) is not one of the allowed values: use one of CHAT, SMS',
		],
		[
			'a bot that is not an ID',
			{ botId: 'front desk' },
			'Bot (botId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
		['a number without country code', { toNumber: '555' }, `To Number (toNumber) ${PHONE_RULE}`],
		[
			'an idle timeout of 0 minutes',
			{ additionalFields: { idleTimeoutMinutes: 0 } },
			'Additional Fields → Idle Timeout Minutes (additionalFields.idleTimeoutMinutes) is too small: enter 1 or more',
		],
		[
			'a maximum of 1.5 minutes',
			{ additionalFields: { maxOpenMinutes: 1.5 } },
			'Additional Fields → Max Open Minutes (additionalFields.maxOpenMinutes) is a decimal number, not a whole number: enter a whole number',
		],
		[
			'a message text that is a list',
			{ messages: { message: [{ role: 'user', input: '={{ [1, 2] }}' }] } },
			'Messages → Input (messages.0.input) is a list, not a text: enter a text',
		],
	])('%s is refused before sending', async (_case, change, expected) => {
		const result = await runHelloAnnie(sandbox, { ...example, ...change });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(expected);
		expect(requests()).toHaveLength(0);
	});
});
