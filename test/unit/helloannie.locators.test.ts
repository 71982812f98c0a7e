/**
 * From Number and Bot: searchable lists loaded from the account, and the values a resource
 * locator hands over (picked from the list, typed, or from an expression).
 */
import { useSandbox } from '../in-process/sandbox';
import { listSearch } from '../in-process/n8n-core';
import { runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const F = SANDBOX_FIXTURES.helloAnnie;
const ANNIE_KEY = F.apiKey;
const TYPE = 'n8n-nodes-ai-phone-agents.helloAnnie';

const sandbox = useSandbox();

const credentials = () => ({
	helloAnnieApi: { apiKey: ANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
});

test("From Number lists the account's phone numbers (GET /phone-numbers), searchable", async () => {
	const all = await listSearch(TYPE, 'searchPhoneNumbers', credentials());
	expect(all.results).toEqual(
		F.phoneNumbers.map((p) => ({ name: `${p.name} (${p.number})`, value: p.number })),
	);
	const [request] = sandbox.requestsFor('helloannie');
	expect([request.method, request.path, request.headers.authorization, request.valid]).toEqual([
		'GET',
		'/phone-numbers',
		`Bearer ${ANNIE_KEY}`,
		true,
	]);

	const filtered = await listSearch(
		TYPE,
		'searchPhoneNumbers',
		credentials(),
		F.phoneNumbers[1].number.slice(-4),
	);
	expect(filtered.results.map((r) => r.value)).toEqual([F.phoneNumbers[1].number]);
});

test("Bot lists the account's bots (GET /bots), searchable", async () => {
	const all = await listSearch(TYPE, 'searchBots', credentials());
	expect(all.results).toEqual(F.bots.map((b) => ({ name: b.name, value: b.id })));
	expect(sandbox.requestsFor('helloannie').map((r) => [r.method, r.path, r.valid])).toEqual([
		['GET', '/bots', true],
	]);
	const filtered = await listSearch(
		TYPE,
		'searchBots',
		credentials(),
		F.bots[1].name.toUpperCase(),
	);
	expect(filtered.results.map((r) => r.value)).toEqual([F.bots[1].id]);
});

test('Bot also reads a GET /bots answer whose data is the array itself (its shape is undocumented)', async () => {
	sandbox.inject({
		provider: 'helloannie',
		method: 'GET',
		path: '/bots',
		fault: {
			status: 200,
			body: { success: true, data: [{ id: F.bots[1].id, name: F.bots[1].name, orgId: F.orgId }] },
		},
	});
	const all = await listSearch(TYPE, 'searchBots', credentials());
	expect(all.results).toEqual([{ name: F.bots[1].name, value: F.bots[1].id }]);
	expect(
		sandbox
			.requestsFor('helloannie')
			.map((r) => [r.method, r.path, r.headers.authorization, r.valid]),
	).toEqual([['GET', '/bots', `Bearer ${ANNIE_KEY}`, true]]);
});

test("a wrong key in the dropdown gives the provider's 401 message", async () => {
	await expect(
		listSearch(TYPE, 'searchBots', {
			helloAnnieApi: { apiKey: 'annie-sk-v1-nope', baseUrl: sandbox.baseUrls.helloAnnie },
		}),
	).rejects.toThrow(/^HelloAnnie did not accept the API key \(HTTP 401\)/);
});

test.each([
	['picked from the list', { __rl: true, mode: 'list', value: '+15551234567' }],
	['typed', { __rl: true, mode: 'number', value: '+1 (555) 123-4567' }],
	['from an expression', { __rl: true, mode: 'number', value: '={{ $json.from }}' }],
])('a From Number %s is sent as E.164', async (_how, fromNumber) => {
	const result = await runHelloAnnie(
		sandbox,
		{ resource: 'call', operation: 'start', fromNumber, toNumber: '+15559876543' },
		{ items: [{ from: '+15551234567' }] },
	);
	expect(result.error).toBeUndefined();
	expect(sandbox.requestsFor('helloannie')[0].body).toEqual({
		fromNumber: '+15551234567',
		toNumber: '+15559876543',
	});
});

test('a Bot picked from the list or typed as an ID is sent as its UUID', async () => {
	for (const botId of [
		{ __rl: true, mode: 'list', value: F.bots[1].id },
		{ __rl: true, mode: 'id', value: F.bots[1].id },
	]) {
		await runHelloAnnie(sandbox, {
			resource: 'phoneNumber',
			operation: 'attach',
			phoneNumberId: F.phoneNumbers[0].id,
			botId,
		});
	}
	expect(sandbox.requestsFor('helloannie').map((r) => r.body)).toEqual([
		{ botId: F.bots[1].id },
		{ botId: F.bots[1].id },
	]);
});
