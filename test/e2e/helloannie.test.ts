/**
 * Every HelloAnnie operation run inside a real n8n 2.41.1 (the packed package installed as a
 * community package) against the sandbox: the items n8n got out of the node, and the exact
 * request the sandbox received. Setup: global-setup.ts; helpers: support.ts.
 */
import type { IDataObject } from 'n8n-workflow';
import { NODE_TYPES } from '../harness/project';
import { PHONE_RULE as SHARED_PHONE_RULE } from '../../nodes/shared/phone';
import {
	HELLOANNIE_CLOSE_CONVERSATION_BODY,
	HELLOANNIE_CREATE_BOT_EXAMPLE,
	HELLOANNIE_CREATE_CONVERSATION_EXAMPLE,
	HELLOANNIE_EXAMPLE_APPOINTMENT,
	HELLOANNIE_EXAMPLE_CONTEXT,
	HELLOANNIE_START_CALL_EXAMPLE,
	HELLOANNIE_UPDATE_BOT_FIELDS,
} from '../fixtures/documentation-examples';
import { executionError, expectBearer, UUID, wire, operationSuite } from './support';

const FROM = '+15551234567';
/** From Number is a resource locator: what the editor saves when the number is typed in. */
const FROM_NUMBER = { __rl: true, mode: 'number', value: FROM };
const WRONG_KEY_PATTERN = /HelloAnnie did not accept the API key \(HTTP 401\)/;
/** The item of a placed call or SMS: HelloAnnie's answer, and not skipped (a skipped one has skipped: true). */
const PLACED = { conversationId: expect.stringMatching(UUID), skipped: false, skipReason: null };

const suite = operationSuite('helloannie', { type: NODE_TYPES.helloAnnie, name: 'HelloAnnie' });

// One workflow run takes well under a second; the margin is for slow CI machines.
jest.setTimeout(120_000);

describe('Call → Start', () => {
	test('maps the item through expressions and posts the documented body', async () => {
		const { execution, output, requests } = await suite.run(
			'call start',
			[
				{
					phone: '+1 (555) 987-6543',
					first: 'Sarah',
					last: 'Johnson',
					dob: '1988-03-22',
					pid: 'PAT-10432',
					start: '2025-03-10T15:00:00-06:00',
				},
			],
			{
				resource: 'call',
				operation: 'start',
				fromNumber: FROM_NUMBER,
				toNumber: '={{ $json.phone }}',
				patientInfo: {
					firstName: '={{ $json.first }}',
					lastName: '={{ $json.last }}',
					dateOfBirth: '={{ $json.dob }}',
					patientId: '={{ $json.pid }}',
				},
				appointmentInfo: { ...HELLOANNIE_EXAMPLE_APPOINTMENT, startTime: '={{ $json.start }}' },
				context: HELLOANNIE_EXAMPLE_CONTEXT,
				voicemailMessage: 'Hi Sarah, please call Bright Smiles Dental back to confirm.',
			},
		);
		expect(execution.status).toBe('success');
		expect(output).toHaveLength(1);
		expect(output[0].json).toEqual(PLACED);
		expect(output[0].pairedItem).toEqual({ item: 0 });

		expect(requests).toHaveLength(1);
		expect(wire(requests[0])).toEqual({
			method: 'POST',
			path: '/calls',
			query: {},
			// The page's example, and the voicemail message its newer version adds.
			body: {
				...HELLOANNIE_START_CALL_EXAMPLE.body,
				voicemailMessage: 'Hi Sarah, please call Bright Smiles Dental back to confirm.',
			},
		});
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].headers['content-type']).toMatch(/^application\/json/);
		expect(requests[0].valid).toBe(true);
		expect(requests[0].status).toBe(200);
	});
});

describe("expressions in n8n's own engine", () => {
	// The node reads an item's fields with one evaluation (nodes/shared/parameters.ts); in the
	// real n8n that is its isolated expression engine. What it sends must be what each field's
	// expression gives, and a field whose expression fails must fail as n8n makes it fail.
	const parameters = (toNumber: string) => ({
		resource: 'call',
		operation: 'start',
		fromNumber: FROM_NUMBER,
		toNumber,
		patientInfo: {
			firstName: '={{ ($json.name ?? $("Nowhere").item.json.name).split(" ")[0] }}',
			lastName: '={{ $json.name.split(" ").slice(1).join(" ") }}',
			dateOfBirth: '={{ $json.dob }}',
			patientId: '={{ "PAT-" + ($itemIndex + 100) }}',
		},
		appointmentInfo: {
			startTime:
				'={{ DateTime.fromISO($json.start, { setZone: true }).plus({ days: 1 }).toISO() }}',
			appointmentId: '={{ $json.ids[1] }}',
		},
		context: '=Appointment {{ $itemIndex + 1 }} for {{ $json.name }}',
		voicemailMessage: '={{ `Hi ${$json.name.toUpperCase()}, please call us back.` // shouted\n }}',
	});
	const items = [
		{
			phone: '+1 555 987 6543',
			name: 'Sarah Ann Johnson',
			dob: '1988-03-22',
			start: '2025-03-10T15:00:00-06:00',
			ids: ['a', '81260683'],
		},
		{ phone: '+15550001111', dob: '1990-01-01', start: '2025-03-11T09:00:00+01:00', ids: [] },
		{
			phone: '+1 (555) 222-3333',
			name: 'Li Wei',
			dob: '1975-12-31',
			start: '2025-03-12T08:30:00Z',
			ids: ['b', 'APT-2'],
		},
	];
	const expected = [
		{
			toNumber: '+15559876543',
			patientInfo: {
				firstName: 'Sarah',
				lastName: 'Ann Johnson',
				dateOfBirth: '1988-03-22T00:00:00.000Z',
				patientId: 'PAT-100',
			},
			appointmentInfo: { startTime: '2025-03-11T15:00:00-06:00', appointmentId: '81260683' },
			context: 'Appointment 1 for Sarah Ann Johnson',
			voicemailMessage: 'Hi SARAH ANN JOHNSON, please call us back.',
		},
		{
			toNumber: '+15552223333',
			patientInfo: {
				firstName: 'Li',
				lastName: 'Wei',
				dateOfBirth: '1975-12-31T00:00:00.000Z',
				patientId: 'PAT-102',
			},
			appointmentInfo: { startTime: '2025-03-13T08:30:00Z', appointmentId: 'APT-2' },
			context: 'Appointment 3 for Li Wei',
			voicemailMessage: 'Hi LI WEI, please call us back.',
		},
	];

	test.each([
		['combined', '={{ $json.phone.replace(/ /g, "") }}'],
		// A trailing semicolon cannot go inside the combined expression: read field by field.
		['field by field', '={{ $json.phone.replace(/ /g, ""); }}'],
	])(
		'%s: the values each expression gives; an item whose expression fails is an error item',
		async (_, toNumber) => {
			const { execution, output, requests } = await suite.run(
				'call start expressions',
				items,
				parameters(toNumber),
				{
					onError: 'continueRegularOutput',
				},
			);
			expect(execution.status).toBe('success');
			// Sent in parallel (Requests in Parallel), so compared in the order of their numbers.
			const byNumber = (a: IDataObject, b: IDataObject) =>
				String(a.toNumber).localeCompare(String(b.toNumber));
			expect(requests.map((request) => wire(request).body as IDataObject).sort(byNumber)).toEqual(
				expected.map((body): IDataObject => ({ fromNumber: FROM, ...body })).sort(byNumber),
			);
			expect(output.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 1 },
				{ item: 2 },
			]);
			expect(output[0].json).toEqual(PLACED);
			// The second item has no name, and its First Name expression then refers to a node that
			// is not there: n8n's own error for it.
			expect(output[1].json.error).toMatch(/Referenced node doesn't exist/);
			expect(output[2].json).toEqual(PLACED);
		},
	);
});

describe('SMS → Start Conversation', () => {
	test('sends one request per item, each output item paired to its input', async () => {
		const { execution, output, requests } = await suite.run(
			'sms start',
			[
				{ phone: '+15559876543', name: 'Sarah' },
				{ phone: '0044 20 7946 0958', name: 'James' },
			],
			{
				resource: 'sms',
				operation: 'startConversation',
				fromNumber: FROM_NUMBER,
				toNumber: '={{ $json.phone }}',
				message:
					'=Hi {{ $json.name }}, this is Annie from Bright Smiles Dental. Reply YES to confirm your cleaning.',
				patientInfo: { firstName: '={{ $json.name }}' },
			},
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output.map((item) => item.json)).toEqual([PLACED, PLACED]);
		// Sent in parallel (Requests in Parallel), so they may arrive in either order: compared in
		// the order of their numbers, which is the items' order here.
		const byNumber = [...requests].sort((a, b) =>
			String((a.body as { toNumber: string }).toNumber).localeCompare(
				String((b.body as { toNumber: string }).toNumber),
			),
		);
		expect(byNumber.map(wire)).toEqual([
			{
				method: 'POST',
				path: '/sms',
				query: {},
				body: {
					fromNumber: FROM,
					toNumber: '+15559876543',
					message:
						'Hi Sarah, this is Annie from Bright Smiles Dental. Reply YES to confirm your cleaning.',
					patientInfo: { firstName: 'Sarah' },
				},
			},
			{
				method: 'POST',
				path: '/sms',
				query: {},
				body: {
					fromNumber: FROM,
					toNumber: '+442079460958',
					message:
						'Hi James, this is Annie from Bright Smiles Dental. Reply YES to confirm your cleaning.',
					patientInfo: { firstName: 'James' },
				},
			},
		]);
		for (const request of requests) {
			expectBearer(request, suite.fixtures.apiKey);
			expect(request.valid).toBe(true);
		}
	});
});

describe('Phone Number', () => {
	test('Create buys a number in the area code and returns it', async () => {
		const recallBot = suite.ctx.fixtures.bots[1].id;
		const { execution, output, requests } = await suite.run('phone create', [{}], {
			resource: 'phoneNumber',
			operation: 'create',
			orgId: suite.ctx.fixtures.orgId,
			botId: { __rl: true, mode: 'list', value: recallBot },
			name: 'Recall line',
			language: 'SPANISH',
			voiceId: 'CALM_REASSURING',
			additionalFields: { areaCode: '512', callbackForwardingNumber: '+1 555 000 1111' },
		});
		expect(execution.status).toBe('success');
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({
			id: expect.stringMatching(UUID),
			number: expect.stringMatching(/^\+1512\d{7}$/),
			botId: recallBot,
			name: 'Recall line',
			language: 'SPANISH',
			voiceId: 'CALM_REASSURING',
			callbackForwardingNumber: '+15550001111',
		});
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: '/phone-numbers',
				query: {},
				body: {
					orgId: suite.ctx.fixtures.orgId,
					botId: recallBot,
					name: 'Recall line',
					language: 'SPANISH',
					voiceId: 'CALM_REASSURING',
					areaCode: '512',
					callbackForwardingNumber: '+15550001111',
				},
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);
	});

	test('Get Many returns one item per number, up to the limit', async () => {
		const all = await suite.run('phone get many', [{}], {
			resource: 'phoneNumber',
			operation: 'getAll',
			returnAll: true,
		});
		expect(all.execution.status).toBe('success');
		expect(all.output.map((item) => item.json.number)).toEqual(
			suite.ctx.fixtures.phoneNumbers.map((p) => p.number),
		);
		expect(all.output[0].json).toEqual(suite.ctx.fixtures.phoneNumbers[0]);
		expect(all.requests.map(wire)).toEqual([
			{ method: 'GET', path: '/phone-numbers', query: {}, body: undefined },
		]);
		expectBearer(all.requests[0], suite.fixtures.apiKey);

		await suite.ctx.sandbox.reset();
		const limited = await suite.run('phone get many limit', [{}], {
			resource: 'phoneNumber',
			operation: 'getAll',
			returnAll: false,
			limit: 1,
		});
		expect(limited.output.map((item) => item.json.id)).toEqual([
			suite.ctx.fixtures.phoneNumbers[0].id,
		]);
		expect(limited.requests).toHaveLength(1);
	});

	test('Attach to Bot moves a number to another bot', async () => {
		const [frontDesk] = suite.ctx.fixtures.bots;
		const spanishLine = suite.ctx.fixtures.phoneNumbers[1];
		const { execution, output, requests } = await suite.run(
			'phone attach',
			[{ numberId: spanishLine.id, botId: frontDesk.id }],
			{
				resource: 'phoneNumber',
				operation: 'attach',
				phoneNumberId: '={{ $json.numberId }}',
				botId: { __rl: true, mode: 'id', value: '={{ $json.botId }}' },
			},
		);
		expect(execution.status).toBe('success');
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({
			id: spanishLine.id,
			number: spanishLine.number,
			botId: frontDesk.id,
		});
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: `/phone-numbers/${spanishLine.id}/attach`,
				query: {},
				body: { botId: frontDesk.id },
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);
	});
});

describe('Phone Number name', () => {
	test('Create refuses a name outside the documented characters before anything is sent', async () => {
		const { execution, requests } = await suite.run('phone create bad name', [{}], {
			resource: 'phoneNumber',
			operation: 'create',
			orgId: suite.ctx.fixtures.orgId,
			botId: { __rl: true, mode: 'id', value: suite.ctx.fixtures.bots[0].id },
			name: 'Línea principal',
			language: 'SPANISH',
			voiceId: 'CALM_REASSURING',
		});
		expect(execution.status).toBe('error');
		expect(executionError(execution)).toMatchObject({
			message:
				"Name (name) has characters HelloAnnie does not accept: use only letters A-Z, digits, spaces and . , _ ' ( ) & # + / : ; -",
			node: 'HelloAnnie',
		});
		expect(requests).toEqual([]);
	});
});

describe('Conversation', () => {
	test('Get returns the conversation', async () => {
		const { archived, parentConversationId, ...call } = suite.ctx.fixtures.conversations[0];
		expect({ archived, parentConversationId }).toEqual({
			archived: false,
			parentConversationId: null,
		});
		const { execution, output, requests } = await suite.run(
			'conversation get',
			[{ id: call.conversationId }],
			{
				resource: 'conversation',
				operation: 'get',
				conversationId: '={{ $json.id }}',
			},
		);
		expect(execution.status).toBe('success');
		// The conversation as HelloAnnie gives it, with the shared vocabulary: CLOSED is ended,
		// how is not documented (docs/call-outcomes.md#helloannie).
		expect(output.map((item) => item.json)).toEqual([
			{
				...call,
				callEnded: true,
				endReason: 'unknown',
				callBackAt: null,
				outcome: null,
				summary: call.summary,
				durationSeconds: null,
			},
		]);
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: `/conversations/${call.conversationId}`, query: {}, body: undefined },
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
	});

	test('Get Many passes the filters and the limit as the page size', async () => {
		const frontDesk = suite.ctx.fixtures.bots[0].id;
		const filtered = await suite.run('conversation get many', [{}], {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: false,
			limit: 2,
			filters: { botId: frontDesk },
		});
		expect(filtered.execution.status).toBe('success');
		// Archived conversations and the child organization's stay hidden unless asked for.
		expect(filtered.output.map((item) => item.json.conversationId)).toEqual([
			suite.ctx.fixtures.conversations[0].conversationId,
		]);
		expect(filtered.requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/conversations',
				query: { offset: '0', limit: '2', botId: frontDesk },
				body: undefined,
			},
		]);
		expectBearer(filtered.requests[0], suite.fixtures.apiKey);
		expect(filtered.requests[0].valid).toBe(true);

		await suite.ctx.sandbox.reset();
		const everything = await suite.run('conversation get many all', [{}], {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: true,
			filters: { includeArchived: true, includeChildren: true },
		});
		expect(everything.output).toHaveLength(suite.ctx.fixtures.conversations.length);
		expect(everything.requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/conversations',
				query: { offset: '0', limit: '100', includeArchived: 'true', includeChildren: 'true' },
				body: undefined,
			},
		]);
	});

	test('Get Messages returns one item per message', async () => {
		const sms = suite.ctx.fixtures.conversations[1];
		const messages = suite.ctx.fixtures.messages.filter(
			(m) => m.conversationId === sms.conversationId,
		);
		const { execution, output, requests } = await suite.run('conversation messages', [{}], {
			resource: 'conversation',
			operation: 'getMessages',
			conversationId: sms.conversationId,
			returnAll: true,
		});
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.json)).toEqual(messages);
		expect(output.map((item) => item.pairedItem)).toEqual(messages.map(() => ({ item: 0 })));
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: `/conversations/${sms.conversationId}/messages`,
				query: {},
				body: undefined,
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
	});
});

describe('Conversation → Close and Create', () => {
	test('Close posts skipNotifications, outputs the status, and the conversation then reads CLOSED', async () => {
		const open = suite.ctx.fixtures.conversations[1];
		const { execution, output, requests } = await suite.run(
			'conversation close',
			[{ id: open.conversationId }],
			{
				resource: 'conversation',
				operation: 'close',
				conversationId: '={{ $json.id }}',
			},
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.json)).toEqual([
			{ conversationId: open.conversationId, status: 'CLOSING' },
		]);
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: `/conversations/${open.conversationId}/close`,
				query: {},
				body: HELLOANNIE_CLOSE_CONVERSATION_BODY,
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);

		const read = await suite.run('conversation closed', [{}], {
			resource: 'conversation',
			operation: 'get',
			conversationId: open.conversationId,
		});
		expect(read.output[0].json).toMatchObject({
			conversationId: open.conversationId,
			status: 'CLOSED',
		});
	});

	test('Create posts the documented body, mapped from the item, and outputs the new conversation', async () => {
		const example = HELLOANNIE_CREATE_CONVERSATION_EXAMPLE.parameters;
		const { execution, output, requests } = await suite.run(
			'conversation create',
			[{ bot: example.botId, phone: '+1 (555) 987-6543', text: example.messages.message[0].input }],
			{
				...example,
				botId: { __rl: true, mode: 'id', value: '={{ $json.bot }}' },
				toNumber: '={{ $json.phone }}',
				messages: { message: [{ role: 'user', input: '={{ $json.text }}' }] },
			},
		);
		expect(execution.status).toBe('success');
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({
			conversationId: expect.stringMatching(UUID),
			medium: 'CHAT',
			botId: example.botId,
			status: 'OPEN',
		});
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(requests.map(wire)).toEqual([
			{
				method: 'POST',
				path: '/conversations',
				query: {},
				body: HELLOANNIE_CREATE_CONVERSATION_EXAMPLE.body,
			},
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
		expect(requests[0].valid).toBe(true);
	});

	test('Create as SMS keeps to Calling Hours: outside them nothing is sent and the item is skipped', async () => {
		const opens = new Date(Date.now() + 12 * 3600_000);
		const clock = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:00`;
		const { execution, output, requests } = await suite.run(
			'conversation create sms closed',
			[{}],
			{
				...HELLOANNIE_CREATE_CONVERSATION_EXAMPLE.parameters,
				medium: 'SMS',
				requestOptions: {
					callingHours: {
						hours: {
							timeZone: 'UTC',
							earliest: clock(opens),
							latest: clock(new Date(opens.getTime() + 3600_000)),
							days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
						},
					},
				},
			},
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.json)).toEqual([
			expect.objectContaining({
				skipped: true,
				skipReason: 'outsideCallingHours',
				timeZone: 'UTC',
			}),
		]);
		expect(requests).toEqual([]);
	});
});

describe('Bot', () => {
	test('Create posts the documented body; Update then changes that bot and Get Many lists it', async () => {
		const created = await suite.run('bot create', [{}], HELLOANNIE_CREATE_BOT_EXAMPLE.parameters);
		expect(created.execution.status).toBe('success');
		const bot = created.output[0].json;
		expect(bot).toMatchObject({
			id: expect.stringMatching(UUID),
			name: 'Alex',
			industry: 'DENTAL',
			outbound: false,
		});
		expect(created.requests.map(wire)).toEqual([
			{ method: 'POST', path: '/bots', query: {}, body: HELLOANNIE_CREATE_BOT_EXAMPLE.body },
		]);
		expectBearer(created.requests[0], suite.fixtures.apiKey);
		expect(created.requests[0].valid).toBe(true);

		const updated = await suite.run('bot update', [{ id: bot.id }], {
			resource: 'bot',
			operation: 'update',
			botId: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
			updateFields: HELLOANNIE_UPDATE_BOT_FIELDS,
		});
		expect(updated.execution.status).toBe('success');
		expect(updated.output.map((item) => item.json)).toEqual([
			expect.objectContaining({
				id: bot.id,
				name: 'Steve',
				industry: 'PEDIATRIC_DENTISTRY',
				outbound: true,
			}),
		]);
		// A run's request list holds everything the sandbox received since the test began.
		const patched = updated.requests.slice(created.requests.length);
		expect(patched.map(wire)).toEqual([
			{
				method: 'PATCH',
				path: `/bots/${String(bot.id)}`,
				query: {},
				body: HELLOANNIE_UPDATE_BOT_FIELDS,
			},
		]);
		expect(patched[0].valid).toBe(true);

		const listed = await suite.run('bot get many', [{}], {
			resource: 'bot',
			operation: 'getAll',
			returnAll: true,
		});
		expect(listed.output.map((item) => item.json.id)).toEqual([
			...suite.ctx.fixtures.bots.map((b) => b.id),
			bot.id,
		]);
		expect(listed.requests.slice(updated.requests.length).map(wire)).toEqual([
			{ method: 'GET', path: '/bots', query: {}, body: undefined },
		]);
	});

	test('Get outputs one bot; an ID the organization does not have fails the execution naming Bot', async () => {
		const [, recall] = suite.ctx.fixtures.bots;
		const found = await suite.run('bot get', [{}], {
			resource: 'bot',
			operation: 'get',
			botId: { __rl: true, mode: 'list', value: recall.id },
		});
		expect(found.output.map((item) => item.json)).toEqual([recall]);
		const missing = await suite.run('bot get unknown', [{}], {
			resource: 'bot',
			operation: 'get',
			botId: { __rl: true, mode: 'id', value: '00000000-0000-4000-8000-000000000000' },
		});
		expect(missing.execution.status).toBe('error');
		expect(executionError(missing.execution)).toMatchObject({
			message:
				"Bot (botId) is not one of the bots this API key's organization has: choose the bot from the list, or check the ID",
			node: 'HelloAnnie',
		});
	});
});

describe("From Number and Bot lists (the editor's resource locator search)", () => {
	/** What the editor posts when a "From List" dropdown opens or its search box changes. */
	async function search(
		path: string,
		methodName: string,
		parameters: Record<string, unknown>,
		filter?: string,
	) {
		const credential = suite.ctx.state.credentials.helloAnnie;
		return await suite.ctx.n8n.rest<{ results: Array<{ name: string; value: string }> }>(
			'POST',
			'/rest/dynamic-node-parameters/resource-locator-results',
			{
				path,
				methodName,
				filter,
				nodeTypeAndVersion: { name: NODE_TYPES.helloAnnie, version: 1 },
				// As the editor sends them: with every default filled in, Authentication included
				// (n8n offers a credential only where its Authentication choice shows it).
				currentNodeParameters: { authentication: 'apiKey', ...parameters },
				credentials: { [credential.type]: { id: credential.id, name: credential.name } },
			},
		);
	}

	test("From Number lists the account's numbers, filtered by the search text", async () => {
		const parameters = {
			resource: 'call',
			operation: 'start',
			fromNumber: { __rl: true, mode: 'list', value: '' },
		};
		const all = await search('parameters.fromNumber', 'searchPhoneNumbers', parameters);
		expect(all.results).toEqual(
			suite.ctx.fixtures.phoneNumbers.map((p) => ({
				name: `${p.name} (${p.number})`,
				value: p.number,
			})),
		);
		const filtered = await search(
			'parameters.fromNumber',
			'searchPhoneNumbers',
			parameters,
			'main',
		);
		expect(filtered.results.map((r) => r.value)).toEqual([FROM]);
		const requests = await suite.ctx.sandbox.requests();
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: '/phone-numbers', query: {}, body: undefined },
			{ method: 'GET', path: '/phone-numbers', query: {}, body: undefined },
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
	});

	test("Bot lists the account's bots", async () => {
		const parameters = {
			resource: 'phoneNumber',
			operation: 'attach',
			botId: { __rl: true, mode: 'list', value: '' },
		};
		const { results } = await search('parameters.botId', 'searchBots', parameters);
		expect(results).toEqual(suite.ctx.fixtures.bots.map((b) => ({ name: b.name, value: b.id })));
		const requests = await suite.ctx.sandbox.requests();
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: '/bots', query: {}, body: undefined },
		]);
		expect(requests[0].valid).toBe(true);
		expectBearer(requests[0], suite.fixtures.apiKey);
	});
});

describe('errors', () => {
	const smsParameters = {
		resource: 'sms',
		operation: 'startConversation',
		fromNumber: FROM_NUMBER,
		toNumber: '={{ $json.phone }}',
		message: 'Hi, this is Annie from Bright Smiles Dental.',
	};
	const callParameters = {
		resource: 'call',
		operation: 'start',
		fromNumber: FROM_NUMBER,
		toNumber: '={{ $json.phone }}',
	};
	// The node's own rule text (nodes/shared/phone.ts), as the node reports it for To Number.
	const PHONE_RULE = `To Number (toNumber) ${SHARED_PHONE_RULE}`;

	test('continue on fail: a bad phone number becomes an error item paired to its input; the others are sent', async () => {
		const { execution, output, requests } = await suite.run(
			'sms bad phone continue',
			[{ phone: '+15559876543' }, { phone: '555-0142' }, { phone: '+15553332222' }],
			smsParameters,
			{ onError: 'continueRegularOutput' },
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toEqual(PLACED);
		expect(output[1].json).toEqual({
			error: PHONE_RULE,
			details: { description: 'Nothing was sent for this item.' },
		});
		expect(output[2].json).toEqual(PLACED);
		// The refused item never reached HelloAnnie (the others were sent in parallel, in any order).
		expect(requests.map((r) => (r.body as { toNumber: string }).toNumber).sort()).toEqual([
			'+15553332222',
			'+15559876543',
		]);
	});

	test('continue on fail: an injected 500 on a create is reported, not retried, and the next item goes on', async () => {
		await suite.ctx.sandbox.inject({
			provider: 'helloannie',
			method: 'POST',
			path: '/calls',
			times: 1,
			fault: { status: 500 },
		});
		const { execution, output, requests } = await suite.run(
			'call 500 continue',
			[{ phone: '+15559876543' }, { phone: '+15553332222' }],
			callParameters,
			{ onError: 'continueRegularOutput' },
		);
		expect(execution.status).toBe('success');
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0].json).toMatchObject({
			error:
				'HelloAnnie failed (HTTP 500): Internal server error. The request may or may not have been processed',
			details: {
				httpCode: '500',
				description: expect.stringMatching(/it was not sent again, so it cannot happen twice/),
			},
		});
		expect(output[1].json).toEqual(PLACED);
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/calls', 500],
			['POST', '/calls', 200],
		]);
	});

	test("stop on fail: an injected 500 fails the execution with the node's message", async () => {
		await suite.ctx.sandbox.inject({
			provider: 'helloannie',
			method: 'POST',
			path: '/calls',
			times: 1,
			fault: { status: 500 },
		});
		const { execution, requests } = await suite.run(
			'call 500 stop',
			[{ phone: '+15559876543' }, { phone: '+15553332222' }],
			// One request at a time: with more in parallel the next row may already be on its way.
			{ ...callParameters, requestOptions: { requestsInParallel: 1 } },
		);
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toBe(
			'HelloAnnie failed (HTTP 500): Internal server error. The request may or may not have been processed',
		);
		expect(error.description).toMatch(
			/Check with Conversation → Get Many before running this item again/,
		);
		expect(error.node).toBe('HelloAnnie');
		expect(execution.data.resultData.lastNodeExecuted).toBe('HelloAnnie');
		// The first item failed: the second was never sent.
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([['POST', '/calls', 500]]);
	});

	test('stop on fail: a bad phone number fails the execution before anything is sent', async () => {
		const { execution, requests } = await suite.run(
			'sms bad phone stop',
			[{ phone: '555-0142' }],
			smsParameters,
		);
		expect(execution.status).toBe('error');
		expect(executionError(execution)).toMatchObject({ message: PHONE_RULE, node: 'HelloAnnie' });
		expect(requests).toEqual([]);
	});

	test("a credential with a wrong key fails with the node's 401 message", async () => {
		const { execution, requests } = await suite.run(
			'wrong key',
			[{}],
			{ resource: 'phoneNumber', operation: 'getAll', returnAll: true },
			{ credential: suite.ctx.state.credentials.helloAnnieWrongKey },
		);
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toMatch(WRONG_KEY_PATTERN);
		expect(error.description).toBe('Check the API key and the Base URL in the credential.');
		// A 401 is final: not retried.
		expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', '/phone-numbers', 401],
		]);
	});

	/**
	 * "On Error: Continue (using error output)" routes an item to the error output only when
	 * `item.error` is set or its json holds nothing but error/message/details
	 * (n8n-core WorkflowExecute.handleNodeErrorOutput): the node's error items are
	 * `{ error, details }`.
	 */
	test('continue using error output: a refused item goes to the error output', async () => {
		const { execution, requests } = await suite.run(
			'sms error output',
			[{ phone: '555-0142' }, { phone: '+15559876543' }],
			smsParameters,
			{ onError: 'continueErrorOutput' },
		);
		expect(execution.status).toBe('success');
		const run = execution.data.resultData.runData.HelloAnnie[0];
		const [success, failed] = run.data?.main ?? [];
		expect(success?.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		expect(failed?.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(failed?.[0].json.error).toBe(PHONE_RULE);
		expect(requests).toHaveLength(1);
	});
});

describe('credential test through n8n (POST /rest/credentials/test)', () => {
	/**
	 * As the editor tests a saved credential: it holds the data redacted (no API key) and sends it
	 * back; n8n puts the stored secret in before testing.
	 */
	async function testStored(credential: typeof suite.ctx.state.credentials.helloAnnie) {
		const stored = await suite.ctx.n8n.rest<{ data: Record<string, string> }>(
			'GET',
			`/rest/credentials/${credential.id}?includeData=true`,
		);
		expect(stored.data.baseUrl).toBe(suite.ctx.state.helloAnnieBaseUrl);
		return await suite.ctx.n8n.testCredential(credential, stored.data);
	}

	test('the stored sandbox credential passes; the sandbox saw the read-only test request', async () => {
		const result = await testStored(suite.ctx.state.credentials.helloAnnie);
		expect(result.status).toBe('OK');
		const requests = await suite.ctx.sandbox.requests();
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: '/phone-numbers', query: {}, body: undefined },
		]);
		expectBearer(requests[0], suite.fixtures.apiKey);
	});

	test('a wrong key fails, stored or typed into the form', async () => {
		const stored = await testStored(suite.ctx.state.credentials.helloAnnieWrongKey);
		expect(stored.status).toBe('Error');

		const typed = await suite.ctx.n8n.testCredential(suite.ctx.state.credentials.helloAnnie, {
			apiKey: 'annie-sk-v1-typo',
			baseUrl: suite.ctx.state.helloAnnieBaseUrl,
		});
		expect(typed.status).toBe('Error');
		expect(typed.message).toMatch(/401|Unauthorized|Authorization failed/i);

		// n8n may send a failing test request more than once; each one was refused by the sandbox,
		// and the typed key (not the stored one) is what went out for the second test.
		const requests = await suite.ctx.sandbox.requests();
		expect(requests.length).toBeGreaterThanOrEqual(2);
		for (const request of requests)
			expect([request.method, request.path, request.status]).toEqual([
				'GET',
				'/phone-numbers',
				401,
			]);
		expectBearer(requests[requests.length - 1], 'annie-sk-v1-typo');
	});
});

describe('phone numbers from a spreadsheet (numbers, not text)', () => {
	const parameters = {
		resource: 'call',
		operation: 'start',
		fromNumber: '+15551234567',
		toNumber: '={{ $json.phone }}',
	};

	test('a national number is refused as a number and as text; nothing is dialed', async () => {
		const { output, requests } = await suite.run(
			'national number',
			[{ phone: 5559876543 }, { phone: '5559876543' }],
			parameters,
			{
				onError: 'continueRegularOutput',
			},
		);
		expect(requests).toEqual([]);
		expect(output.map((item) => item.json.error)).toEqual([
			`To Number (toNumber) ${SHARED_PHONE_RULE}`,
			`To Number (toNumber) ${SHARED_PHONE_RULE}`,
		]);
	});

	test('with Options → Default Country Code +1 the same numbers are dialed as +15559876543', async () => {
		const { output, requests } = await suite.run(
			'default country code',
			[{ phone: 5559876543 }, { phone: '(555) 987-6543' }],
			{
				...parameters,
				requestOptions: { defaultCountryCode: '+1' },
			},
		);
		expect(requests.map((request) => (request.body as { toNumber: string }).toNumber)).toEqual([
			'+15559876543',
			'+15559876543',
		]);
		expect(output.map((item) => typeof item.json.conversationId)).toEqual(['string', 'string']);
	});
});
