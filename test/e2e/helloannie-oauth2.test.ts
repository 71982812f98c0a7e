/**
 * HelloAnnie's OAuth2 credential (client credentials) inside a real n8n 2.41.1, through n8n's own
 * OAuth2 flow against the sandbox's token endpoint: the editor's credential test gets a token and
 * n8n keeps it with the credential; a workflow uses the kept token; once HelloAnnie refuses it
 * (expired), n8n gets a new one and the refused call is sent once more, placing it exactly once;
 * the new token is kept for the next run. Setup: global-setup.ts; helpers: support.ts.
 */
import { NODE_TYPES } from '../harness/project';
import type { RecordedRequest } from '../sandbox/types';
import { operationSuite, UUID } from './support';

const suite = operationSuite('helloannie', { type: NODE_TYPES.helloAnnie, name: 'HelloAnnie' });

jest.setTimeout(120_000);

const FROM_NUMBER = { __rl: true, mode: 'number', value: '+15551234567' };
const TOKEN = /^Bearer sandbox-oauth-[0-9a-f-]{36}$/;
const isTokenRequest = (request: RecordedRequest) => request.path === '/oauth/token';
const bearer = (request: RecordedRequest) => request.headers.authorization ?? '';

/** Call → Start for each item's phone, with the node set to OAuth2. */
const callStart = {
	authentication: 'oAuth2',
	resource: 'call',
	operation: 'start',
	fromNumber: FROM_NUMBER,
	toNumber: '={{ $json.phone }}',
	patientInfo: {},
	appointmentInfo: {},
};

describe('HelloAnnie OAuth2 credential in n8n', () => {
	test("n8n's credential test gets a token, workflows use it, and an expired token is renewed once without placing a call twice", async () => {
		const { ctx } = suite;
		const credential = ctx.state.credentials.helloAnnieOAuth2;

		// 1. The editor's "Test" of the saved credential (n8n runs the credential's test request
		//    through its OAuth2 helper, which first gets a token with the client credentials).
		const stored = await ctx.n8n.rest<{ data: Record<string, string> }>(
			'GET',
			`/rest/credentials/${credential.id}?includeData=true`,
		);
		expect(stored.data.accessTokenUrl).toBe(`${ctx.state.helloAnnieBaseUrl}/oauth/token`);
		const tested = await ctx.n8n.testCredential(credential, stored.data);
		expect(tested).toEqual({ status: 'OK', message: 'Connection successful!' });
		// (A HelloAnnie Trigger left active by another test file may read its bot's webhook.)
		const testRequests = (await ctx.sandbox.requests()).filter((r) => !r.path.endsWith('/webhook'));
		expect(testRequests.map((r) => [r.method, r.path, r.status, r.valid])).toEqual([
			['POST', '/oauth/token', 200, true],
			['GET', '/phone-numbers', 200, true],
		]);
		// The client in the form body with the documented audience, as n8n's client sends it.
		expect(testRequests[0].headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		expect(testRequests[0].body).toMatchObject({
			grant_type: 'client_credentials',
			client_id: suite.fixtures.oauth.clientId,
			audience: 'https://api.helloannie.com',
		});
		expect(testRequests[0].headers.authorization).toBeUndefined();
		const firstToken = bearer(testRequests[1]);
		expect(firstToken).toMatch(TOKEN);

		// Each run below looks at the requests it added (a reset would forget the tokens issued).
		let seen = testRequests.length;
		const run = async (title: string, phones: string[]) => {
			const result = await suite.run(
				title,
				phones.map((phone) => ({ phone })),
				callStart,
				{ credential },
			);
			const requests = result.requests.slice(seen);
			seen = result.requests.length;
			return { ...result, requests };
		};

		// 2. A campaign of two calls: n8n kept the token the test got, so no token request.
		const campaign = await run('oauth2 campaign', ['+15559876501', '+15559876502']);
		expect(campaign.execution.status).toBe('success');
		expect(campaign.output.map((item) => item.json.conversationId)).toEqual([
			expect.stringMatching(UUID),
			expect.stringMatching(UUID),
		]);
		expect(campaign.requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/calls', 200],
			['POST', '/calls', 200],
		]);
		expect(campaign.requests.every((r) => bearer(r) === firstToken)).toBe(true);

		// 3. HelloAnnie no longer accepts that token: refused once (401), n8n gets a new one, the
		//    same call goes out once more with it and is placed once.
		expect(await ctx.sandbox.expireHelloAnnieTokens()).toBeGreaterThanOrEqual(1);
		const renewed = await run('oauth2 renewal', ['+15559876503']);
		expect(renewed.execution.status).toBe('success');
		expect(renewed.requests.map((r) => [r.method, r.path, r.status])).toEqual([
			['POST', '/calls', 401],
			['POST', '/oauth/token', 200],
			['POST', '/calls', 200],
		]);
		const [refused, , placed] = renewed.requests;
		expect(bearer(refused) === firstToken).toBe(true);
		const secondToken = bearer(placed);
		expect(secondToken).toMatch(TOKEN);
		expect(secondToken === firstToken).toBe(false);
		expect(placed.rawBody).toBe(refused.rawBody);
		expect(renewed.output).toHaveLength(1);

		// 4. n8n kept the new token with the credential: the next run asks for none.
		const next = await run('oauth2 kept token', ['+15559876504']);
		expect(next.execution.status).toBe('success');
		expect(next.requests.filter(isTokenRequest)).toEqual([]);
		expect(next.requests.map((r) => bearer(r) === secondToken)).toEqual([true]);

		// 5. A client secret HelloAnnie refuses, typed into the form of a credential without a kept
		//    token (n8n would test one that has a token with that token), fails the test; nothing
		//    reaches the API.
		await ctx.sandbox.reset();
		const typedData: Record<string, string> = {
			...stored.data,
			clientSecret: 'not-the-client-secret',
		};
		delete typedData.oauthTokenData;
		const typed = await ctx.n8n.testCredential(credential, typedData);
		expect(typed.status).toBe('Error');
		expect(typed.message).toMatch(/Client authentication failed/);
		const refusedTest = await ctx.sandbox.requests();
		expect(refusedTest.length).toBeGreaterThanOrEqual(1);
		expect(refusedTest.every((r) => isTokenRequest(r) && r.status === 401)).toBe(true);
	});
});
