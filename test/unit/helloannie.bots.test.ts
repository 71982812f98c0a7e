/**
 * HelloAnnie bots run by n8n-core against the sandbox: Bot → Get Many, Get, Create and Update,
 * the exact request the sandbox received, the output items, each refusal, and the Bot dropdown
 * listing a bot created here.
 */
import {
	HELLOANNIE_CREATE_BOT_EXAMPLE,
	HELLOANNIE_UPDATE_BOT_FIELDS,
} from '../fixtures/documentation-examples';
import { expectDocumentedRequest } from '../fixtures/requests';
import { useSandbox } from '../in-process/sandbox';
import { listSearch } from '../in-process/n8n-core';
import { runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const F = SANDBOX_FIXTURES.helloAnnie;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const sandbox = useSandbox();

const requests = () => sandbox.requestsFor('helloannie');

describe('Bot → Get Many', () => {
	test("lists the organization's bots (GET /bots), one item each", async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'getAll',
			returnAll: true,
		});
		expectDocumentedRequest(requests()[0], 'GET', '/bots');
		expect(result.items.map((i) => i.json)).toEqual(F.bots);
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
	});

	test('Limit keeps the first bots of the one answer (GET /bots documents no paging)', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'getAll',
			returnAll: false,
			limit: 1,
		});
		expect(result.items.map((i) => i.json.id)).toEqual([F.bots[0].id]);
		expect(requests()).toHaveLength(1);
		expect(requests()[0].query).toEqual({});
	});
});

describe('Bot → Get', () => {
	test('outputs the bot with that ID, read from GET /bots', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'get',
			botId: F.bots[1].id,
		});
		expectDocumentedRequest(requests()[0], 'GET', '/bots');
		expect(result.items.map((i) => i.json)).toEqual([F.bots[1]]);
	});

	test('a bot the organization does not have is refused in plain words, naming the field', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'get',
			botId: UNKNOWN,
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(
			"Bot (botId) is not one of the bots this API key's organization has: choose the bot from the list, or check the ID",
		);
		expect(result.error?.context?.itemIndex).toBe(0);
		expect(requests()).toHaveLength(1);
	});
});

describe('Bot → Create', () => {
	const example = HELLOANNIE_CREATE_BOT_EXAMPLE.parameters;

	test('sends the documented body field for field and outputs the new bot, which Get Many and the Bot dropdown then list', async () => {
		const result = await runHelloAnnie(sandbox, example);
		const [request] = requests();
		expectDocumentedRequest(request, 'POST', '/bots');
		expect(request.rawBody).toBe(JSON.stringify(HELLOANNIE_CREATE_BOT_EXAMPLE.body));
		expect(request.status).toBe(201);
		const bot = result.items[0].json;
		expect(bot).toMatchObject({
			id: expect.stringMatching(UUID),
			name: 'Alex',
			industry: 'DENTAL',
			outbound: false,
			isGuardianEnabled: true,
			orgId: F.orgId,
		});

		const listed = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'getAll',
			returnAll: true,
		});
		expect(listed.items.map((i) => i.json.id)).toEqual([...F.bots.map((b) => b.id), bot.id]);
		const dropdown = await listSearch(
			'n8n-nodes-ai-phone-agents.helloAnnie',
			'searchBots',
			{
				helloAnnieApi: { apiKey: F.apiKey, baseUrl: sandbox.baseUrls.helloAnnie },
			},
			'alex',
		);
		expect(dropdown.results).toEqual([{ name: 'Alex', value: bot.id }]);
	});

	test('only the required fields: nothing else is sent', async () => {
		await runHelloAnnie(sandbox, { ...example, additionalFields: {} });
		expect(requests()[0].rawBody).toBe(
			JSON.stringify({ orgId: example.orgId, name: example.name, greeting: example.greeting }),
		);
	});

	test('a 500 answer is not retried and says the bot may or may not have been created', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/bots',
			method: 'POST',
			fault: { status: 500, body: { success: false, message: 'Internal error' } },
		});
		const result = await runHelloAnnie(sandbox, example);
		expect(requests()).toHaveLength(1);
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toBe(
			'HelloAnnie failed (HTTP 500): Internal error. The request may or may not have been processed',
		);
		expect(result.error?.description).toContain('Check with Bot → Get Many');
	});

	test.each([
		[
			'an empty organization',
			{ orgId: '={{ "" }}' },
			'Organization ID (orgId) is empty: fill it in, or map a value from the input data',
		],
		[
			'an organization that is not an ID',
			{ orgId: 'org-1' },
			'Organization ID (orgId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
		[
			'an empty greeting',
			{ greeting: '={{ "  " }}' },
			'Greeting (greeting) is empty: fill it in, or map a value from the input data',
		],
		[
			'an industry HelloAnnie does not list',
			{ additionalFields: { industry: 'VETERINARY' } },
			'Additional Fields → Industry (additionalFields.industry) is not one of the allowed values: use one of DENTAL, CHIROPRACTIC, OPTOMETRY, WELLNESS, PEDIATRIC, PEDIATRIC_DENTISTRY, ORTHODONTIST, SLEEP_MEDICINE, BUSINESS_CONSULTANT, MARKETING_COMPANY',
		],
		[
			'an integration that is not an ID',
			{ additionalFields: { integrationId: 'crm' } },
			'Additional Fields → Integration ID (additionalFields.integrationId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
	])('%s is refused before sending', async (_case, change, expected) => {
		const result = await runHelloAnnie(sandbox, { ...example, ...change });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(expected);
		expect(requests()).toHaveLength(0);
	});
});

describe('Bot → Update', () => {
	const bot = F.bots[1];
	const update = { resource: 'bot', operation: 'update', botId: bot.id };

	test("sends only the fields set, in the page's order, and outputs the bot as changed", async () => {
		const result = await runHelloAnnie(sandbox, {
			...update,
			updateFields: HELLOANNIE_UPDATE_BOT_FIELDS,
		});
		const [request] = requests();
		expectDocumentedRequest(request, 'PATCH', `/bots/${bot.id}`);
		expect(request.rawBody).toBe(JSON.stringify(HELLOANNIE_UPDATE_BOT_FIELDS));
		expect(result.items[0].json).toMatchObject({
			id: bot.id,
			name: 'Steve',
			internalName: 'pediatric_bot',
			industry: 'PEDIATRIC_DENTISTRY',
			outbound: true,
			greeting: bot.greeting,
		});
		const read = await runHelloAnnie(sandbox, { resource: 'bot', operation: 'get', botId: bot.id });
		expect(read.items[0].json).toMatchObject({ name: 'Steve', outbound: true });
	});

	test('a bot created by Create can be updated', async () => {
		const created = await runHelloAnnie(sandbox, HELLOANNIE_CREATE_BOT_EXAMPLE.parameters);
		const id = String(created.items[0].json.id);
		const result = await runHelloAnnie(sandbox, {
			...update,
			botId: id,
			updateFields: { outbound: true },
		});
		expectDocumentedRequest(requests()[1], 'PATCH', `/bots/${id}`);
		expect(requests()[1].body).toEqual({ outbound: true });
		expect(result.items[0].json).toMatchObject({ id, name: 'Alex', outbound: true });
	});

	test('a transient 500 is retried (setting the same fields again changes nothing)', async () => {
		sandbox.inject({ provider: 'helloannie', path: `/bots/${bot.id}`, fault: { status: 500 } });
		const result = await runHelloAnnie(sandbox, { ...update, updateFields: { name: 'Steve' } });
		expect(requests().map((r) => r.status)).toEqual([500, 200]);
		expect(result.items[0].json.name).toBe('Steve');
	});

	test("an unknown bot gives the provider's 404 message after one request", async () => {
		const result = await runHelloAnnie(sandbox, {
			...update,
			botId: UNKNOWN,
			updateFields: { name: 'Steve' },
		});
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toMatch(
			/^HelloAnnie could not find it \(HTTP 404\): Bot not found/,
		);
		expect(requests()).toHaveLength(1);
	});

	test.each([
		[
			'a bot that is not an ID',
			{ botId: 'recall' },
			'Bot (botId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		],
		[
			'a name that is a list',
			{ updateFields: { name: '={{ ["Steve"] }}' } },
			'Update Fields → Name (updateFields.name) is a list, not a text: enter a text',
		],
	])('%s is refused before sending', async (_case, change, expected) => {
		const result = await runHelloAnnie(sandbox, { ...update, ...change });
		expect(result.error?.message).toBe(expected);
		expect(requests()).toHaveLength(0);
	});
});

describe('Bot → Get Webhook', () => {
	const botId = F.bots[0].id;

	test("outputs where HelloAnnie sends the bot's events (GET /bots/{botId}/webhook), never the token", async () => {
		// A webhook registered with a token, as the HelloAnnie Trigger registers it.
		await fetch(`${sandbox.baseUrls.helloAnnie}/bots/${botId}/webhook`, {
			method: 'PUT',
			headers: { authorization: `Bearer ${F.apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				url: 'https://n8n.example.com/webhook/abc/webhook',
				authToken: 'a'.repeat(64),
			}),
		});
		const result = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'getWebhook',
			botId,
		});
		expect(result.error).toBeUndefined();
		expectDocumentedRequest(requests()[1], 'GET', `/bots/${botId}/webhook`);
		expect(result.items).toEqual([
			{
				json: {
					botId,
					url: 'https://n8n.example.com/webhook/abc/webhook',
					authTokenSet: true,
					createdAt: expect.any(String),
					updatedAt: expect.any(String),
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(JSON.stringify(result.run)).not.toContain('a'.repeat(64));
	});

	test("a bot without a webhook gives HelloAnnie's 404; an ID that is not one is refused before sending", async () => {
		const none = await runHelloAnnie(sandbox, { resource: 'bot', operation: 'getWebhook', botId });
		expect(none.error?.message).toBe('HelloAnnie could not find it (HTTP 404): Webhook not found');
		const bad = await runHelloAnnie(sandbox, {
			resource: 'bot',
			operation: 'getWebhook',
			botId: 'bot-1',
		});
		expect(bad.error?.message).toMatch(/^Bot \(botId\) is not a valid ID/);
		expect(requests()).toHaveLength(1);
	});
});
