/**
 * The sandbox's own tests: each provider's documented example is accepted as the documentation
 * gives it, contract violations are refused and recorded with the failing field, auth, faults,
 * rate limiting, callbacks and webhooks behave as test/sandbox/README.md says.
 *
 * Run: npx jest test/sandbox
 */
import { createHmac } from 'node:crypto';

import {
	checkCallEnding,
	DEV_CALL_ENDING,
	drawCallEnding,
	parseCallSeconds,
	parseOutcomeWeights,
} from './callEnding';
import { startReceiver, type Receiver } from './receiver';
import { SANDBOX_FIXTURES, startSandbox, type RecordedRequest, type Sandbox } from './server';
import { mp3Recording } from './storage';
import { loadDocument } from './util';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Seed 000 (POST /calls) and 001 (POST /sms): the curl --data argument byte for byte.
const SEED_000_BODY = `
{
  "fromNumber": "+15551234567",
  "toNumber": "+15559876543",
  "patientInfo": {
    "firstName": "Sarah",
    "lastName": "Johnson",
    "dateOfBirth": "1988-03-22T00:00:00.000Z",
    "patientId": "PAT-10432"
  },
  "appointmentInfo": {
    "startTime": "2025-03-10T15:00:00-06:00",
    "endTime": "2025-03-10T15:30:00-06:00",
    "appointmentTypeId": "apt-type-cleaning",
    "appointmentDescription": "6-month routine cleaning and exam",
    "appointmentId": "81260683"
  },
  "context": "Confirming upcoming cleaning appointment scheduled for March 10th at 3:00 PM"
}
`;

const SEED_001_BODY = `
{
  "fromNumber": "+15551234567",
  "toNumber": "+15559876543",
  "message": "Hi Sarah, this is Annie from Bright Smiles Dental. We wanted to reach out about scheduling your next cleaning appointment.",
  "patientInfo": {
    "firstName": "Sarah",
    "lastName": "Johnson",
    "dateOfBirth": "1988-03-22T00:00:00.000Z",
    "patientId": "PAT-10432"
  },
  "appointmentInfo": {
    "startTime": "2025-03-10T15:00:00-06:00",
    "endTime": "2025-03-10T15:30:00-06:00",
    "appointmentTypeId": "apt-type-cleaning",
    "appointmentDescription": "6-month routine cleaning and exam",
    "appointmentId": "81260683"
  },
  "context": "Confirming upcoming cleaning appointment scheduled for March 10th at 3:00 PM"
}
`;

const SEED_004_BODY = `
{
  "orgId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "botId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "name": "<string>",
  "language": "ENGLISH",
  "voiceId": "FRIENDLY_BRIGHT",
  "verifiedCallerId": "<string>",
  "callbackForwardingNumber": "<string>"
}
`;

const ANNIE_KEY = SANDBOX_FIXTURES.helloAnnie.apiKey;

interface Answer {
	status: number;
	headers: Headers;
	text: string;
	json: unknown;
}

async function call(
	url: string,
	init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
	const response = await fetch(url, {
		method: init.method ?? 'GET',
		headers: init.headers,
		body: init.body,
	});
	const text = await response.text();
	let json: unknown;
	try {
		json = text === '' ? undefined : (JSON.parse(text) as unknown);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

/** Shorthand for reading nested JSON in assertions. */
function data<T = Record<string, unknown>>(answer: Answer): T {
	return (answer.json as { data: T }).data;
}

function last(sandbox: Sandbox): RecordedRequest {
	const request = sandbox.requests[sandbox.requests.length - 1];
	if (!request) throw new Error('no request recorded');
	return request;
}

// -------------------------------------------------------------------------------------------------

describe('HelloAnnie', () => {
	let sandbox: Sandbox;
	let base: string;
	const auth = { authorization: `Bearer ${ANNIE_KEY}` };
	const json = { ...auth, 'content-type': 'application/json' };

	beforeAll(async () => {
		sandbox = await startSandbox({ checkResponses: true });
		base = sandbox.baseUrls.helloAnnie;
	});
	afterEach(() => {
		expect(sandbox.responseProblems).toEqual([]);
		sandbox.reset();
	});
	afterAll(async () => {
		await sandbox.close();
	});

	const post = (
		path: string,
		body: unknown,
		headers: Record<string, string> = json,
	): Promise<Answer> =>
		call(base + path, {
			method: 'POST',
			headers,
			body: typeof body === 'string' ? body : JSON.stringify(body),
		});
	const get = (path: string, headers: Record<string, string> = auth): Promise<Answer> =>
		call(base + path, { headers });

	it('mounts at /helloannie/v1 on 127.0.0.1', () => {
		expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(base).toBe(`${sandbox.url}/helloannie/v1`);
	});

	it('every operation names its page on docs.helloannie.com (externalDocs)', () => {
		const document = loadDocument('helloannie.json') as unknown as {
			paths: Record<string, Record<string, { externalDocs?: { url: string } }>>;
		};
		const methods = ['get', 'put', 'post', 'patch', 'delete'];
		const pages = Object.entries(document.paths).flatMap(([route, operations]) =>
			Object.entries(operations)
				.filter(([method]) => methods.includes(method))
				.map(([method, operation]) => [
					`${method.toUpperCase()} ${route}`,
					operation.externalDocs?.url,
				]),
		);
		const reference = 'https://docs.helloannie.com/api-reference';
		expect(Object.fromEntries(pages)).toEqual({
			'POST /calls': `${reference}/calls/start-outbound-call`,
			'POST /sms': `${reference}/sms/start-outbound-sms-conversation`,
			'GET /phone-numbers': 'https://docs.helloannie.com/overview/guides/deploying/phone-numbers',
			'POST /phone-numbers': `${reference}/phone-numbers/create-phone-number`,
			'POST /phone-numbers/{phoneNumberId}/attach': `${reference}/phone-numbers/attach-phone-number-to-bot`,
			'GET /conversations': `${reference}/conversations`,
			'GET /conversations/{conversationId}': `${reference}/conversations/get-conversation`,
			'GET /conversations/{conversationId}/messages': `${reference}/conversations/list-conversation-messages`,
			'POST /conversations': `${reference}/conversations/create-conversation`,
			'POST /conversations/{conversationId}/close': `${reference}/conversations/close-conversation`,
			'GET /bots': `${reference}/introduction`,
			'POST /bots': `${reference}/bots/create-bot`,
			'PATCH /bots/{botId}': `${reference}/bots/update-bot`,
			'GET /bots/{botId}/webhook': `${reference}/bot-webhooks/get-bot-webhook`,
			'PUT /bots/{botId}/webhook': `${reference}/bot-webhooks/upsert-bot-webhook`,
			'DELETE /bots/{botId}/webhook': `${reference}/bot-webhooks/delete-bot-webhook`,
			'POST /oauth/token': 'https://docs.helloannie.com/overview/authentication',
		});
	});

	describe('seed examples, byte for byte (with the auth header)', () => {
		it('000 POST /calls starts a CALL conversation visible at GET /conversations/{id}', async () => {
			const answer = await post('/calls', SEED_000_BODY);
			expect(answer.status).toBe(200);
			expect((answer.json as { success: boolean }).success).toBe(true);
			const { conversationId } = data<{ conversationId: string }>(answer);
			expect(conversationId).toMatch(UUID);

			const recorded = sandbox.requests[0];
			expect(recorded).toMatchObject({
				provider: 'helloannie',
				method: 'POST',
				path: '/calls',
				operationId: 'startOutboundCall',
				valid: true,
				status: 200,
			});
			expect(recorded.rawBody).toBe(SEED_000_BODY);
			expect(recorded.validationErrors).toEqual([]);
			expect(recorded.headers.authorization).toBe(`Bearer ${ANNIE_KEY}`);

			const conversation = data(await get(`/conversations/${conversationId}`));
			expect(conversation).toMatchObject({
				conversationId,
				medium: 'CALL',
				status: 'OPEN',
				toNumber: '+15559876543',
				fromNumber: '+15551234567',
				orgId: SANDBOX_FIXTURES.helloAnnie.orgId,
			});
		});

		it('001 POST /sms starts an SMS conversation whose first message is the SMS (role assistant)', async () => {
			const answer = await post('/sms', SEED_001_BODY);
			expect(answer.status).toBe(200);
			const { conversationId } = data<{ conversationId: string }>(answer);
			expect(last(sandbox)).toMatchObject({ valid: true, operationId: 'startOutboundSms' });

			expect(data(await get(`/conversations/${conversationId}`))).toMatchObject({
				medium: 'SMS',
				status: 'OPEN',
			});
			const messages = data<Array<Record<string, unknown>>>(
				await get(`/conversations/${conversationId}/messages`),
			);
			expect(messages).toHaveLength(1);
			expect(messages[0]).toMatchObject({
				role: 'assistant',
				conversationId,
				content:
					'Hi Sarah, this is Annie from Bright Smiles Dental. We wanted to reach out about scheduling your next cleaning appointment.',
			});
			expect(messages[0].id).toMatch(UUID);
		});

		it('004 POST /phone-numbers: the placeholder name "<string>" breaks the newer page\'s name pattern; with a real name it creates a number listed by GET /phone-numbers', async () => {
			// The newer create-phone-number page: letters, numbers, spaces and basic punctuation.
			const placeholder = await post('/phone-numbers', SEED_004_BODY);
			expect(placeholder.status).toBe(400);
			expect(last(sandbox).validationErrors).toEqual([
				'body.name: must match pattern "^[A-Za-z0-9 .,_\'()&#+/:;-]+$"',
			]);
			const answer = await post(
				'/phone-numbers',
				SEED_004_BODY.replace('"name": "<string>"', '"name": "Main Line"'),
			);
			expect(answer.status).toBe(200);
			expect(last(sandbox).valid).toBe(true);
			const created = data(answer);
			expect(created).toMatchObject({
				orgId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				botId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				name: 'Main Line',
				language: 'ENGLISH',
				voiceId: 'FRIENDLY_BRIGHT',
				verifiedCallerId: '<string>',
				callbackForwardingNumber: '<string>',
				outbound: true,
			});
			expect(created.number).toMatch(/^\+1555\d{7}$/);
			const listed = data<{ phoneNumbers: Array<{ id: string }> }>(
				await get('/phone-numbers'),
			).phoneNumbers;
			expect(listed.map((p) => p.id)).toContain(created.id);
			expect(listed).toHaveLength(3);
		});
	});

	describe('contract violations are answered 400 and recorded with the failing field', () => {
		const valid = { fromNumber: '+15551234567', toNumber: '+15559876543' };
		const seed004 = {
			...(JSON.parse(SEED_004_BODY) as Record<string, unknown>),
			name: 'Main Line',
		};
		const cases: Array<[string, string, unknown, string]> = [
			['toNumber empty', '/calls', { ...valid, toNumber: '' }, 'body.toNumber'],
			[
				'fromNumber missing',
				'/calls',
				{ toNumber: valid.toNumber },
				'body.fromNumber: is required',
			],
			['context over 500', '/calls', { ...valid, context: 'x'.repeat(501) }, 'body.context'],
			[
				'voicemailMessage over 500',
				'/calls',
				{ ...valid, voicemailMessage: 'x'.repeat(501) },
				'body.voicemailMessage',
			],
			[
				'undocumented field',
				'/calls',
				{ ...valid, callerName: 'Annie' },
				'body.callerName: is not a documented property',
			],
			[
				'undocumented patientInfo field',
				'/calls',
				{ ...valid, patientInfo: { email: 'a@b.co' } },
				'body.patientInfo.email',
			],
			[
				'dateOfBirth neither a date-time nor YYYY-MM-DD',
				'/calls',
				{ ...valid, patientInfo: { dateOfBirth: '03/22/1988' } },
				'body.patientInfo.dateOfBirth',
			],
			[
				'firstName over 100 (outbound-calls guide)',
				'/sms',
				{ ...valid, message: 'hi', patientInfo: { firstName: 'n'.repeat(101) } },
				'body.patientInfo.firstName: must NOT have more than 100 characters',
			],
			['SMS message empty', '/sms', { ...valid, message: '' }, 'body.message'],
			['SMS message over 500', '/sms', { ...valid, message: 'x'.repeat(501) }, 'body.message'],
			['SMS message missing', '/sms', valid, 'body.message: is required'],
			[
				'language not documented',
				'/phone-numbers',
				{ ...seed004, language: 'GERMAN' },
				'body.language: must be one of',
			],
			[
				'voiceId not documented',
				'/phone-numbers',
				{ ...seed004, voiceId: 'ROBOT' },
				'body.voiceId',
			],
			[
				'name over 100',
				'/phone-numbers',
				{ ...seed004, name: 'n'.repeat(101) },
				'body.name: must NOT have more than 100 characters',
			],
			[
				'name outside the documented characters',
				'/phone-numbers',
				{ ...seed004, name: 'Línea principal' },
				'body.name: must match pattern',
			],
			['areaCode not 3 digits', '/phone-numbers', { ...seed004, areaCode: '51' }, 'body.areaCode'],
			[
				'orgId not a uuid',
				'/phone-numbers',
				{ ...seed004, orgId: 'org-1' },
				'body.orgId: must match format "uuid"',
			],
			[
				'attach without botId',
				`/phone-numbers/${SANDBOX_FIXTURES.helloAnnie.phoneNumbers[0].id}/attach`,
				{},
				'body.botId: is required',
			],
		];
		it.each(cases)('%s', async (_name, path, body, expected) => {
			const answer = await post(path, body);
			expect(answer.status).toBe(400);
			expect(answer.json).toMatchObject({ success: false });
			expect((answer.json as { message: string }).message).toContain(expected);
			const recorded = last(sandbox);
			expect(recorded.valid).toBe(false);
			expect(recorded.validationErrors.join('\n')).toContain(expected);
			// The one documented rule broken, nothing else.
			const field = expected.split(':')[0];
			expect(recorded.validationErrors.filter((e) => !e.startsWith(`${field}:`))).toEqual([]);
		});

		it('what the pages leave open passes the contract: any phone number text, a YYYY-MM-DD date of birth', async () => {
			// No format is documented for fromNumber / toNumber (only E.164 examples).
			const national = await post('/calls', { ...valid, toNumber: '(555) 987-6543' });
			expect(last(sandbox)).toMatchObject({ valid: true, validationErrors: [] });
			expect(national.status).toBe(200);
			const unknownFrom = await post('/calls', { ...valid, fromNumber: '555-123-4567' });
			expect(last(sandbox).valid).toBe(true);
			expect(unknownFrom.json).toEqual({ success: false, message: 'fromNumber is not configured' });
			// The outbound-calls guide's form of the date of birth.
			await post('/sms', { ...valid, message: 'hi', patientInfo: { dateOfBirth: '1985-03-22' } });
			expect(last(sandbox)).toMatchObject({ valid: true, status: 200 });
		});

		it('query parameters: limit over 100, unknown parameter, non-boolean flag', async () => {
			expect((await get('/conversations?limit=101')).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('query.limit');
			expect((await get('/conversations?page=2')).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain(
				'query.page: is not a documented parameter',
			);
			expect((await get('/conversations?includeArchived=maybe')).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('query.includeArchived');
		});

		it('path parameters must be uuids; a JSON body needs Content-Type application/json', async () => {
			expect((await get('/conversations/not-a-uuid')).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('path.conversationId');
			expect(
				(
					await post('/phone-numbers/not-a-uuid/attach', {
						botId: SANDBOX_FIXTURES.helloAnnie.bots[0].id,
					})
				).status,
			).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('path.phoneNumberId');
			const answer = await post('/calls', valid, { ...auth, 'content-type': 'text/plain' });
			expect(answer.status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('header.content-type');
		});

		it('malformed JSON and undocumented routes are flagged', async () => {
			expect((await post('/calls', '{"fromNumber": ')).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('malformed JSON');
			const answer = await get('/calls/123');
			expect(answer.status).toBe(404);
			expect(last(sandbox)).toMatchObject({ valid: false, operationId: undefined });
			expect(last(sandbox).validationErrors[0]).toContain('no documented operation');
			// URL-building mistakes: a trailing slash or a doubled slash is not the documented path.
			for (const path of ['/bots/', '//bots']) {
				expect((await get(path)).status).toBe(404);
				expect(last(sandbox)).toMatchObject({ path, valid: false });
			}
		});
	});

	describe('business rules', () => {
		it('a fromNumber that is not one of the organization numbers → 400 "fromNumber is not configured" (contract-valid)', async () => {
			const answer = await post('/calls', { fromNumber: '+15550009999', toNumber: '+15559876543' });
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({ success: false, message: 'fromNumber is not configured' });
			expect(last(sandbox).valid).toBe(true);
			expect(
				(
					await post('/sms', {
						fromNumber: '+15550009999',
						toNumber: '+15559876543',
						message: 'hi',
					})
				).status,
			).toBe(400);
		});

		it('unknown ids → 404 everywhere', async () => {
			const unknown = '00000000-0000-4000-8000-000000000000';
			expect((await get(`/conversations/${unknown}`)).json).toEqual({
				success: false,
				message: 'Conversation not found',
			});
			expect((await get(`/conversations/${unknown}/messages`)).status).toBe(404);
			expect(
				(
					await post(`/phone-numbers/${unknown}/attach`, {
						botId: SANDBOX_FIXTURES.helloAnnie.bots[0].id,
					})
				).status,
			).toBe(404);
			const phoneId = SANDBOX_FIXTURES.helloAnnie.phoneNumbers[0].id;
			expect((await post(`/phone-numbers/${phoneId}/attach`, { botId: unknown })).json).toEqual({
				success: false,
				message: 'Bot not found',
			});
			expect((await get(`/bots/${unknown}/webhook`)).status).toBe(404);
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});

		it('attach moves a phone number to another bot and answers the updated number', async () => {
			const phone = SANDBOX_FIXTURES.helloAnnie.phoneNumbers[0];
			const bot = SANDBOX_FIXTURES.helloAnnie.bots[1];
			const answer = await post(`/phone-numbers/${phone.id}/attach`, { botId: bot.id });
			expect(answer.status).toBe(200);
			expect(data(answer)).toMatchObject({ id: phone.id, botId: bot.id, number: phone.number });
		});

		it('GET /bots lists the bots with the fields of the create-bot page', async () => {
			const bots = data<{ bots: Array<Record<string, unknown>> }>(await get('/bots')).bots;
			expect(bots).toEqual(SANDBOX_FIXTURES.helloAnnie.bots);
			expect(Object.keys(bots[0]).sort()).toEqual(
				[
					'id',
					'name',
					'internalName',
					'createdAt',
					'updatedAt',
					'companyName',
					'industry',
					'greeting',
					'phoneGreeting',
					'closedChatGreeting',
					'closedPhoneGreeting',
					'outbound',
					'isRagEnabled',
					'isGuardianEnabled',
					'orgId',
				].sort(),
			);
		});

		it('a fromNumber whose bot is not outbound → 400 (outbound-calls guide), after attaching it to an outbound bot → 200', async () => {
			const [main] = SANDBOX_FIXTURES.helloAnnie.phoneNumbers;
			const [frontDesk, recall] = SANDBOX_FIXTURES.helloAnnie.bots;
			sandbox.helloAnnie.state.bots.find((b) => b.id === frontDesk.id)!.outbound = false;
			const refused = await post('/calls', { fromNumber: main.number, toNumber: '+15559876543' });
			expect(refused.status).toBe(400);
			expect(refused.json).toEqual({
				success: false,
				message: 'fromNumber is not attached to an outbound bot',
			});
			expect(last(sandbox).valid).toBe(true);
			expect(
				(await post('/sms', { fromNumber: main.number, toNumber: '+15559876543', message: 'hi' }))
					.status,
			).toBe(400);
			await post(`/phone-numbers/${main.id}/attach`, { botId: recall.id });
			expect(
				(await post('/calls', { fromNumber: main.number, toNumber: '+15559876543' })).status,
			).toBe(200);
		});

		it("includeChildren adds the child organization's conversations; orgId narrows to one readable organization", async () => {
			type Page = {
				conversations: Array<{ conversationId: string; orgId: string }>;
				pagination: { totalCount: number };
			};
			const { orgId, childOrgId, conversations } = SANDBOX_FIXTURES.helloAnnie;
			const childs = conversations
				.filter((c) => c.orgId === childOrgId)
				.map((c) => c.conversationId);
			expect(childs).toHaveLength(1);
			const own = data<Page>(await get('/conversations'));
			expect(own.conversations.every((c) => c.orgId === orgId)).toBe(true);
			const withChildren = data<Page>(await get('/conversations?includeChildren=true'));
			expect(withChildren.conversations.map((c) => c.conversationId)).toEqual(
				expect.arrayContaining(childs),
			);
			expect(withChildren.pagination.totalCount).toBe(own.pagination.totalCount + 1);
			const onlyChild = data<Page>(await get(`/conversations?orgId=${childOrgId}`));
			expect(onlyChild.conversations.map((c) => c.conversationId)).toEqual(childs);
			const onlyOwn = data<Page>(await get(`/conversations?orgId=${orgId}&includeChildren=true`));
			expect(onlyOwn.conversations.every((c) => c.orgId === orgId)).toBe(true);
			// The account organization reads its child's conversation by id.
			expect(data(await get(`/conversations/${childs[0]}`))).toMatchObject({ orgId: childOrgId });
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});

		it('GET /conversations paginates, filters by bot and hides archived and child-organization conversations unless asked', async () => {
			type Page = {
				conversations: Array<{ conversationId: string; botId: string }>;
				pagination: { offset: number; limit: number; totalCount: number };
			};
			const all = data<Page>(await get('/conversations'));
			expect(all.pagination).toEqual({ offset: 0, limit: 20, totalCount: 2 });
			const everything = data<Page>(
				await get('/conversations?includeArchived=true&includeChildren=true'),
			);
			expect(everything.pagination.totalCount).toBe(4);
			const page = data<Page>(
				await get('/conversations?includeArchived=true&includeChildren=true&offset=1&limit=2'),
			);
			expect(page.conversations).toHaveLength(2);
			expect(page.pagination).toEqual({ offset: 1, limit: 2, totalCount: 4 });
			const recallBot = SANDBOX_FIXTURES.helloAnnie.bots[1].id;
			const byBot = data<Page>(await get(`/conversations?botId=${recallBot}`));
			expect(byBot.conversations.every((c) => c.botId === recallBot)).toBe(true);
			expect(byBot.conversations).toHaveLength(1);
			const otherOrg = data<Page>(
				await get('/conversations?orgId=00000000-0000-4000-8000-000000000000'),
			);
			expect(otherOrg.pagination.totalCount).toBe(0);
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});

		it('a started call is listed first by GET /conversations', async () => {
			const { conversationId } = data<{ conversationId: string }>(
				await post('/calls', SEED_000_BODY),
			);
			const list = data<{ conversations: Array<{ conversationId: string }> }>(
				await get('/conversations'),
			);
			expect(list.conversations[0].conversationId).toBe(conversationId);
		});

		it('bot webhook: upsert, get (token hidden), fire with Bearer authToken, delete', async () => {
			const receiver = await startReceiver();
			try {
				const botId = SANDBOX_FIXTURES.helloAnnie.bots[0].id;
				const url = `${receiver.url}/annie-hook`;
				const put = await call(`${base}/bots/${botId}/webhook`, {
					method: 'PUT',
					headers: json,
					body: JSON.stringify({ url, authToken: 'tok-123' }),
				});
				expect(put.status).toBe(200);
				expect(data(put)).toMatchObject({ botId, url, authTokenSet: true });
				expect(JSON.stringify(put.json)).not.toContain('tok-123');
				expect(data(await get(`/bots/${botId}/webhook`))).toMatchObject({
					url,
					authTokenSet: true,
				});

				const attempt = await sandbox.helloAnnie.fireBotWebhook(botId, {
					event: 'conversation.ended',
				});
				expect(attempt.status).toBe(200);
				expect(receiver.received[0].headers.authorization).toBe('Bearer tok-123');
				expect(receiver.received[0].body).toEqual({ event: 'conversation.ended' });

				const del = await call(`${base}/bots/${botId}/webhook`, {
					method: 'DELETE',
					headers: auth,
				});
				expect(data(del)).toEqual({ botId, deleted: true });
				expect((await get(`/bots/${botId}/webhook`)).json).toEqual({
					success: false,
					message: 'Webhook not found',
				});
				const bad = await call(`${base}/bots/${botId}/webhook`, {
					method: 'PUT',
					headers: json,
					body: JSON.stringify({ url: 'not a url' }),
				});
				expect(bad.status).toBe(400);
				expect(last(sandbox).validationErrors.join()).toContain('body.url');
			} finally {
				await receiver.close();
			}
		});

		it('bot webhook authToken: omitted keeps the stored token, null clears it (then no Authorization header)', async () => {
			const receiver = await startReceiver();
			try {
				const botId = SANDBOX_FIXTURES.helloAnnie.bots[1].id;
				const url = `${receiver.url}/annie-hook`;
				const put = (body: unknown) =>
					call(`${base}/bots/${botId}/webhook`, {
						method: 'PUT',
						headers: json,
						body: JSON.stringify(body),
					});
				await put({ url, authToken: 'tok-456' });
				expect(data(await put({ url: `${url}?v=2` }))).toMatchObject({ authTokenSet: true });
				await sandbox.helloAnnie.fireBotWebhook(botId, { n: 1 });
				expect(receiver.received[0].headers.authorization).toBe('Bearer tok-456');

				const cleared = await put({ url, authToken: null });
				expect(last(sandbox).valid).toBe(true);
				expect(data(cleared)).toMatchObject({ authTokenSet: false });
				await sandbox.helloAnnie.fireBotWebhook(botId, { n: 2 });
				expect(receiver.received[1].headers.authorization).toBeUndefined();
			} finally {
				await receiver.close();
			}
		});
	});

	describe('authentication', () => {
		it('missing Authorization → 401, recorded as a contract violation', async () => {
			const answer = await get('/bots', {});
			expect(answer.status).toBe(401);
			expect(answer.json).toEqual({ success: false, message: 'Unauthorized' });
			expect(last(sandbox)).toMatchObject({ valid: false, status: 401 });
			expect(last(sandbox).validationErrors.join()).toContain('auth.authorization');
		});

		it('wrong key → 401 (the request itself is contract-valid)', async () => {
			const answer = await get('/bots', { authorization: 'Bearer annie-sk-v1-wrong' });
			expect(answer.status).toBe(401);
			expect(last(sandbox)).toMatchObject({ valid: true, status: 401 });
		});

		it('a key without the Bearer scheme → 401 and invalid', async () => {
			expect((await get('/bots', { authorization: ANNIE_KEY })).status).toBe(401);
			expect(last(sandbox).valid).toBe(false);
		});

		it('auth is checked before validation: an invalid body with a wrong key is 401', async () => {
			expect(
				(
					await post(
						'/calls',
						{},
						{ authorization: 'Bearer nope', 'content-type': 'application/json' },
					)
				).status,
			).toBe(401);
		});

		it('the valid key can be overridden', async () => {
			const other = await startSandbox({ apiKeys: { helloAnnie: 'annie-sk-v1-custom' } });
			try {
				expect(
					(
						await call(`${other.baseUrls.helloAnnie}/bots`, {
							headers: { authorization: 'Bearer annie-sk-v1-custom' },
						})
					).status,
				).toBe(200);
				expect((await call(`${other.baseUrls.helloAnnie}/bots`, { headers: auth })).status).toBe(
					401,
				);
			} finally {
				await other.close();
			}
		});
	});

	describe('rate limit', () => {
		it('no limit configured: no X-RateLimit headers', async () => {
			const answer = await get('/bots');
			expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
		});

		it('carries X-RateLimit-* on every response and answers 429 over the limit, processing nothing', async () => {
			sandbox.setRateLimit({ limit: 2, windowMs: 60_000 });
			const before = Date.now();
			const first = await post('/calls', SEED_000_BODY);
			expect(first.status).toBe(200);
			expect(first.headers.get('x-ratelimit-limit')).toBe('2');
			expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
			const reset = Number(first.headers.get('x-ratelimit-reset'));
			expect(Number.isInteger(reset)).toBe(true);
			expect(reset).toBeGreaterThanOrEqual(Math.floor((before + 60_000) / 1000));
			expect(reset).toBeLessThanOrEqual(Math.ceil((Date.now() + 60_000) / 1000));

			const second = await post('/calls', { fromNumber: 'bad' });
			expect(second.status).toBe(400);
			expect(second.headers.get('x-ratelimit-remaining')).toBe('0');

			const conversationsBefore = sandbox.helloAnnie.state.conversations.length;
			const third = await post('/calls', SEED_000_BODY);
			expect(third.status).toBe(429);
			expect(third.json).toEqual({ success: false, message: 'Too many requests' });
			expect(third.headers.get('x-ratelimit-limit')).toBe('2');
			expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
			expect(third.headers.get('x-ratelimit-reset')).toBe(String(reset));
			expect(third.headers.get('retry-after')).toBeNull();
			expect(sandbox.helloAnnie.state.conversations.length).toBe(conversationsBefore);
			expect(last(sandbox)).toMatchObject({ status: 429, valid: true });
		});

		it('a short window resets; sendRetryAfter adds Retry-After', async () => {
			sandbox.setRateLimit({ limit: 1, windowMs: 300, sendRetryAfter: true });
			expect((await get('/bots')).status).toBe(200);
			const limited = await get('/bots');
			expect(limited.status).toBe(429);
			expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(0);
			expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(1);
			await new Promise((r) => setTimeout(r, 350));
			const again = await get('/bots');
			expect(again.status).toBe(200);
			expect(again.headers.get('x-ratelimit-remaining')).toBe('0');
		});

		it('unauthenticated requests do not count and carry no rate-limit headers', async () => {
			sandbox.setRateLimit({ limit: 1, windowMs: 60_000 });
			const denied = await get('/bots', {});
			expect(denied.status).toBe(401);
			expect(denied.headers.get('x-ratelimit-limit')).toBeNull();
			expect((await get('/bots')).status).toBe(200);
		});

		it('reset() switches a runtime rate limit back to the options', async () => {
			sandbox.setRateLimit({ limit: 0, windowMs: 60_000 });
			expect((await get('/bots')).status).toBe(429);
			sandbox.reset();
			expect((await get('/bots')).status).toBe(200);
		});
	});

	describe('SMS in progress (smsInProgressMs)', () => {
		it('a second SMS to the same number within the window → 409, another number is fine', async () => {
			const other = await startSandbox({ helloAnnie: { smsInProgressMs: 200 } });
			try {
				const sms = (to: string): Promise<Answer> =>
					call(`${other.baseUrls.helloAnnie}/sms`, {
						method: 'POST',
						headers: json,
						body: JSON.stringify({ fromNumber: '+15551234567', toNumber: to, message: 'Hello' }),
					});
				expect((await sms('+15559876543')).status).toBe(200);
				const conflict = await sms('+15559876543');
				expect(conflict.status).toBe(409);
				expect(conflict.json).toEqual({
					success: false,
					message: 'An SMS send to this number is already in progress',
				});
				expect((await sms('+15559870000')).status).toBe(200);
				await new Promise((r) => setTimeout(r, 250));
				expect((await sms('+15559876543')).status).toBe(200);
				expect(other.helloAnnie.state.conversations.filter((c) => c.medium === 'SMS')).toHaveLength(
					4,
				);
			} finally {
				await other.close();
			}
		});
	});

	describe('call allowlist (callAllowlist)', () => {
		it('refuses a toNumber that is not listed', async () => {
			const other = await startSandbox({ helloAnnie: { callAllowlist: ['+15559876543'] } });
			try {
				const start = (to: string): Promise<Answer> =>
					call(`${other.baseUrls.helloAnnie}/calls`, {
						method: 'POST',
						headers: json,
						body: JSON.stringify({ fromNumber: '+15551234567', toNumber: to }),
					});
				expect((await start('+15559876543')).status).toBe(200);
				const refused = await start('+15550000000');
				expect(refused.json).toEqual({
					success: false,
					message: 'toNumber is not in the allowlist',
				});
			} finally {
				await other.close();
			}
		});
	});

	describe('conversations created and closed, bots created and updated', () => {
		const bot = SANDBOX_FIXTURES.helloAnnie.bots[0];
		const patch = (path: string, body: unknown): Promise<Answer> =>
			call(base + path, { method: 'PATCH', headers: json, body: JSON.stringify(body) });

		it("POST /conversations takes the page's example and stores the initial messages in order", async () => {
			const answer = await post('/conversations', {
				medium: 'CHAT',
				botId: bot.id,
				toNumber: '<string>',
				messages: [
					{ role: 'user', input: 'first' },
					{ role: 'assistant', input: 'second' },
				],
				idleTimeoutMinutes: 2,
				maxOpenMinutes: 2,
			});
			expect(answer.status).toBe(200);
			const created = data<{ conversationId: string }>(answer);
			expect(created).toMatchObject({
				medium: 'CHAT',
				botId: bot.id,
				status: 'OPEN',
				fromNumber: null,
			});
			const messages = data<Array<{ role: string; content: string }>>(
				await get(`/conversations/${created.conversationId}/messages`),
			);
			expect(messages.map((m) => [m.role, m.content])).toEqual([
				['user', 'first'],
				['assistant', 'second'],
			]);
		});

		it.each([
			['a medium that is not CHAT or SMS', { medium: 'CALL' }, 'body.medium'],
			['no botId', { botId: undefined }, 'body.botId'],
			['idleTimeoutMinutes below 1', { idleTimeoutMinutes: 0 }, 'body.idleTimeoutMinutes'],
			['maxOpenMinutes not a whole number', { maxOpenMinutes: 1.5 }, 'body.maxOpenMinutes'],
		])('POST /conversations refuses %s', async (_case, change, field) => {
			const answer = await post('/conversations', { medium: 'SMS', botId: bot.id, ...change });
			expect(answer.status).toBe(400);
			expect((answer.json as { message: string }).message).toContain(field);
		});

		it('POST /conversations/{id}/close answers CLOSING, then the current status (idempotent)', async () => {
			const open = SANDBOX_FIXTURES.helloAnnie.conversations[1];
			const first = await post(`/conversations/${open.conversationId}/close`, {
				skipNotifications: false,
			});
			expect(first.status).toBe(200);
			expect(data(first)).toEqual({ status: 'CLOSING' });
			expect(data(await get(`/conversations/${open.conversationId}`))).toMatchObject({
				status: 'CLOSED',
			});
			const again = await post(`/conversations/${open.conversationId}/close`, {});
			expect(data(again)).toEqual({ status: 'CLOSED' });
			expect(
				(await post(`/conversations/${open.conversationId}/close`, { skip: true })).status,
			).toBe(400);
		});

		it('POST /bots creates a bot that GET /bots lists and PATCH /bots/{botId} changes', async () => {
			const created = await post('/bots', {
				orgId: SANDBOX_FIXTURES.helloAnnie.orgId,
				name: 'Recare Annie',
				greeting: 'Hi!',
				industry: 'ORTHODONTIST',
			});
			expect(created.status).toBe(201);
			const id = data<{ id: string }>(created).id;
			expect(data(created)).toMatchObject({
				name: 'Recare Annie',
				outbound: false,
				industry: 'ORTHODONTIST',
			});
			const listed = data<{ bots: Array<{ id: string }> }>(await get('/bots')).bots;
			expect(listed.map((b) => b.id)).toContain(id);
			const updated = await patch(`/bots/${id}`, { outbound: true, modelVersion: 'v2' });
			expect(data(updated)).toMatchObject({ id, name: 'Recare Annie', outbound: true });
			expect((await patch(`/bots/${id}`, { isRagEnabled: true })).status).toBe(400);
			expect((await patch(`/bots/${id}`, { industry: 'VETERINARY' })).status).toBe(400);
			expect(
				(await post('/bots', { orgId: SANDBOX_FIXTURES.helloAnnie.orgId, name: 'No greeting' }))
					.status,
			).toBe(400);
			expect((await patch('/bots/00000000-0000-4000-8000-000000000000', {})).status).toBe(404);
		});
	});
});

// -------------------------------------------------------------------------------------------------

describe('faults (observable from a plain fetch)', () => {
	let sandbox: Sandbox;
	let base: string;
	const json = { authorization: `Bearer ${ANNIE_KEY}`, 'content-type': 'application/json' };
	const startCall = (): Promise<Response> =>
		fetch(`${base}/calls`, { method: 'POST', headers: json, body: SEED_000_BODY });
	const conversationCount = (): number => sandbox.helloAnnie.state.conversations.length;

	beforeAll(async () => {
		sandbox = await startSandbox();
		base = sandbox.baseUrls.helloAnnie;
	});
	afterEach(() => sandbox.reset());
	afterAll(() => sandbox.close());

	it('status fault: provider error format by default, nothing processed, then back to normal', async () => {
		const before = conversationCount();
		sandbox.inject({
			provider: 'helloannie',
			method: 'post',
			path: '/calls',
			fault: { status: 503 },
		});
		const faulted = await startCall();
		expect(faulted.status).toBe(503);
		expect(await faulted.json()).toEqual({ success: false, message: 'Internal server error' });
		expect(conversationCount()).toBe(before);
		expect((await startCall()).status).toBe(200);
		expect(sandbox.requests.map((r) => r.status)).toEqual([503, 200]);
		expect(sandbox.requests.every((r) => r.valid)).toBe(true);
	});

	it('status fault with a custom body and headers, times: 2', async () => {
		sandbox.inject({
			operationId: 'listBots',
			times: 2,
			fault: { status: 429, body: { slow: 'down' }, headers: { 'Retry-After': '1' } },
		});
		for (let i = 0; i < 2; i++) {
			const response = await fetch(`${base}/bots`, { headers: json });
			expect(response.status).toBe(429);
			expect(response.headers.get('retry-after')).toBe('1');
			expect(await response.json()).toEqual({ slow: 'down' });
		}
		expect((await fetch(`${base}/bots`, { headers: json })).status).toBe(200);
	});

	it('times: Infinity and RegExp paths', async () => {
		sandbox.inject({ path: /^\/conversations/, times: Infinity, fault: { status: 500 } });
		for (let i = 0; i < 3; i++)
			expect((await fetch(`${base}/conversations`, { headers: json })).status).toBe(500);
		expect((await fetch(`${base}/bots`, { headers: json })).status).toBe(200);
		sandbox.clearFaults();
		expect((await fetch(`${base}/conversations`, { headers: json })).status).toBe(200);
	});

	it('delay: answers normally after the delay', async () => {
		sandbox.inject({ path: '/bots', fault: { kind: 'delay', ms: 250 } });
		const started = Date.now();
		const response = await fetch(`${base}/bots`, { headers: json });
		expect(response.status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(240);
	});

	it('reset-before-body: the client sees a socket error and nothing is created', async () => {
		const before = conversationCount();
		sandbox.inject({ path: '/calls', fault: { kind: 'reset-before-body' } });
		await expect(startCall()).rejects.toThrow();
		expect(conversationCount()).toBe(before);
		expect(sandbox.requests).toHaveLength(1);
		expect(sandbox.requests[0]).toMatchObject({
			status: 0,
			rawBody: '',
			body: undefined,
			operationId: 'startOutboundCall',
			valid: true,
		});
	});

	it('reset-after-body: the object is created but the client sees a socket error', async () => {
		const before = conversationCount();
		sandbox.inject({ path: '/calls', fault: { kind: 'reset-after-body' } });
		await expect(startCall()).rejects.toThrow();
		expect(conversationCount()).toBe(before + 1);
		expect(sandbox.requests[0]).toMatchObject({ status: 0, valid: true, rawBody: SEED_000_BODY });
	});

	it('malformed-json: 200 whose body does not parse', async () => {
		sandbox.inject({ path: '/calls', fault: { kind: 'malformed-json' } });
		const response = await startCall();
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toContain('application/json');
		await expect(response.json()).rejects.toThrow();
	});

	it('wrong-content-type: 200 text/html', async () => {
		sandbox.inject({ path: '/calls', fault: { kind: 'wrong-content-type' } });
		const response = await startCall();
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toContain('text/html');
		expect(await response.text()).toContain('<html>');
	});

	it('empty-body: 200 with no body', async () => {
		sandbox.inject({ path: '/calls', fault: { kind: 'empty-body' } });
		const response = await startCall();
		expect(response.status).toBe(200);
		expect(await response.text()).toBe('');
	});

	it('faulted requests are still contract-checked', async () => {
		sandbox.inject({ path: '/calls', fault: { status: 500 } });
		await fetch(`${base}/calls`, {
			method: 'POST',
			headers: json,
			body: JSON.stringify({ toNumber: 'x' }),
		});
		expect(sandbox.requests[0]).toMatchObject({ status: 500, valid: false });
		expect(sandbox.requests[0].validationErrors.join()).toContain('body.fromNumber');
	});

	it('rules filter by provider and are used in injection order', async () => {
		sandbox.inject({ provider: 'allomia', fault: { status: 500 } });
		sandbox.inject({ provider: 'helloannie', path: '/bots', fault: { status: 502 } });
		sandbox.inject({ provider: 'helloannie', path: '/bots', fault: { status: 504 } });
		expect((await fetch(`${base}/bots`, { headers: json })).status).toBe(502);
		expect((await fetch(`${base}/bots`, { headers: json })).status).toBe(504);
		expect((await fetch(`${base}/bots`, { headers: json })).status).toBe(200);
	});

	it('close() does not wait for a pending delay fault', async () => {
		const other = await startSandbox();
		other.inject({ path: '/bots', fault: { kind: 'delay', ms: 60_000 } });
		const pending = fetch(`${other.baseUrls.helloAnnie}/bots`, { headers: json }).then(
			(r) => r.status,
			() => 0,
		);
		await new Promise((r) => setTimeout(r, 50));
		const started = Date.now();
		await other.close();
		expect(Date.now() - started).toBeLessThan(1000);
		expect(await pending).toBe(0);
	});
});

// -------------------------------------------------------------------------------------------------

describe('control API over HTTP (/__sandbox)', () => {
	let sandbox: Sandbox;
	const json = { authorization: `Bearer ${ANNIE_KEY}`, 'content-type': 'application/json' };
	const control = (path: string, method = 'GET', body?: unknown): Promise<Answer> =>
		call(`${sandbox.url}/__sandbox${path}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});

	beforeAll(async () => {
		sandbox = await startSandbox();
	});
	afterAll(() => sandbox.close());

	it('requests, faults (string and regex paths, Infinity), reset — none of it recorded', async () => {
		await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, { headers: json });
		const requests = await control('/requests?provider=helloannie');
		expect(requests.json).toHaveLength(1);
		expect((requests.json as RecordedRequest[])[0]).toMatchObject({ path: '/bots', status: 200 });

		expect(
			(
				await control('/faults', 'POST', {
					path: { regex: '^/conv' },
					times: 'Infinity',
					fault: { status: 418 },
				})
			).status,
		).toBe(200);
		expect(
			(await fetch(`${sandbox.baseUrls.helloAnnie}/conversations`, { headers: json })).status,
		).toBe(418);
		expect(
			(await fetch(`${sandbox.baseUrls.helloAnnie}/conversations`, { headers: json })).status,
		).toBe(418);
		expect((await control('/faults', 'POST', { fault: { kind: 'explode' } })).status).toBe(400);

		expect((await control('/reset', 'POST')).status).toBe(200);
		expect(sandbox.requests).toHaveLength(0);
		expect(
			(await fetch(`${sandbox.baseUrls.helloAnnie}/conversations`, { headers: json })).status,
		).toBe(200);
		expect(sandbox.requests).toHaveLength(1);
	});

	it('rate limit on and off', async () => {
		await control('/rate-limit', 'POST', { limit: 1, windowMs: 60_000, sendRetryAfter: true });
		expect((await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, { headers: json })).status).toBe(
			200,
		);
		const limited = await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, { headers: json });
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).not.toBeNull();
		await control('/rate-limit', 'POST', null);
		expect((await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, { headers: json })).status).toBe(
			200,
		);
	});

	it('fixtures, health and unknown routes', async () => {
		expect(((await control('/fixtures')).json as typeof SANDBOX_FIXTURES).helloAnnie.orgId).toBe(
			SANDBOX_FIXTURES.helloAnnie.orgId,
		);
		expect((await control('/health')).status).toBe(200);
		expect((await control('/nope')).status).toBe(404);
		expect((await call(`${sandbox.url}/elsewhere`)).status).toBe(404);
	});

	it('adds a patient reply to a conversation', async () => {
		const id = SANDBOX_FIXTURES.helloAnnie.conversations[1].conversationId;
		expect(
			(await control(`/helloannie/conversations/${id}/messages`, 'POST', { content: 'Yes please' }))
				.status,
		).toBe(200);
		const messages = await call(`${sandbox.baseUrls.helloAnnie}/conversations/${id}/messages`, {
			headers: json,
		});
		const list = (messages.json as { data: Array<{ content: string; role: string }> }).data;
		expect(list[list.length - 1]).toMatchObject({ content: 'Yes please', role: 'user' });
	});
});

// -------------------------------------------------------------------------------------------------

// Seed 002's "Example Request": the -d argument byte for byte.
const SEED_002_BODY = `{
    "phoneNumber": "+15145551234",
    "assistantId": "a1b2c3d4-e5f6-7890-abcd-123456789012",
    "phoneNumberId": "b2c3d4e5-f6a7-8901-bcde-234567890123",
    "customerName": "John Doe",
    "dynamicVariables": {
      "patientId": "12345",
      "appointmentSlot": "2026-04-01T10:00:00Z",
      "practitioner": "Dr. Smith"
    },
    "callbackUrl": "https://partner.example.com/webhooks/call-status"
  }`;

describe('AlloMia', () => {
	let sandbox: Sandbox;
	let base: string;
	let receiver: Receiver;
	const ORG = SANDBOX_FIXTURES.alloMia.organizationId;
	const auth = { authorization: 'Bearer allomia-sandbox-key' };
	const json = { ...auth, 'content-type': 'application/json' };
	const seed = JSON.parse(SEED_002_BODY) as Record<string, unknown>;

	beforeAll(async () => {
		sandbox = await startSandbox({ checkResponses: true });
		base = sandbox.baseUrls.alloMia;
		receiver = await startReceiver();
	});
	afterEach(() => {
		expect(sandbox.responseProblems).toEqual([]);
		sandbox.reset();
		receiver.received.length = 0;
	});
	afterAll(async () => {
		await sandbox.close();
		await receiver.close();
	});

	const outbound = (body: unknown, headers: Record<string, string> = json): Promise<Answer> =>
		call(`${base}/api/outbound`, {
			method: 'POST',
			headers,
			body: typeof body === 'string' ? body : JSON.stringify(body),
		});
	const get = (path: string, headers: Record<string, string> = auth): Promise<Answer> =>
		call(base + path, { headers });
	const dispatch = async (extra: Record<string, unknown> = {}): Promise<string> => {
		const answer = await outbound({ ...seed, callbackUrl: `${receiver.url}/status`, ...extra });
		expect(answer.status).toBe(200);
		return (answer.json as { outboundCallId: string }).outboundCallId;
	};

	it('mounts at /allomia; recorded paths start with /api', async () => {
		expect(base).toBe(`${sandbox.url}/allomia`);
		await get('/api/outbound/c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51/status');
		expect(last(sandbox)).toMatchObject({
			provider: 'allomia',
			path: '/api/outbound/c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51/status',
			operationId: 'getOutboundCallStatus',
			status: 200,
		});
	});

	it('seed 002 example request, byte for byte: dispatched and "calling"', async () => {
		const answer = await outbound(SEED_002_BODY);
		expect(answer.status).toBe(200);
		const created = answer.json as Record<string, unknown>;
		expect(created).toEqual({
			outboundCallId: expect.stringMatching(UUID),
			contactId: expect.stringMatching(UUID),
			status: 'calling',
			message: 'Outbound call dispatched',
		});
		expect(last(sandbox)).toMatchObject({
			valid: true,
			rawBody: SEED_002_BODY,
			operationId: 'createOutboundCall',
		});

		const status = await get(`/api/outbound/${String(created.outboundCallId)}/status`);
		expect(status.json).toEqual({
			outboundCallId: created.outboundCallId,
			contactId: created.contactId,
			status: 'calling',
		});
	});

	it('the seed callbackUrl (a real partner host) is recorded but not delivered', async () => {
		const { outboundCallId } = (await outbound(SEED_002_BODY)).json as { outboundCallId: string };
		const completion = await sandbox.alloMia.complete(outboundCallId, 'completed');
		expect(completion.callback).toMatchObject({
			url: 'https://partner.example.com/webhooks/call-status',
			status: 0,
		});
		expect(completion.callback?.error).toContain('loopback');
		expect(sandbox.callbacks).toHaveLength(1);
	});

	describe('400 in the documented format, field by field', () => {
		const cases: Array<[string, unknown, { field: string; code: string; message?: string }]> = [
			[
				'phoneNumber too short (the documented example)',
				{ ...seed, phoneNumber: '+1514' },
				{
					field: 'phoneNumber',
					code: 'too_small',
					message: 'Phone number must be at least 10 digits',
				},
			],
			[
				'phoneNumber over 20 characters',
				{ ...seed, phoneNumber: '+1514555123412345678901' },
				{ field: 'phoneNumber', code: 'too_big' },
			],
			[
				'assistantId not a uuid',
				{ ...seed, assistantId: 'assistant-1' },
				{ field: 'assistantId', code: 'invalid_string' },
			],
			[
				'phoneNumberId missing',
				{ ...seed, phoneNumberId: undefined },
				{ field: 'phoneNumberId', code: 'invalid_type', message: 'Required' },
			],
			[
				'dynamicVariables value not a string',
				{ ...seed, dynamicVariables: { patientId: 12345 } },
				{ field: 'dynamicVariables.patientId', code: 'invalid_type' },
			],
			[
				'callbackUrl not a URI',
				{ ...seed, callbackUrl: 'partner.example.com/hook' },
				{ field: 'callbackUrl', code: 'invalid_string' },
			],
			[
				'undocumented field',
				{ ...seed, language: 'fr' },
				{ field: 'language', code: 'unrecognized_keys' },
			],
		];
		it.each(cases)('%s', async (_name, body, expected) => {
			const answer = await outbound(body);
			expect(answer.status).toBe(400);
			const payload = answer.json as {
				error: string;
				details: Array<{ field: string; message: string; code: string }>;
			};
			expect(payload.error).toBe('Invalid request data');
			expect(payload.details).toContainEqual(
				expected.message ? expected : expect.objectContaining(expected),
			);
			expect(last(sandbox).valid).toBe(false);
			expect(last(sandbox).validationErrors.join()).toContain(expected.field);
		});

		it('query parameters of GET /api/calls', async () => {
			const bad: Array<[string, string]> = [
				[`?organizationId=${ORG}&limit=51`, 'limit'],
				[`?organizationId=${ORG}&callType=Phone`, 'callType'],
				[`?organizationId=${ORG}&sort=newest`, 'sort'],
				[`?organizationId=${ORG}&from=2025-03-01`, 'from'],
				[`?organizationId=${ORG}&page=0`, 'page'],
				['?limit=10', 'organizationId'],
			];
			for (const [query, field] of bad) {
				const answer = await get(`/api/calls${query}`);
				expect(answer.status).toBe(400);
				expect(
					(answer.json as { details: Array<{ field: string }> }).details.map((d) => d.field),
				).toContain(field);
				expect(last(sandbox).valid).toBe(false);
			}
		});

		it('GET /api/calls with from after to (list-calls: "from must be before or equal to to")', async () => {
			const answer = await get(
				`/api/calls?organizationId=${ORG}&from=${encodeURIComponent('2025-03-05T00:00:00Z')}&to=${encodeURIComponent('2025-03-04T00:00:00Z')}`,
			);
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({
				error: 'Invalid request data',
				details: [{ field: 'from', message: 'from must be before or equal to to', code: 'custom' }],
			});
			expect(last(sandbox).valid).toBe(true);
		});
	});

	describe('errors as documented', () => {
		it('401 without a key or with a wrong one', async () => {
			const missing = await outbound(seed, { 'content-type': 'application/json' });
			expect(missing.status).toBe(401);
			expect(missing.json).toEqual({ error: 'Invalid or missing API key' });
			expect(last(sandbox).valid).toBe(false);
			const wrong = await get(`/api/calls?organizationId=${ORG}`, { authorization: 'Bearer nope' });
			expect(wrong.json).toEqual({ error: 'Invalid or missing API key' });
			expect(last(sandbox).valid).toBe(true);
		});

		it('403 "Organization is inactive" for the inactive organization key, on every endpoint', async () => {
			const key = { authorization: `Bearer ${SANDBOX_FIXTURES.alloMia.inactiveOrgApiKey}` };
			const post = await outbound(seed, { ...key, 'content-type': 'application/json' });
			expect(post.status).toBe(403);
			expect(post.json).toEqual({ error: 'Organization is inactive' });
			expect((await get(`/api/calls?organizationId=${ORG}`, key)).json).toEqual({
				error: 'Organization is inactive',
			});
		});

		it('403 "Insufficient permissions" for the read-only key on POST /api/outbound only', async () => {
			const key = { authorization: `Bearer ${SANDBOX_FIXTURES.alloMia.readOnlyApiKey}` };
			const post = await outbound(seed, { ...key, 'content-type': 'application/json' });
			expect(post.status).toBe(403);
			expect(post.json).toEqual({ error: 'Insufficient permissions' });
			expect((await get(`/api/calls?organizationId=${ORG}`, key)).status).toBe(200);
		});

		it('404 for an assistant or phone number outside the organization, and unknown calls', async () => {
			const unknown = '00000000-0000-4000-8000-000000000000';
			expect((await outbound({ ...seed, assistantId: unknown })).json).toEqual({
				error: 'Assistant or phone number not found',
			});
			expect((await outbound({ ...seed, phoneNumberId: unknown })).json).toEqual({
				error: 'Assistant or phone number not found',
			});
			const status = await get(`/api/outbound/${unknown}/status`);
			expect(status.status).toBe(404);
			expect(status.json).toEqual({ error: 'Outbound call not found' });
			expect((await get(`/api/calls/${unknown}`)).json).toEqual({
				error: 'Outbound call not found',
			});
			// No format is documented for get-call's id; the status id is the outboundCallId (a UUID),
			// but the status page documents only 404 for an id without a call.
			for (const path of ['/api/calls/call-42', '/api/outbound/call-42/status']) {
				const answer = await get(path);
				expect([path, answer.status]).toEqual([path, 404]);
			}
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});

		it('a 500 fault answers the documented 500 body', async () => {
			sandbox.inject({
				provider: 'allomia',
				operationId: 'createOutboundCall',
				fault: { status: 500 },
			});
			const answer = await outbound(seed);
			expect(answer.status).toBe(500);
			expect(answer.json).toEqual({ error: 'Internal server error occurred' });
		});

		it('another (or unknown) organization id on GET /api/calls → 404 "Organization not found"', async () => {
			for (const id of ['00000000-0000-4000-8000-000000000000', 'org-1']) {
				const answer = await get(`/api/calls?organizationId=${id}`);
				expect(answer.status).toBe(404);
				expect(answer.json).toEqual({ error: 'Organization not found' });
				// organizationId is a string without a documented format: not a contract violation.
				expect(last(sandbox).valid).toBe(true);
			}
		});
	});

	describe('status progression and the callback', () => {
		it('complete(): terminal status with callDetails, a call record, and the callback POST mirroring GET status', async () => {
			const id = await dispatch();
			const completion = await sandbox.alloMia.complete(id, 'completed', { duration: 75 });
			// Resolved only once the receiver answered.
			expect(receiver.received).toHaveLength(1);
			expect(completion.callback).toMatchObject({
				status: 200,
				url: `${receiver.url}/status`,
				provider: 'allomia',
			});

			const status = await get(`/api/outbound/${id}/status`);
			expect(status.json).toMatchObject({
				outboundCallId: id,
				status: 'completed',
				callDetails: { duration: 75, endedReason: 'customer-ended-call' },
			});
			expect(receiver.received[0]).toMatchObject({
				method: 'POST',
				path: '/status',
				body: status.json,
			});
			expect(receiver.received[0].headers['content-type']).toBe('application/json');

			const detail = await get(`/api/calls/${id}`);
			expect(detail.status).toBe(200);
			const record = detail.json as Record<string, string>;
			const callDetails = (status.json as { callDetails: Record<string, string> }).callDetails;
			// get-call's fields (newer page version), names and types as documented.
			expect(record).toEqual({
				id,
				organizationId: ORG,
				callType: 'Outbound',
				agentId: seed.assistantId,
				agentName: 'Mia Reception',
				teamId: expect.stringMatching(UUID),
				teamName: 'Front Desk',
				phoneNumber: '+15145550100',
				callStartedAt: callDetails.startedAt,
				callEndedAt: callDetails.endedAt,
				callDurationSeconds: '75',
				callEndedReason: 'customer-ended-call',
				userName: 'John Doe',
				userPhoneNumber: '+15145551234',
				userPrimaryIntent: expect.any(String),
				userSentiment: 'positive',
				callOutcome: 'appointment_confirmed',
				callSummary: expect.any(String),
				callSummaryFr: expect.any(String),
				transcriptUrl: expect.stringContaining(`/transcripts/${id}.txt?`),
				recordingUrl: expect.any(String),
				createdAt: expect.any(String),
			});
			for (const key of ['transcriptUrl', 'recordingUrl']) {
				const url = new URL(record[key]);
				const expires = Number(url.searchParams.get('Expires'));
				expect(expires).toBeGreaterThan(Date.now() / 1000 + 3500);
				expect(expires).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
				expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
			}
			const list = await get(`/api/calls?organizationId=${ORG}`);
			expect((list.json as { calls: Array<{ id: string }> }).calls[0].id).toBe(id);
		});

		it.each([
			['failed', 'error'],
			['busy', 'customer-busy'],
			['no-answer', 'customer-did-not-answer'],
		] as const)('complete(%s): no recording or transcript', async (outcome, endedReason) => {
			const id = await dispatch();
			await sandbox.alloMia.complete(id, outcome);
			expect((await get(`/api/outbound/${id}/status`)).json).toMatchObject({
				status: outcome,
				callDetails: { duration: 0, endedReason },
			});
			expect((await get(`/api/calls/${id}`)).json).toMatchObject({
				callEndedReason: endedReason,
				callDurationSeconds: '0',
				transcriptUrl: null,
				recordingUrl: null,
				callSummary: null,
				callOutcome: null,
			});
			expect((receiver.received[0].body as { status: string }).status).toBe(outcome);
		});

		it('complete() refuses unknown and already-ended calls', async () => {
			await expect(
				sandbox.alloMia.complete('00000000-0000-4000-8000-000000000000', 'completed'),
			).rejects.toThrow('Outbound call not found');
			const id = await dispatch();
			await sandbox.alloMia.complete(id, 'busy');
			await expect(sandbox.alloMia.complete(id, 'completed')).rejects.toThrow('already busy');
		});

		it('the control API completes a call', async () => {
			const id = await dispatch();
			const answer = await call(`${sandbox.url}/__sandbox/allomia/calls/${id}/complete`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ outcome: 'no-answer' }),
			});
			expect(answer.status).toBe(200);
			expect((answer.json as { status: { status: string } }).status.status).toBe('no-answer');
			expect(((await call(`${sandbox.url}/__sandbox/callbacks`)).json as unknown[]).length).toBe(1);
			expect(
				(
					await call(`${sandbox.url}/__sandbox/allomia/calls/${id}/complete`, {
						method: 'POST',
						body: '{}',
					})
				).status,
			).toBe(409);
		});

		it('autoCompleteAfterMs / autoOutcome', async () => {
			const auto = await startSandbox({
				alloMia: { autoCompleteAfterMs: 100, autoOutcome: 'busy' },
			});
			try {
				const answer = await call(`${auto.baseUrls.alloMia}/api/outbound`, {
					method: 'POST',
					headers: json,
					body: JSON.stringify({ ...seed, callbackUrl: `${receiver.url}/auto` }),
				});
				const { outboundCallId } = answer.json as { outboundCallId: string };
				const [callback] = await receiver.waitFor(1);
				expect(callback.body).toMatchObject({ outboundCallId, status: 'busy' });
				const status = await call(
					`${auto.baseUrls.alloMia}/api/outbound/${outboundCallId}/status`,
					{ headers: auth },
				);
				expect((status.json as { status: string }).status).toBe('busy');
			} finally {
				await auto.close();
			}
		});
	});

	describe('GET /api/calls', () => {
		type Page = {
			calls: Array<{
				id: string;
				callType: string;
				callDurationSeconds: string;
				agentName: string;
				callStartedAt: string;
			}>;
			pagination: Record<string, unknown>;
		};
		const list = async (query: string): Promise<Page> =>
			(await get(`/api/calls?organizationId=${ORG}${query}`)).json as Page;

		it('paginates', async () => {
			const page = await list('&limit=3&page=2');
			expect(page.calls).toHaveLength(1);
			expect(page.pagination).toEqual({
				page: 2,
				limit: 3,
				total: 4,
				totalPages: 2,
				hasNextPage: false,
				hasPreviousPage: true,
			});
			expect((await list('')).pagination).toMatchObject({
				page: 1,
				limit: 20,
				total: 4,
				hasNextPage: false,
				hasPreviousPage: false,
			});
		});

		it('filters and sorts', async () => {
			expect((await list('&callType=Web')).calls.map((c) => c.callType)).toEqual(['Web']);
			expect((await list('&agentName=sales')).calls.map((c) => c.agentName)).toEqual(['Mia Sales']);
			const durations = (await list('&sort=duration_desc')).calls.map((c) =>
				Number(c.callDurationSeconds),
			);
			expect(durations).toEqual([305, 132, 48, 0]);
			const ascending = (await list('&sort=asc')).calls.map((c) => c.callStartedAt);
			expect(ascending).toEqual([...ascending].sort());
			const window = await list(
				`&from=${encodeURIComponent('2025-03-04T00:00:00Z')}&to=${encodeURIComponent('2025-03-04T23:59:59Z')}`,
			);
			expect(window.calls).toHaveLength(2);
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});

		it('GET /api/calls/{id} adds callSummary, userSentiment, userPrimaryIntent, callOutcome and pre-signed URLs', async () => {
			const id = SANDBOX_FIXTURES.alloMia.calls[0].id;
			const detail = (await get(`/api/calls/${id}`)).json as Record<string, unknown>;
			expect(detail).toMatchObject({
				id,
				callSummary: expect.any(String),
				callSummaryFr: expect.any(String),
				userSentiment: 'positive',
				userPrimaryIntent: 'confirm_appointment',
				callOutcome: 'appointment_confirmed',
				callEndedReason: 'customer-ended-call',
				callDurationSeconds: '132',
			});
			for (const old of ['summary', 'sentiment', 'intent', 'duration', 'status'])
				expect(detail).not.toHaveProperty(old);
			expect(String(detail.recordingUrl)).toContain('X-Amz-Expires=3600');
			const listed = (await list('')).calls.find((c) => c.id === id) as
				| Record<string, unknown>
				| undefined;
			// list-calls: basic call information only.
			expect(Object.keys(listed ?? {}).sort()).toEqual(
				[
					'id',
					'organizationId',
					'callType',
					'agentId',
					'agentName',
					'teamId',
					'teamName',
					'phoneNumber',
					'callStartedAt',
					'callEndedAt',
					'callDurationSeconds',
					'userPhoneNumber',
					'createdAt',
				].sort(),
			);
		});
	});
});

// -------------------------------------------------------------------------------------------------

// Seed 003: the --data argument byte for byte.
const SEED_003_BODY = `{
  "teamId": "363573667364666473667332",
  "phoneNumberId": "363573667364666473667332",
  "callTemplateId": "363573667364666473667332",
  "nameOfHuman": "John",
  "fromPhoneNumber": "+1234567890",
  "toPhoneNumber": "+1234567890",
  "toEmailAddress": "someone@email.com",
  "status": "queued",
  "telephonyProvider": "twilio",
  "promptVariableValues": [
    {
      "key": "customer_name",
      "value": "John"
    }
  ],
  "record": false,
  "callDelayedUntil": "2023-10-12T09:08:00.387Z",
  "phoneCallWebhooks": [
    {
      "url": "https://hooks.abc.com/",
      "subscribedEvent": "phoneCall.completed",
      "secret": "NjUyOTgwMjkpJU0NmY25yzWkJFWDBE12"
    }
  ]
}`;

describe('AICaller', () => {
	let sandbox: Sandbox;
	let base: string;
	let receiver: Receiver;
	const auth = { 'aicaller-api-key': 'aicaller-sandbox-key' };
	const json = { ...auth, 'content-type': 'application/json' };
	const seed = JSON.parse(SEED_003_BODY) as Record<string, unknown>;
	const HEX24 = /^[0-9a-f]{24}$/;

	beforeAll(async () => {
		sandbox = await startSandbox({ checkResponses: true });
		base = sandbox.baseUrls.aiCaller;
		receiver = await startReceiver();
	});
	afterEach(() => {
		expect(sandbox.responseProblems).toEqual([]);
		sandbox.reset();
		receiver.received.length = 0;
	});
	afterAll(async () => {
		await sandbox.close();
		await receiver.close();
	});

	const create = (body: unknown, headers: Record<string, string> = json): Promise<Answer> =>
		call(`${base}/v1/phoneCalls`, {
			method: 'POST',
			headers,
			body: typeof body === 'string' ? body : JSON.stringify(body),
		});
	const get = (path: string, headers: Record<string, string> = auth): Promise<Answer> =>
		call(base + path, { headers });
	const withHooks = async (hooks: unknown[]): Promise<string> => {
		const answer = await create({ ...seed, phoneCallWebhooks: hooks });
		expect(answer.status).toBe(200);
		return data<{ _id: string }>(answer)._id;
	};

	it('seed 003, byte for byte: the created call echoes the input with _id, createdAt, updatedAt', async () => {
		const answer = await create(SEED_003_BODY);
		expect(answer.status).toBe(200);
		const created = data(answer);
		expect(created).toEqual({
			...seed,
			_id: expect.stringMatching(HEX24),
			createdAt: expect.any(String),
			updatedAt: expect.any(String),
		});
		expect(last(sandbox)).toMatchObject({
			provider: 'aicaller',
			path: '/v1/phoneCalls',
			operationId: 'createPhoneCall',
			valid: true,
			rawBody: SEED_003_BODY,
		});
		expect(data(await get(`/v1/phoneCalls/${String(created._id)}`))).toEqual(created);
	});

	it('defaults: status queued, record false', async () => {
		const minimal: Record<string, unknown> = { ...seed };
		delete minimal.status;
		delete minimal.record;
		expect(data(await create(minimal))).toMatchObject({ status: 'queued', record: false });
	});

	it('accepts both "cancelled" and "canceled", and every telephony provider of the seed', async () => {
		for (const status of ['cancelled', 'canceled'])
			expect((await create({ ...seed, status })).status).toBe(200);
		for (const telephonyProvider of ['twilio', 'plivo', 'telnyx'])
			expect((await create({ ...seed, telephonyProvider })).status).toBe(200);
	});

	describe('contract violations → 400 { error: { message, statusCode } } naming the field', () => {
		const cases: Array<[string, unknown, string]> = [
			['teamId missing', { ...seed, teamId: undefined }, 'body.teamId: is required'],
			['teamId empty', { ...seed, teamId: '' }, 'body.teamId'],
			[
				'callTemplateId not a string',
				{ ...seed, callTemplateId: 363573667364666 },
				'body.callTemplateId',
			],
			[
				'promptVariableValues missing',
				{ ...seed, promptVariableValues: undefined },
				'body.promptVariableValues: is required',
			],
			[
				'promptVariableValues item without value',
				{ ...seed, promptVariableValues: [{ key: 'a' }] },
				'body.promptVariableValues[0].value',
			],
			[
				'telephonyProvider unknown',
				{ ...seed, telephonyProvider: 'vonage' },
				'body.telephonyProvider',
			],
			['status unknown', { ...seed, status: 'done' }, 'body.status'],
			[
				'callDelayedUntil with an offset instead of Z',
				{ ...seed, callDelayedUntil: '2023-10-12T11:08:00.387+02:00' },
				'body.callDelayedUntil',
			],
			[
				'callDelayedUntil not a date-time',
				{ ...seed, callDelayedUntil: 'tomorrow Z' },
				'body.callDelayedUntil',
			],
			[
				'toEmailAddress not an email',
				{ ...seed, toEmailAddress: 'someone' },
				'body.toEmailAddress',
			],
			['record not a boolean', { ...seed, record: 'yes' }, 'body.record'],
			[
				'webhook url not a URI',
				{ ...seed, phoneCallWebhooks: [{ url: 'hooks', subscribedEvent: 'phoneCall.completed' }] },
				'body.phoneCallWebhooks[0].url',
			],
			[
				'webhook event empty',
				{
					...seed,
					phoneCallWebhooks: [{ url: 'https://a.b/', subscribedEvent: '' }],
				},
				'body.phoneCallWebhooks[0].subscribedEvent',
			],
			[
				'undocumented field',
				{ ...seed, language: 'en' },
				'body.language: is not a documented property',
			],
		];
		it.each(cases)('%s', async (_name, body, expected) => {
			const answer = await create(body);
			expect(answer.status).toBe(400);
			const payload = answer.json as { error: { message: string; statusCode: number } };
			expect(payload.error.statusCode).toBe(400);
			expect(payload.error.message).toContain(expected);
			expect(last(sandbox).valid).toBe(false);
			expect(last(sandbox).validationErrors.join('\n')).toContain(expected);
		});

		it('batch: empty array, invalid item; list: undocumented paging, empty callTemplateId', async () => {
			const batch = (body: unknown): Promise<Answer> =>
				call(`${base}/v1/phoneCalls/batch`, {
					method: 'POST',
					headers: json,
					body: JSON.stringify(body),
				});
			expect((await batch({ phoneCalls: [] })).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('body.phoneCalls');
			expect((await batch({ phoneCalls: [seed, { ...seed, nameOfHuman: '' }] })).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('body.phoneCalls[1].nameOfHuman');
			expect((await batch([seed])).status).toBe(400);
			// The list page documents callTemplateId only: paging parameters are not part of it.
			for (const query of ['limit=20', 'page=2', 'offset=0']) {
				expect((await get(`/v1/phoneCalls?${query}`)).status).toBe(400);
				expect(last(sandbox).validationErrors.join()).toContain(
					`query.${query.split('=')[0]}: is not a documented parameter`,
				);
			}
			expect((await get('/v1/phoneCalls?callTemplateId=')).status).toBe(400);
			expect(last(sandbox).validationErrors.join()).toContain('query.callTemplateId');
		});
	});

	describe('IDs have no documented format', () => {
		it("the docs' example call: GET /v1/phoneCalls/12345678901234567890 answers it as the page shows it", async () => {
			const answer = await get('/v1/phoneCalls/12345678901234567890');
			expect(answer.status).toBe(200);
			expect(last(sandbox)).toMatchObject({ valid: true, operationId: 'getPhoneCall' });
			expect(data(answer)).toMatchObject({
				_id: '12345678901234567890',
				teamId: '363573667364666473667332',
				nameOfHuman: 'John',
				statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: '2024-03-11T10:00:00Z' },
				fixedMeetingTime: '2024-03-11T10:00:00Z',
				resultValues: [{ columnName: 'city', value: 'Bangalore' }],
				fileId: '363573667364666473667332',
				fileName: 'lead_list.csv',
				callDuration: 60,
				callOrigin: 'api',
			});
		});

		it('IDs of any shape pass the contract and are answered by the business rules (404)', async () => {
			for (const id of ['call-7', '42', 'ffffffffffffffffffffffff']) {
				expect((await get(`/v1/phoneCalls/${id}`)).json).toEqual({
					error: { message: 'Phone call not found', statusCode: 404 },
				});
				expect(last(sandbox).valid).toBe(true);
			}
			expect((await create({ ...seed, teamId: 'team-1' })).status).toBe(404);
			expect((await create({ ...seed, callTemplateId: '12345678901234567890' })).status).toBe(404);
			expect((await create({ ...seed, phoneNumberId: 'pn-1' })).status).toBe(404);
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});

		it('every operation names its docs.aicaller.io page (externalDocs)', () => {
			const document = loadDocument('aicaller.json') as unknown as {
				paths: Record<string, Record<string, { externalDocs?: { url: string } }>>;
			};
			const pages = Object.entries(document.paths).flatMap(([route, operations]) =>
				Object.entries(operations).map(([method, operation]) => [
					`${method.toUpperCase()} ${route}`,
					operation.externalDocs?.url,
				]),
			);
			expect(Object.fromEntries(pages)).toEqual({
				'POST /v1/phoneCalls':
					'https://docs.aicaller.io/api-reference/phone-calls/post-v1phonecalls',
				'GET /v1/phoneCalls': 'https://docs.aicaller.io/api-reference/phone-calls/get-v1phonecalls',
				'POST /v1/phoneCalls/batch':
					'https://docs.aicaller.io/api-reference/phone-calls/post-v1phonecallsbatch',
				'GET /v1/phoneCalls/{id}':
					'https://docs.aicaller.io/api-reference/phone-calls/get-v1phonecalls-1',
			});
		});
	});

	describe('authentication and 404', () => {
		it('missing header → 401 (invalid), wrong key → 401 (valid), Bearer instead of the header → 401 (invalid)', async () => {
			const missing = await get('/v1/phoneCalls', {});
			expect(missing.status).toBe(401);
			expect(missing.json).toEqual({
				error: { message: 'Invalid or missing API key', statusCode: 401 },
			});
			expect(last(sandbox)).toMatchObject({ valid: false });
			expect(last(sandbox).validationErrors.join()).toContain('aicaller-api-key');
			expect((await get('/v1/phoneCalls', { 'aicaller-api-key': 'wrong' })).status).toBe(401);
			expect(last(sandbox).valid).toBe(true);
			expect(
				(await get('/v1/phoneCalls', { authorization: 'Bearer aicaller-sandbox-key' })).status,
			).toBe(401);
			expect(last(sandbox).valid).toBe(false);
		});

		it('unknown team, template, phone number and call → 404', async () => {
			const other = 'ffffffffffffffffffffffff';
			expect((await create({ ...seed, teamId: other })).json).toEqual({
				error: { message: 'Team not found', statusCode: 404 },
			});
			expect((await create({ ...seed, callTemplateId: other })).json).toEqual({
				error: { message: 'Call template not found', statusCode: 404 },
			});
			expect((await create({ ...seed, phoneNumberId: other })).json).toEqual({
				error: { message: 'Phone number not found', statusCode: 404 },
			});
			expect((await get(`/v1/phoneCalls/${other}`)).json).toEqual({
				error: { message: 'Phone call not found', statusCode: 404 },
			});
			expect(sandbox.requests.every((r) => r.valid)).toBe(true);
		});
	});

	describe('batch and list', () => {
		it('batch answers data[] in input order; list shows the new calls first', async () => {
			const names = ['Ann', 'Bob', 'Cid'];
			const answer = await call(`${base}/v1/phoneCalls/batch`, {
				method: 'POST',
				headers: json,
				body: JSON.stringify({
					phoneCalls: names.map((nameOfHuman) => ({ ...seed, nameOfHuman })),
				}),
			});
			expect(answer.status).toBe(200);
			const created = data<Array<{ _id: string; nameOfHuman: string }>>(answer);
			expect(created.map((c) => c.nameOfHuman)).toEqual(names);
			expect(new Set(created.map((c) => c._id)).size).toBe(3);
			// No paging: the whole list, newest first.
			const listed = data<Array<{ nameOfHuman: string }>>(await get('/v1/phoneCalls'));
			expect(listed).toHaveLength(SANDBOX_FIXTURES.aiCaller.calls.length + 3);
			expect(listed.slice(0, 3).map((c) => c.nameOfHuman)).toEqual([...names].reverse());
		});

		it("list ?callTemplateId= keeps that template's calls; an unknown one gives an empty list", async () => {
			const template = SANDBOX_FIXTURES.aiCaller.callTemplates[1]._id;
			const listed = data<Array<{ _id: string; callTemplateId: string }>>(
				await get(`/v1/phoneCalls?callTemplateId=${template}`),
			);
			expect(last(sandbox)).toMatchObject({ valid: true, query: { callTemplateId: template } });
			expect(listed.map((c) => c._id)).toEqual(
				SANDBOX_FIXTURES.aiCaller.calls
					.filter((c) => c.callTemplateId === template)
					.map((c) => c._id),
			);
			const seedTemplate = data<Array<{ callTemplateId: string }>>(
				await get(`/v1/phoneCalls?callTemplateId=${String(seed.callTemplateId)}`),
			);
			expect(seedTemplate.length).toBeGreaterThan(listed.length);
			expect(seedTemplate.every((c) => c.callTemplateId === seed.callTemplateId)).toBe(true);
			expect(
				data<unknown[]>(await get('/v1/phoneCalls?callTemplateId=12345678901234567890')),
			).toEqual([]);
		});

		it('batch is all-or-nothing', async () => {
			const answer = await call(`${base}/v1/phoneCalls/batch`, {
				method: 'POST',
				headers: json,
				body: JSON.stringify({
					phoneCalls: [seed, { ...seed, callTemplateId: 'ffffffffffffffffffffffff' }],
				}),
			});
			expect(answer.json).toEqual({
				error: { message: 'phoneCalls[1]: Call template not found', statusCode: 404 },
			});
			expect(sandbox.aiCaller.state.calls).toHaveLength(SANDBOX_FIXTURES.aiCaller.calls.length);
		});
	});

	describe('progression and the phoneCall.completed webhook', () => {
		it('advance() walks queued → ringing → inProgress → completed, filling the timestamps', async () => {
			const id = await withHooks([
				{ url: `${receiver.url}/hook`, subscribedEvent: 'phoneCall.completed', secret: 's3cret' },
			]);
			expect((await sandbox.aiCaller.advance(id)).call.status).toBe('ringing');
			expect((await sandbox.aiCaller.advance(id)).call.status).toBe('inProgress');
			expect(receiver.received).toHaveLength(0);
			const done = await sandbox.aiCaller.advance(id);
			expect(done.call.status).toBe('completed');
			expect(done.webhooks).toHaveLength(1);
			const fetched = data<Record<string, unknown>>(await get(`/v1/phoneCalls/${id}`));
			expect(fetched).toMatchObject({
				status: 'completed',
				callTriggeredAt: expect.any(String),
				callStartedAt: expect.any(String),
				callEndedAt: expect.any(String),
				callDuration: expect.any(Number),
				statusExtraInfo: { statusCode: 'ENDED_NORMALLY', dateTime: expect.any(String) },
				resultValues: [{ columnName: 'appointmentConfirmed', value: 'yes' }],
			});
			await expect(sandbox.aiCaller.advance(id)).rejects.toThrow('already completed');
		});

		it('secret mode "header" (default): x-aicaller-secret, payload { event, data }', async () => {
			const id = await withHooks([
				{
					url: `${receiver.url}/completed`,
					subscribedEvent: 'phoneCall.completed',
					secret: 's3cret',
				},
				{ url: `${receiver.url}/all`, subscribedEvent: 'phoneCall.*' },
				{ url: `${receiver.url}/failed-only`, subscribedEvent: 'phoneCall.failed', secret: 'x' },
			]);
			const { webhooks } = await sandbox.aiCaller.complete(id, 'completed');
			expect(webhooks.map((w) => w.status)).toEqual([200, 200]);
			expect(receiver.received.map((r) => r.path)).toEqual(['/completed', '/all']);
			const [first, second] = receiver.received;
			expect(first.headers['x-aicaller-secret']).toBe('s3cret');
			expect(second.headers['x-aicaller-secret']).toBeUndefined();
			expect(first.body).toMatchObject({
				event: 'phoneCall.completed',
				data: { _id: id, status: 'completed' },
			});
			expect(sandbox.callbacks.map((c) => c.event)).toEqual([
				'phoneCall.completed',
				'phoneCall.completed',
			]);
		});

		it('secret mode "hmac": x-aicaller-signature is sha256=HMAC(raw body)', async () => {
			sandbox.aiCaller.setWebhookSecretMode('hmac');
			const id = await withHooks([
				{ url: `${receiver.url}/hmac`, subscribedEvent: 'phoneCall.completed', secret: 's3cret' },
			]);
			await sandbox.aiCaller.complete(id, 'completed');
			const [received] = receiver.received;
			const expected = `sha256=${createHmac('sha256', 's3cret').update(received.rawBody).digest('hex')}`;
			expect(received.headers['x-aicaller-signature']).toBe(expected);
			expect(received.headers['x-aicaller-secret']).toBeUndefined();
		});

		it('secret mode "body": the secret is a field of the JSON payload (via the control API)', async () => {
			const mode = await call(`${sandbox.url}/__sandbox/aicaller/webhook-secret-mode`, {
				method: 'POST',
				body: JSON.stringify({ mode: 'body' }),
			});
			expect(mode.status).toBe(200);
			const id = await withHooks([
				{ url: `${receiver.url}/body`, subscribedEvent: 'phoneCall.completed', secret: 's3cret' },
			]);
			const answer = await call(`${sandbox.url}/__sandbox/aicaller/calls/${id}/complete`, {
				method: 'POST',
				body: JSON.stringify({ outcome: 'completed' }),
			});
			expect(answer.status).toBe(200);
			expect(receiver.received[0].body).toMatchObject({
				event: 'phoneCall.completed',
				secret: 's3cret',
			});
		});

		it.each([
			['busy', 'BUSY'],
			['noAnswer', 'NO_ANSWER'],
			['failed', 'FAILED'],
		] as const)('complete(%s): no webhook, statusExtraInfo %s', async (outcome, statusCode) => {
			const id = await withHooks([
				{ url: `${receiver.url}/hook`, subscribedEvent: 'phoneCall.*', secret: 's' },
			]);
			const { call: ended, webhooks } = await sandbox.aiCaller.complete(id, outcome);
			expect(webhooks).toEqual([]);
			expect(ended).toMatchObject({
				status: outcome,
				callDuration: 0,
				statusExtraInfo: { statusCode },
			});
			expect(receiver.received).toHaveLength(0);
		});

		it('a call with record: true gets a recordingUrl once completed', async () => {
			const id = data<{ _id: string }>(
				await create({ ...seed, record: true, phoneCallWebhooks: [] }),
			)._id;
			await sandbox.aiCaller.complete(id, 'completed');
			expect(data<{ recordingUrl: string }>(await get(`/v1/phoneCalls/${id}`)).recordingUrl).toBe(
				`${sandbox.url}/storage/aicaller/recordings/${id}.mp3`,
			);
		});

		it('autoCompleteAfterMs walks the call to completed and fires the webhook', async () => {
			const auto = await startSandbox({
				aiCaller: { autoCompleteAfterMs: 90, webhookSecretMode: 'hmac' },
			});
			try {
				const answer = await call(`${auto.baseUrls.aiCaller}/v1/phoneCalls`, {
					method: 'POST',
					headers: json,
					body: JSON.stringify({
						...seed,
						phoneCallWebhooks: [
							{ url: `${receiver.url}/auto`, subscribedEvent: 'phoneCall.completed', secret: 'k' },
						],
					}),
				});
				const id = data<{ _id: string }>(answer)._id;
				const [hook] = await receiver.waitFor(1);
				expect(hook.headers['x-aicaller-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
				const fetched = await call(`${auto.baseUrls.aiCaller}/v1/phoneCalls/${id}`, {
					headers: auth,
				});
				expect(
					data<{ status: string; callTriggeredAt: string; callStartedAt: string }>(fetched),
				).toMatchObject({
					status: 'completed',
					callTriggeredAt: expect.any(String),
					callStartedAt: expect.any(String),
				});
			} finally {
				await auto.close();
			}
		});
	});
});

// -------------------------------------------------------------------------------------------------

describe('sandbox lifecycle', () => {
	it('reset() restores every provider fixture and cancels pending automatic progressions', async () => {
		const sandbox = await startSandbox({
			alloMia: { autoCompleteAfterMs: 100 },
			aiCaller: { autoCompleteAfterMs: 100 },
		});
		try {
			const allo = await call(`${sandbox.baseUrls.alloMia}/api/outbound`, {
				method: 'POST',
				headers: {
					authorization: 'Bearer allomia-sandbox-key',
					'content-type': 'application/json',
				},
				body: SEED_002_BODY,
			});
			expect(allo.status).toBe(200);
			expect(sandbox.alloMia.state.outboundCalls).toHaveLength(
				SANDBOX_FIXTURES.alloMia.outboundCalls.length + 1,
			);
			sandbox.reset();
			expect(sandbox.alloMia.state.outboundCalls).toHaveLength(
				SANDBOX_FIXTURES.alloMia.outboundCalls.length,
			);
			expect(sandbox.aiCaller.state.calls).toHaveLength(SANDBOX_FIXTURES.aiCaller.calls.length);
			expect(sandbox.helloAnnie.state.conversations).toHaveLength(
				SANDBOX_FIXTURES.helloAnnie.conversations.length,
			);
			await new Promise((r) => setTimeout(r, 200));
			expect(sandbox.callbacks).toHaveLength(0);
			expect(sandbox.requests).toHaveLength(0);
		} finally {
			await sandbox.close();
		}
	});

	it('requestsFor() separates providers; fixtures are frozen', async () => {
		const sandbox = await startSandbox();
		try {
			await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, {
				headers: { authorization: `Bearer ${ANNIE_KEY}` },
			});
			await fetch(`${sandbox.baseUrls.aiCaller}/v1/phoneCalls`, {
				headers: { 'aicaller-api-key': 'aicaller-sandbox-key' },
			});
			expect(sandbox.requestsFor('helloannie').map((r) => r.path)).toEqual(['/bots']);
			expect(sandbox.requestsFor('aicaller').map((r) => r.path)).toEqual(['/v1/phoneCalls']);
			expect(sandbox.requestsFor('allomia')).toEqual([]);
			expect(Object.isFrozen(SANDBOX_FIXTURES.aiCaller.calls[0])).toBe(true);
		} finally {
			await sandbox.close();
		}
	});

	it('onRequest is called once per finished provider request, control calls excluded', async () => {
		const seen: string[] = [];
		const sandbox = await startSandbox({
			onRequest: (r) => seen.push(`${r.method} ${r.path} ${r.status}`),
		});
		try {
			await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, {
				headers: { authorization: `Bearer ${ANNIE_KEY}` },
			});
			await fetch(`${sandbox.url}/__sandbox/requests`);
			sandbox.inject({ path: '/bots', fault: { kind: 'reset-after-body' } });
			await fetch(`${sandbox.baseUrls.helloAnnie}/bots`, {
				headers: { authorization: `Bearer ${ANNIE_KEY}` },
			}).catch(() => undefined);
			await new Promise((r) => setTimeout(r, 20));
			expect(seen).toEqual(['GET /bots 200', 'GET /bots 0']);
		} finally {
			await sandbox.close();
		}
	});

	it('maxRecorded bounds the request log, dropping the oldest', async () => {
		const sandbox = await startSandbox({ maxRecorded: 10 });
		try {
			for (let i = 0; i < 25; i++) {
				await fetch(`${sandbox.baseUrls.helloAnnie}/conversations?offset=${i}`, {
					headers: { authorization: `Bearer ${ANNIE_KEY}` },
				});
			}
			expect(sandbox.requests.length).toBeLessThanOrEqual(10);
			expect(sandbox.requests[sandbox.requests.length - 1].query.offset).toBe('24');
		} finally {
			await sandbox.close();
		}
	});

	it('a port in use is reported, not swallowed', async () => {
		const first = await startSandbox();
		try {
			const port = Number(new URL(first.url).port);
			await expect(startSandbox({ port })).rejects.toThrow(/EADDRINUSE/);
		} finally {
			await first.close();
		}
	});
});

// -------------------------------------------------------------------------------------------------

describe('calls that end by themselves (callEnding: dev:sandbox and the demo)', () => {
	const annie = { authorization: `Bearer ${ANNIE_KEY}`, 'content-type': 'application/json' };
	const allo = { authorization: 'Bearer allomia-sandbox-key', 'content-type': 'application/json' };
	const aiCaller = {
		'aicaller-api-key': 'aicaller-sandbox-key',
		'content-type': 'application/json',
	};
	let receiver: Receiver;

	beforeAll(async () => {
		receiver = await startReceiver();
	});
	afterEach(() => {
		receiver.received.length = 0;
	});
	afterAll(async () => {
		await receiver.close();
	});

	/** One call at each provider; returns their ids. */
	async function placeCalls(
		sandbox: Sandbox,
	): Promise<{ conversationId: string; outboundCallId: string; phoneCallId: string }> {
		const started = await call(`${sandbox.baseUrls.helloAnnie}/calls`, {
			method: 'POST',
			headers: annie,
			body: SEED_000_BODY,
		});
		const outbound = await call(`${sandbox.baseUrls.alloMia}/api/outbound`, {
			method: 'POST',
			headers: allo,
			body: JSON.stringify({
				...JSON.parse(SEED_002_BODY),
				callbackUrl: `${receiver.url}/allomia`,
			}),
		});
		const created = await call(`${sandbox.baseUrls.aiCaller}/v1/phoneCalls`, {
			method: 'POST',
			headers: aiCaller,
			body: JSON.stringify({ ...JSON.parse(SEED_003_BODY), phoneCallWebhooks: [] }),
		});
		expect([started.status, outbound.status, created.status]).toEqual([200, 200, 200]);
		return {
			conversationId: data<{ conversationId: string }>(started).conversationId,
			outboundCallId: (outbound.json as { outboundCallId: string }).outboundCallId,
			phoneCallId: data<{ _id: string }>(created)._id,
		};
	}

	/** Each provider's view of the call: HelloAnnie's conversation, AlloMia's status, AICaller's call. */
	async function statuses(sandbox: Sandbox, ids: Awaited<ReturnType<typeof placeCalls>>) {
		const conversation = data<Record<string, unknown>>(
			await call(`${sandbox.baseUrls.helloAnnie}/conversations/${ids.conversationId}`, {
				headers: annie,
			}),
		);
		const status = (
			await call(`${sandbox.baseUrls.alloMia}/api/outbound/${ids.outboundCallId}/status`, {
				headers: allo,
			})
		).json as Record<string, unknown>;
		const phoneCall = data<Record<string, unknown>>(
			await call(`${sandbox.baseUrls.aiCaller}/v1/phoneCalls/${ids.phoneCallId}`, {
				headers: aiCaller,
			}),
		);
		return { conversation, status, phoneCall };
	}

	/** random() answering these values in turn (then 0): fixes when and how each call ends. */
	const sequence = (...values: number[]) => {
		let index = 0;
		return () => values[index++] ?? 0;
	};

	it("off (the tests' default): a call stays in progress until a test ends it", async () => {
		const sandbox = await startSandbox({ checkResponses: true });
		try {
			const ids = await placeCalls(sandbox);
			await new Promise((r) => setTimeout(r, 300));
			const now = await statuses(sandbox, ids);
			expect(now.conversation.status).toBe('OPEN');
			expect(now.status.status).toBe('calling');
			expect(now.phoneCall.status).toBe('queued');
			expect(receiver.received).toHaveLength(0);
			expect(sandbox.responseProblems).toEqual([]);
		} finally {
			await sandbox.close();
		}
	});

	it("on: every provider's call ends within maxMs, each with its own outcome, and the answers keep to the contracts", async () => {
		// Draws in call order: (time, outcome) for HelloAnnie, AlloMia, AICaller. With the default
		// weights 6/2/1/1 of 10: 0.1 → completed, 0.65 → no-answer, 0.85 → voicemail, 0.95 → busy.
		const sandbox = await startSandbox({
			checkResponses: true,
			callEnding: { minMs: 100, maxMs: 300, random: sequence(0, 0.65, 0.5, 0.85, 1 - 1e-9, 0.95) },
		});
		try {
			const placed = Date.now();
			const ids = await placeCalls(sandbox);
			await receiver.waitFor(1, 2000);
			await new Promise((r) => setTimeout(r, Math.max(0, placed + 500 - Date.now())));
			const ended = await statuses(sandbox, ids);

			// HelloAnnie: no answer → CLOSED, no connected time, tagged.
			expect(ended.conversation).toMatchObject({
				status: 'CLOSED',
				summary: 'The call was not answered.',
				topic: 'No answer',
				conversationTags: ['no-answer'],
				duration: 0,
				endTime: expect.any(String),
			});
			// AlloMia: voicemail → a completed call whose reason says voicemail; the callback carried it.
			expect(ended.status).toMatchObject({
				status: 'completed',
				callDetails: expect.objectContaining({ endedReason: 'voicemail' }),
			});
			expect(receiver.received[0].body).toMatchObject({
				outboundCallId: ids.outboundCallId,
				status: 'completed',
			});
			const record = (
				await call(`${sandbox.baseUrls.alloMia}/api/calls/${ids.outboundCallId}`, { headers: allo })
			).json as Record<string, unknown>;
			expect(record).toMatchObject({ callOutcome: 'voicemail_left', callEndedReason: 'voicemail' });
			// AICaller: busy → never connected.
			expect(ended.phoneCall).toMatchObject({
				status: 'busy',
				callDuration: 0,
				statusExtraInfo: expect.objectContaining({ statusCode: 'BUSY' }),
			});
			expect(sandbox.responseProblems).toEqual([]);
		} finally {
			await sandbox.close();
		}
	});

	it("completed and voicemail in each provider's terms (HelloAnnie summary, AICaller VOICEMAIL_DETECTED)", async () => {
		const sandbox = await startSandbox({
			checkResponses: true,
			callEnding: { minMs: 50, maxMs: 50, random: sequence(0, 0.1, 0, 0.1, 0, 0.85) },
		});
		try {
			const ids = await placeCalls(sandbox);
			await receiver.waitFor(1, 2000);
			await new Promise((r) => setTimeout(r, 150));
			const ended = await statuses(sandbox, ids);
			expect(ended.conversation).toMatchObject({
				status: 'CLOSED',
				summary: expect.stringMatching(/confirmed/),
				conversationTags: ['appointment-confirmation'],
			});
			expect(ended.conversation.duration).toBeGreaterThanOrEqual(1);
			expect(ended.status).toMatchObject({
				status: 'completed',
				callDetails: expect.objectContaining({ endedReason: 'customer-ended-call' }),
			});
			expect(ended.phoneCall).toMatchObject({
				status: 'completed',
				statusExtraInfo: expect.objectContaining({ statusCode: 'VOICEMAIL_DETECTED' }),
			});
			expect(ended.phoneCall.resultValues).toBeUndefined();
			expect(sandbox.responseProblems).toEqual([]);
		} finally {
			await sandbox.close();
		}
	});

	it('a test keeps control: a call it ends first is not ended again, and reset() cancels pending endings', async () => {
		const sandbox = await startSandbox({ callEnding: { minMs: 150, maxMs: 150 } });
		try {
			const ids = await placeCalls(sandbox);
			sandbox.helloAnnie.endCall(ids.conversationId, 'busy');
			await sandbox.alloMia.complete(ids.outboundCallId, 'failed');
			await sandbox.aiCaller.complete(ids.phoneCallId, 'cancelled');
			await new Promise((r) => setTimeout(r, 300));
			const ended = await statuses(sandbox, ids);
			expect([ended.conversation.topic, ended.status.status, ended.phoneCall.status]).toEqual([
				'Busy',
				'failed',
				'cancelled',
			]);

			const again = await placeCalls(sandbox);
			sandbox.reset();
			await new Promise((r) => setTimeout(r, 300));
			expect(receiver.received).toHaveLength(1); // only the failed call's callback above
			expect(
				sandbox.helloAnnie.state.conversations.some(
					(c) => c.conversationId === again.conversationId,
				),
			).toBe(false);
		} finally {
			await sandbox.close();
		}
	});

	it("a provider's autoCompleteAfterMs (the tests' fixed ending) wins over callEnding", async () => {
		const sandbox = await startSandbox({
			callEnding: { minMs: 5000, maxMs: 5000 },
			alloMia: { autoCompleteAfterMs: 50, autoOutcome: 'busy' },
		});
		try {
			const ids = await placeCalls(sandbox);
			await receiver.waitFor(1, 2000);
			expect((await statuses(sandbox, ids)).status.status).toBe('busy');
		} finally {
			await sandbox.close();
		}
	});

	it('HelloAnnie calls can be ended by a test, in code or over the control API', async () => {
		const sandbox = await startSandbox();
		try {
			const ids = await placeCalls(sandbox);
			const answer = await call(
				`${sandbox.url}/__sandbox/helloannie/conversations/${ids.conversationId}/end`,
				{
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ outcome: 'voicemail' }),
				},
			);
			expect(answer.status).toBe(200);
			expect(answer.json).toMatchObject({
				status: 'CLOSED',
				topic: 'Voicemail',
				conversationTags: ['voicemail'],
			});
			expect(() => sandbox.helloAnnie.endCall(ids.conversationId)).toThrow(/already CLOSED/);
			const again = await call(
				`${sandbox.url}/__sandbox/helloannie/conversations/${ids.conversationId}/end`,
				{
					method: 'POST',
					body: '{}',
					headers: { 'content-type': 'application/json' },
				},
			);
			expect(again.status).toBe(409);
		} finally {
			await sandbox.close();
		}
	});

	it('a HelloAnnie call can stop at CLOSING (end time, no summary yet) and be CLOSED by a second end', async () => {
		const sandbox = await startSandbox();
		try {
			const ids = await placeCalls(sandbox);
			const end = async (body: unknown) =>
				await call(`${sandbox.url}/__sandbox/helloannie/conversations/${ids.conversationId}/end`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				});
			const closing = await end({ outcome: 'busy', status: 'CLOSING' });
			expect(closing.status).toBe(200);
			expect(closing.json).toMatchObject({
				status: 'CLOSING',
				endTime: expect.any(String),
				summary: null,
				topic: null,
			});
			const closed = await end({ outcome: 'busy' });
			expect(closed.json).toMatchObject({
				status: 'CLOSED',
				summary: 'The line was busy.',
				conversationTags: ['busy'],
				endTime: (closing.json as { endTime: string }).endTime,
			});
			expect((await end({ status: 'CLOSING' })).status).toBe(409);
			expect((await end({ status: 'ENDED' })).status).toBe(400);
		} finally {
			await sandbox.close();
		}
	});

	it('an AICaller call ends with the statusExtraInfo a test gives, stored as given: any code, with or without a dateTime', async () => {
		const sandbox = await startSandbox();
		try {
			const ids = await placeCalls(sandbox);
			const complete = async (body: unknown) =>
				await call(`${sandbox.url}/__sandbox/aicaller/calls/${ids.phoneCallId}/complete`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				});
			expect((await complete({ statusExtraInfo: { statusCode: 7 } })).status).toBe(400);
			expect((await complete({ statusExtraInfo: { reason: 'x' } })).status).toBe(400);
			const later = { statusCode: 'CALL_LATER', dateTime: '2024-03-11T10:00:00Z' };
			const answer = await complete({ outcome: 'completed', statusExtraInfo: later });
			expect(answer.status).toBe(200);
			const fetched = data<Record<string, unknown>>(
				await call(`${sandbox.baseUrls.aiCaller}/v1/phoneCalls/${ids.phoneCallId}`, {
					headers: aiCaller,
				}),
			);
			expect(fetched).toMatchObject({ status: 'completed', statusExtraInfo: later });
			// Only a call that ended normally answered the template's questions.
			expect(fetched).not.toHaveProperty('resultValues');

			const other = await placeCalls(sandbox);
			const ivr = await sandbox.aiCaller.complete(other.phoneCallId, 'completed', {
				statusCode: 'IVR_DETECTED',
			});
			expect(ivr.call.statusExtraInfo).toEqual({ statusCode: 'IVR_DETECTED' });
		} finally {
			await sandbox.close();
		}
	});

	it('the default spread: times evenly between minMs and maxMs, mostly completed, every outcome drawn', () => {
		const counts: Record<string, number> = {};
		const times: number[] = [];
		for (let i = 0; i < 4000; i++) {
			const { afterMs, outcome } = drawCallEnding(DEV_CALL_ENDING);
			counts[outcome] = (counts[outcome] ?? 0) + 1;
			times.push(afterMs);
		}
		expect(Math.min(...times)).toBeGreaterThanOrEqual(DEV_CALL_ENDING.minMs);
		expect(Math.max(...times)).toBeLessThanOrEqual(DEV_CALL_ENDING.maxMs);
		// 15–45 s: short enough for Wait for Call to End's default 300 s, long enough to watch.
		expect(DEV_CALL_ENDING.maxMs).toBeLessThan(300_000);
		expect(counts.completed / 4000).toBeGreaterThan(0.5);
		for (const outcome of ['no-answer', 'voicemail', 'busy'])
			expect(counts[outcome]).toBeGreaterThan(200);
	});

	it('the command-line forms of dev:sandbox, the demo and the sandbox CLI', () => {
		expect(parseCallSeconds('15-45')).toEqual({ minMs: 15_000, maxMs: 45_000 });
		expect(parseCallSeconds('20')).toEqual({ minMs: 20_000, maxMs: 20_000 });
		expect(() => parseCallSeconds('45-15')).toThrow(/shorter to the longer/);
		expect(() => parseCallSeconds('soon')).toThrow(/not a number of seconds/);
		expect(parseOutcomeWeights('completed=3, busy=1')).toEqual({ completed: 3, busy: 1 });
		expect(() => parseOutcomeWeights('hung-up=1')).toThrow(/unknown call outcome/);
		expect(() => checkCallEnding({ minMs: 10, maxMs: 5 })).toThrow();
		expect(() => checkCallEnding({ minMs: 0, maxMs: 5, outcomes: { completed: 0 } })).toThrow(
			/at least one outcome/,
		);
		expect(drawCallEnding({ minMs: 0, maxMs: 0, outcomes: { busy: 1 } }).outcome).toBe('busy');
	});
});

describe('file storage (recording and transcript links)', () => {
	let sandbox: Sandbox;
	const key = SANDBOX_FIXTURES.alloMia.apiKey;
	const [call] = SANDBOX_FIXTURES.alloMia.calls;

	beforeAll(async () => {
		sandbox = await startSandbox({ logErrors: false });
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => sandbox.reset());

	async function links(): Promise<{ transcriptUrl: string; recordingUrl: string }> {
		const response = await fetch(`${sandbox.baseUrls.alloMia}/api/calls/${call.id}`, {
			headers: { authorization: `Bearer ${key}` },
		});
		return (await response.json()) as { transcriptUrl: string; recordingUrl: string };
	}

	test('serves the files behind the links as a bucket does: type, length, disposition; no API key needed', async () => {
		const { transcriptUrl, recordingUrl } = await links();
		const transcript = await fetch(transcriptUrl);
		expect(transcript.status).toBe(200);
		expect(transcript.headers.get('content-type')).toBe('text/plain; charset=utf-8');
		expect(transcript.headers.get('content-disposition')).toBe(
			`attachment; filename="${call.id}.txt"`,
		);
		const text = await transcript.text();
		expect(Number(transcript.headers.get('content-length'))).toBe(Buffer.byteLength(text));
		expect(text).toContain(`Résumé : ${call.callSummaryFr}`);

		const recording = await fetch(recordingUrl);
		expect(recording.headers.get('content-type')).toBe('audio/mpeg');
		const audio = Buffer.from(await recording.arrayBuffer());
		expect(audio.length).toBe(Number(call.callDurationSeconds) * 16_000);
		expect(Number(recording.headers.get('content-length'))).toBe(audio.length);
		expect([...audio.subarray(0, 4)]).toEqual([0xff, 0xfb, 0x90, 0xc4]);
		expect(sandbox.storage.requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', `/allomia/transcripts/${call.id}.txt`, 200],
			['GET', `/allomia/recordings/${call.id}.mp3`, 200],
		]);
	});

	test("an expired link: 403 with S3's AccessDenied / Request has expired XML; a changed signature: SignatureDoesNotMatch", async () => {
		sandbox.storage.setLinkLifetime(0);
		const { recordingUrl } = await links();
		expect(recordingUrl).toContain('X-Amz-Expires=0');
		const expired = await fetch(recordingUrl);
		expect(expired.status).toBe(403);
		expect(expired.headers.get('content-type')).toBe('application/xml');
		expect(await expired.text()).toMatch(
			/<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/,
		);

		sandbox.storage.setLinkLifetime(null);
		const fresh = await links();
		const tampered = fresh.recordingUrl.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=x');
		const refused = await fetch(tampered);
		expect(refused.status).toBe(403);
		expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
	});

	test('a 50 MB recording (a 3,277 s call) is generated as it is read, 64 KiB at a time: the sandbox never holds the file', async () => {
		const recording = mp3Recording('long.mp3', 3277);
		expect(recording.size).toBe(52_432_000);
		const stream = recording.open();
		let received = 0;
		let largestChunk = 0;
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			received += chunk.length;
			largestChunk = Math.max(largestChunk, chunk.length);
			// Nothing is produced ahead of the reader beyond the stream's own buffer.
			expect(stream.readableLength).toBeLessThanOrEqual(stream.readableHighWaterMark + 64 * 1024);
		}
		expect(received).toBe(52_432_000);
		expect(largestChunk).toBeLessThanOrEqual(64 * 1024);
	});
});

describe('latency (the providers answer times)', () => {
	it('every provider request is answered no sooner than the fixed delay; the control API reads and sets it per run', async () => {
		const sandbox = await startSandbox({ latency: { fixedMs: 150, jitterMs: 50 } });
		try {
			const annie = `${sandbox.baseUrls.helloAnnie}/phone-numbers`;
			const started = Date.now();
			const answers = await Promise.all(
				Array.from({ length: 3 }, () =>
					call(annie, { headers: { authorization: `Bearer ${ANNIE_KEY}` } }),
				),
			);
			expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
			expect(Date.now() - started).toBeGreaterThanOrEqual(150);
			expect((await call(`${sandbox.url}/__sandbox/latency`)).json).toEqual({
				fixedMs: 150,
				jitterMs: 50,
			});

			const set = await call(`${sandbox.url}/__sandbox/latency`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ fixedMs: 0, jitterMs: 0 }),
			});
			expect(set.json).toEqual({ fixedMs: 0, jitterMs: 0 });
			const bad = await call(`${sandbox.url}/__sandbox/latency`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ fixedMs: -1 }),
			});
			expect(bad.status).toBeGreaterThanOrEqual(400);
		} finally {
			await sandbox.close();
		}
	});
});
