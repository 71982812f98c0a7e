/**
 * HelloAnnie with its OAuth2 credential (client credentials), run by n8n-core against the
 * sandbox's token endpoint and API: n8n's own OAuth2 helper gets the token (the audience in the
 * request body), keeps it with the credential and signs every request with it; a token that
 * expired is refused (401), renewed once and the refused request sent again, so a campaign places
 * every call exactly once; a client the token endpoint refuses stops the node before anything is
 * sent. The trigger and the editor's list searches use the same credential.
 *
 * Tokens and the client secret are compared, never printed.
 */
import { createHash, createHmac } from 'node:crypto';

import { HookContext } from 'n8n-core';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeTypes,
} from 'n8n-workflow';

import { HelloAnnieOAuth2Api } from '../../credentials/HelloAnnieOAuth2Api.credentials';
import { HelloAnnie } from '../../nodes/HelloAnnie/HelloAnnie.node';
import { HelloAnnieTrigger } from '../../nodes/HelloAnnie/HelloAnnieTrigger.node';
import { HELLOANNIE_START_CALL_EXAMPLE } from '../fixtures/documentation-examples';
import { testCredential } from '../in-process/credential-test';
import { listSearch, makeAdditionalData, runNode, storedWorkflow } from '../in-process/n8n-core';
import { useSandbox } from '../in-process/sandbox';
import { SANDBOX_FIXTURES } from '../sandbox/server';
import type { RecordedRequest } from '../sandbox/types';

const sandbox = useSandbox();

const NODE = 'n8n-nodes-ai-phone-agents.helloAnnie';
const TYPE = 'helloAnnieOAuth2Api';
const { oauth, bots } = SANDBOX_FIXTURES.helloAnnie;
const [FRONT_DESK_BOT] = bots.map((bot) => bot.id);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The credential as a user fills it in for the sandbox: its token endpoint and API. */
function oauthCredential(
	clientSecret: string = oauth.clientSecret,
): ICredentialDataDecryptedObject {
	return {
		clientId: oauth.clientId,
		clientSecret,
		accessTokenUrl: `${sandbox.baseUrls.helloAnnie}/oauth/token`,
		baseUrl: sandbox.baseUrls.helloAnnie,
	};
}

/** n8n's credential store for one test: n8n-core writes the token it gets into it. */
function store(clientSecret?: string): Record<string, ICredentialDataDecryptedObject> {
	return { [TYPE]: oauthCredential(clientSecret) };
}

const tokenRequests = () =>
	sandbox.requestsFor('helloannie').filter((r) => r.operationId === 'getAccessToken');
const apiRequests = () =>
	sandbox.requestsFor('helloannie').filter((r) => r.operationId !== 'getAccessToken');
/** The tokens the sandbox has issued, oldest first. */
const tokensIssued = () => [...sandbox.helloAnnie.state.tokens.keys()];

/** Whether a request carried `Bearer <token>` (without printing either). */
const bearer = (request: RecordedRequest) => request.headers.authorization ?? '';

function callParameters(extra: IDataObject = {}): IDataObject {
	return {
		authentication: 'oAuth2',
		...HELLOANNIE_START_CALL_EXAMPLE.parameters,
		toNumber: '={{ $json.phone }}',
		...extra,
	};
}

const PATIENTS = ['+15559876501', '+15559876502', '+15559876503', '+15559876504'];

describe('HelloAnnie OAuth2 credential: the token request', () => {
	test('n8n asks the token endpoint with the client in the body and the documented audience, then sends the token as Bearer', async () => {
		const credentials = store();
		const result = await runNode({
			type: NODE,
			parameters: {
				authentication: 'oAuth2',
				resource: 'phoneNumber',
				operation: 'getAll',
				returnAll: true,
			},
			credentials,
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(SANDBOX_FIXTURES.helloAnnie.phoneNumbers.length);

		const [token] = tokenRequests();
		expect(tokenRequests()).toHaveLength(1);
		expect(token.valid).toBe(true);
		expect(token.method).toBe('POST');
		expect(token.body).toEqual({
			grant_type: 'client_credentials',
			client_id: oauth.clientId,
			client_secret: oauth.clientSecret,
			audience: 'https://api.helloannie.com',
		});
		// The client is in the body, as HelloAnnie's example sends it, not in a Basic header.
		expect(token.headers.authorization).toBeUndefined();
		expect(token.status).toBe(200);

		const [list] = apiRequests();
		expect(apiRequests().map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', '/phone-numbers', 200],
		]);
		expect(bearer(list) === `Bearer ${tokensIssued()[0]}`).toBe(true);
		// n8n keeps the token with the credential, as its database does.
		const kept = credentials[TYPE].oauthTokenData as IDataObject;
		expect(kept.access_token === tokensIssued()[0]).toBe(true);
		expect(kept).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
	});

	test('a second run uses the token kept with the credential: no new token request', async () => {
		const credentials = store();
		const parameters = {
			authentication: 'oAuth2',
			resource: 'phoneNumber',
			operation: 'getAll',
			returnAll: true,
		};
		await runNode({ type: NODE, parameters, credentials });
		await runNode({ type: NODE, parameters, credentials });
		expect(tokenRequests()).toHaveLength(1);
		expect(apiRequests().map((r) => r.status)).toEqual([200, 200]);
		expect(apiRequests().every((r) => bearer(r) === `Bearer ${tokensIssued()[0]}`)).toBe(true);
	});
});

describe('HelloAnnie OAuth2 credential: a token that expires during a campaign', () => {
	test('every call is placed exactly once, one new token is fetched, and the refused call is sent once more with it', async () => {
		// The first token lives 1 s, every later one 24 h; Max Requests per Minute spaces the calls
		// 400 ms apart, so the campaign outlives the first token whatever the machine's speed.
		sandbox.helloAnnie.setTokenLifetimes(1, 86_400);
		const credentials = store();
		const result = await runNode({
			type: NODE,
			parameters: callParameters({ requestOptions: { maxPerMinute: 150 } }),
			items: PATIENTS.map((phone) => ({ phone })),
			credentials,
		});

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => [item.json.conversationId, item.pairedItem])).toEqual(
			PATIENTS.map((_, index) => [expect.stringMatching(UUID), { item: index }]),
		);

		// Two tokens: the first, and the one n8n got when the first was refused.
		expect(tokenRequests().map((r) => r.status)).toEqual([200, 200]);
		const [first, second] = tokensIssued();

		const calls = apiRequests();
		expect(calls.every((r) => r.method === 'POST' && r.path === '/calls' && r.valid)).toBe(true);
		// One call was refused (its token had expired) and sent once more; nothing else repeats.
		expect(calls).toHaveLength(PATIENTS.length + 1);
		const refused = calls.filter((r) => r.status === 401);
		expect(refused).toHaveLength(1);
		expect(bearer(refused[0]) === `Bearer ${first}`).toBe(true);
		const placed = calls.filter((r) => r.status === 200);
		expect(placed.map((r) => (r.body as { toNumber: string }).toNumber).sort()).toEqual(PATIENTS);
		// The refused request went out once more, unchanged, after n8n got the new token, with it.
		const [, renewal] = tokenRequests();
		const resent = placed.filter((r) => r.rawBody === refused[0].rawBody);
		expect(resent).toHaveLength(1);
		expect(renewal.at).toBeGreaterThanOrEqual(refused[0].at);
		expect(resent[0].at).toBeGreaterThanOrEqual(renewal.at);
		expect(bearer(resent[0]) === `Bearer ${second}`).toBe(true);
		// Every request carried the first token until the renewal, the new one after it.
		const tokenOf = (r: RecordedRequest) =>
			bearer(r) === `Bearer ${first}` ? 'first' : bearer(r) === `Bearer ${second}` ? 'second' : '?';
		expect(calls.map((r) => [r.at < renewal.at ? 'before' : 'after', tokenOf(r)])).toEqual(
			calls.map((r) => (r.at < renewal.at ? ['before', 'first'] : ['after', 'second'])),
		);

		// HelloAnnie has exactly one conversation per patient; n8n keeps the new token.
		const conversations = sandbox.helloAnnie.state.conversations.filter((c) =>
			PATIENTS.includes(c.toNumber ?? ''),
		);
		expect(conversations.map((c) => c.toNumber).sort()).toEqual(PATIENTS);
		expect((credentials[TYPE].oauthTokenData as IDataObject).access_token === second).toBe(true);
	});

	test('when the new token cannot be had either, the refused call is not sent again and the error names the credential', async () => {
		const credentials = store();
		await runNode({
			type: NODE,
			parameters: callParameters(),
			items: [{ phone: PATIENTS[0] }],
			credentials,
		});
		sandbox.reset();
		// The token HelloAnnie issued has expired, and the client secret was rotated meanwhile.
		sandbox.helloAnnie.state.tokens.set(
			String((credentials[TYPE].oauthTokenData as IDataObject).access_token),
			{ expiresAt: 0 },
		);
		credentials[TYPE] = { ...credentials[TYPE], clientSecret: 'rotated-secret-not-known-yet' };

		const result = await runNode({
			type: NODE,
			parameters: callParameters(),
			items: [{ phone: PATIENTS[1] }],
			credentials,
		});
		expect(result.error?.message).toBe(
			`HelloAnnie did not accept the access token (HTTP 401, nothing was processed), and the credential "${TYPE}" could not get a new one: Client authentication failed (invalid_client)`,
		);
		expect(result.error?.description).toBe(
			'Open the credential and check the Client ID, the Client Secret and the Access Token URL, then run the node again.',
		);
		expect(result.error?.context?.outcomeUncertain).toBeUndefined();
		expect(apiRequests().map((r) => [r.path, r.status])).toEqual([['/calls', 401]]);
		expect(tokenRequests().map((r) => r.status)).toEqual([401]);
		expect(sandbox.helloAnnie.state.conversations.some((c) => c.toNumber === PATIENTS[1])).toBe(
			false,
		);
	});
});

describe('HelloAnnie OAuth2 credential: requests of one run share the token', () => {
	test('a run with no token yet asks the token endpoint once, whatever number of calls it places', async () => {
		const phones = ['+15559876511', '+15559876512', '+15559876513', '+15559876514', '+15559876515'];
		const result = await runNode({
			type: NODE,
			parameters: callParameters(),
			items: phones.map((phone) => ({ phone })),
			credentials: store(),
		});
		expect(result.error).toBeUndefined();
		expect(tokenRequests().map((r) => r.status)).toEqual([200]);
		expect(apiRequests().map((r) => r.status)).toEqual(phones.map(() => 200));
		expect(apiRequests().every((r) => bearer(r) === `Bearer ${tokensIssued()[0]}`)).toBe(true);
	});

	test('calls refused with an expired token get one new token between them, and each is placed once', async () => {
		const credentials = store();
		await runNode({
			type: NODE,
			parameters: {
				authentication: 'oAuth2',
				resource: 'phoneNumber',
				operation: 'getAll',
				returnAll: true,
			},
			credentials,
		});
		sandbox.reset();
		// The token n8n keeps has expired at HelloAnnie: every call of the run meets it first.
		const kept = String((credentials[TYPE].oauthTokenData as IDataObject).access_token);
		sandbox.helloAnnie.state.tokens.set(kept, { expiresAt: 0 });
		const phones = ['+15559876521', '+15559876522', '+15559876523', '+15559876524', '+15559876525'];
		const result = await runNode({
			type: NODE,
			parameters: callParameters(),
			items: phones.map((phone) => ({ phone })),
			credentials,
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(phones.length);
		expect(tokenRequests().map((r) => r.status)).toEqual([200]);
		const renewed = tokensIssued().find((token) => token !== kept);
		const calls = apiRequests();
		// However many were in flight with the old token (at least the first), each is refused once
		// and placed once, with the new token.
		const refused = calls.filter((r) => r.status === 401);
		expect(refused.length).toBeGreaterThanOrEqual(1);
		expect(refused.every((r) => bearer(r) === `Bearer ${kept}`)).toBe(true);
		const placed = calls.filter((r) => r.status === 200);
		expect(placed.map((r) => (r.body as { toNumber: string }).toNumber).sort()).toEqual(phones);
		expect(placed.every((r) => bearer(r) === `Bearer ${renewed}`)).toBe(true);
		expect(calls).toHaveLength(phones.length + refused.length);
	});
});

describe('HelloAnnie OAuth2 credential: a client the token endpoint refuses', () => {
	test('a wrong client secret stops the node with an error naming the credential; nothing is sent to the API', async () => {
		const wrongSecret = 'not-the-client-secret-0123456789';
		const result = await runNode({
			type: NODE,
			parameters: callParameters(),
			items: PATIENTS.slice(0, 2).map((phone) => ({ phone })),
			credentials: store(wrongSecret),
		});
		expect(result.error?.message).toBe(
			`The credential "${TYPE}" could not get an access token from HelloAnnie's token endpoint: Client authentication failed (invalid_client); nothing was sent to HelloAnnie`,
		);
		expect(result.error?.description).toBe(
			'Open the credential and check the Client ID, the Client Secret and the Access Token URL, then run the node again.',
		);
		// A definite outcome: the guard may give a Deduplication Key back.
		expect(result.error?.context?.outcomeUncertain).toBeUndefined();
		expect(JSON.stringify(result.error).includes(wrongSecret)).toBe(false);
		// Asked once (a refusal is not retried); no call reached the API.
		expect(tokenRequests().map((r) => r.status)).toEqual([401]);
		expect(apiRequests()).toEqual([]);
		expect(result.items).toEqual([]);
	});

	test('a token endpoint that cannot be reached is named, and nothing is sent to the API', async () => {
		const credentials = store();
		credentials[TYPE].accessTokenUrl = 'http://127.0.0.1:1/oauth/token';
		const result = await runNode({
			type: NODE,
			parameters: callParameters(),
			items: [{ phone: PATIENTS[0] }],
			credentials,
		});
		expect(result.error?.message).toBe(
			`The credential "${TYPE}" could not get an access token from HelloAnnie's token endpoint: the connection failed (connection refused); nothing was sent to HelloAnnie`,
		);
		expect(result.error?.description).toBe(
			'Check the Access Token URL in the credential and the network, then run the node again.',
		);
		expect(result.error?.context?.outcomeUncertain).toBeUndefined();
		expect(sandbox.requestsFor('helloannie')).toEqual([]);
	});
});

describe('HelloAnnie OAuth2 credential: the connection test', () => {
	const type = new HelloAnnieOAuth2Api();

	test('the sandbox client passes: a token, then the read-only request with it', async () => {
		expect(await testCredential(TYPE, type.test, oauthCredential())).toEqual({
			status: 'OK',
			message: 'Connection successful!',
		});
		expect(sandbox.requestsFor('helloannie').map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/oauth/token', 200],
			['GET', '/phone-numbers', 200],
		]);
	});

	test('a wrong client secret fails with what the token endpoint said', async () => {
		const result = await testCredential(TYPE, type.test, oauthCredential('wrong-secret-0123'));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(
			/^Failed to acquire OAuth2 access token: Client authentication failed/,
		);
		expect(result.message.includes('wrong-secret-0123')).toBe(false);
		expect(apiRequests()).toEqual([]);
	});
});

describe('HelloAnnie OAuth2 credential: list searches and the trigger', () => {
	test("the editor's From Number list uses the OAuth2 credential when the node is set to it", async () => {
		const result = await listSearch(NODE, 'searchPhoneNumbers', store(), undefined, {
			authentication: 'oAuth2',
		});
		expect(result.results.length).toBe(SANDBOX_FIXTURES.helloAnnie.phoneNumbers.length);
		expect(apiRequests().map((r) => [r.path, r.status])).toEqual([['/phone-numbers', 200]]);
		expect(bearer(apiRequests()[0]) === `Bearer ${tokensIssued()[0]}`).toBe(true);
	});

	test('the trigger registers the bot webhook with the access token, and its hand-back token is keyed with the client secret', async () => {
		const trigger = new HelloAnnieTrigger();
		const nodeTypes: INodeTypes = {
			getByName: () => trigger,
			getByNameAndVersion: () => trigger,
			getKnownTypes: () => ({}),
		};
		const webhookId = '0d6b2f1e-7c3a-4e5d-9f8a-1b2c3d4e5f60';
		const node: INode = {
			id: 'trigger',
			name: 'HelloAnnie Trigger',
			type: 'n8n-nodes-ai-phone-agents.helloAnnieTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {
				authentication: 'oAuth2',
				botId: { __rl: true, mode: 'id', value: FRONT_DESK_BOT },
			},
			credentials: { [TYPE]: { id: 'cred-oauth', name: 'HelloAnnie OAuth client' } },
			webhookId,
		};
		const workflow = new Workflow({
			id: 'wf-oauth',
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes,
			staticData: {},
		});
		const additionalData = makeAdditionalData(
			storedWorkflow('wf-oauth', 'test', [node], {}),
			store(),
		);
		const [description] = trigger.description.webhooks ?? [];
		const context = new HookContext(workflow, node, additionalData, 'trigger', 'activate', {
			httpMethod: 'POST',
			node: node.name,
			path: `${webhookId}/${String(description.path)}`,
			webhookDescription: description,
			workflowId: 'wf-oauth',
			workflowExecuteAdditionalData: additionalData,
			webhookId,
			isTest: false,
		});
		expect(await trigger.webhookMethods.default.create.call(context)).toBe(true);

		const [upsert] = apiRequests();
		expect([upsert.method, upsert.path, upsert.status]).toEqual([
			'PUT',
			`/bots/${FRONT_DESK_BOT}/webhook`,
			200,
		]);
		expect(bearer(upsert) === `Bearer ${tokensIssued()[0]}`).toBe(true);
		const productionUrl = `${additionalData.webhookBaseUrl}/${webhookId}/webhook`;
		const handBack = createHmac('sha256', oauth.clientSecret)
			.update(`n8n-helloannie-bot-webhook-hand-back\n${FRONT_DESK_BOT}\n${productionUrl}`)
			.digest('hex');
		const registration = workflow.getStaticData('node', node).production as IDataObject;
		expect(registration.url).toBe(productionUrl);
		expect(
			registration.handBackDigest === createHash('sha256').update(handBack).digest('hex'),
		).toBe(true);
	});
});

describe('HelloAnnie nodes: the Authentication choice', () => {
	test.each([
		['HelloAnnie', new HelloAnnie().description],
		['HelloAnnie Trigger', new HelloAnnieTrigger().description],
	])(
		'%s offers API Key (the default) and OAuth2 first, each with its credential',
		(_, description) => {
			expect(description.properties[0]).toMatchObject({
				name: 'authentication',
				type: 'options',
				default: 'apiKey',
				options: [
					{ name: 'API Key', value: 'apiKey' },
					{ name: 'OAuth2', value: 'oAuth2' },
				],
			});
			expect(description.credentials).toEqual([
				{
					name: 'helloAnnieApi',
					required: true,
					displayOptions: { show: { authentication: ['apiKey'] } },
				},
				{ name: TYPE, required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
			]);
		},
	);

	test('a workflow saved before the choice existed keeps its API key credential', async () => {
		const result = await runNode({
			type: NODE,
			parameters: { resource: 'phoneNumber', operation: 'getAll', returnAll: true },
			credentials: {
				helloAnnieApi: {
					apiKey: SANDBOX_FIXTURES.helloAnnie.apiKey,
					baseUrl: sandbox.baseUrls.helloAnnie,
				},
			},
		});
		expect(result.error).toBeUndefined();
		expect(tokenRequests()).toEqual([]);
		expect(bearer(apiRequests()[0]) === `Bearer ${SANDBOX_FIXTURES.helloAnnie.apiKey}`).toBe(true);
	});
});
