/**
 * The sandbox's HelloAnnie token endpoint (POST /oauth/token, client credentials) and its access
 * tokens on the API, driven with plain fetch: the documented request (JSON) and the form OAuth2
 * clients send, the client and audience checks, tokens accepted as Bearer until they expire (a
 * lifetime tests can shorten, or expiry at once), and the control routes the e2e suite uses.
 */
import { startSandbox, SANDBOX_FIXTURES, type Sandbox } from './server';

const { oauth, apiKey } = SANDBOX_FIXTURES.helloAnnie;
const DOCUMENTED_REQUEST = {
	grant_type: 'client_credentials',
	client_id: oauth.clientId,
	client_secret: oauth.clientSecret,
	audience: 'https://api.helloannie.com',
};

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ checkResponses: true, logErrors: false });
});
afterEach(() => {
	expect(sandbox.responseProblems).toEqual([]);
	sandbox.reset();
});
afterAll(async () => {
	await sandbox.close();
});

interface Answer {
	status: number;
	json: unknown;
	headers: Headers;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
	const response = await fetch(url, init);
	const text = await response.text();
	return {
		status: response.status,
		json: text ? JSON.parse(text) : undefined,
		headers: response.headers,
	};
}

const tokenUrl = () => `${sandbox.baseUrls.helloAnnie}/oauth/token`;

function requestToken(
	fields: Record<string, string>,
	as: 'json' | 'form' = 'json',
	headers: Record<string, string> = {},
): Promise<Answer> {
	return call(tokenUrl(), {
		method: 'POST',
		headers: {
			'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
			...headers,
		},
		body: as === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
	});
}

async function token(): Promise<string> {
	const answer = await requestToken(DOCUMENTED_REQUEST);
	expect(answer.status).toBe(200);
	return (answer.json as { access_token: string }).access_token;
}

const listBots = (bearer: string) =>
	call(`${sandbox.baseUrls.helloAnnie}/bots`, { headers: { authorization: `Bearer ${bearer}` } });

const lastRequest = () => sandbox.requests[sandbox.requests.length - 1];

describe('POST /oauth/token', () => {
	test('the documented request (JSON) gets a Bearer token for 24 hours; the request is contract-valid', async () => {
		const answer = await requestToken(DOCUMENTED_REQUEST);
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			access_token: expect.any(String),
			token_type: 'Bearer',
			expires_in: 86400,
		});
		expect(lastRequest()).toMatchObject({
			provider: 'helloannie',
			method: 'POST',
			path: '/oauth/token',
			operationId: 'getAccessToken',
			valid: true,
			body: DOCUMENTED_REQUEST,
		});
	});

	test('the same fields as a form (what OAuth2 clients send) are accepted and recorded as fields', async () => {
		const answer = await requestToken(DOCUMENTED_REQUEST, 'form');
		expect(answer.status).toBe(200);
		expect(lastRequest()).toMatchObject({ valid: true, body: DOCUMENTED_REQUEST });
	});

	test('a wrong client secret is 401 invalid_client', async () => {
		const answer = await requestToken({ ...DOCUMENTED_REQUEST, client_secret: 'wrong' }, 'form');
		expect(answer.status).toBe(401);
		expect(answer.json).toEqual({
			error: 'invalid_client',
			error_description: 'Client authentication failed',
		});
		expect(sandbox.helloAnnie.state.tokens.size).toBe(0);
	});

	test('the client sent as HTTP Basic instead of in the body is refused', async () => {
		const { client_id: id, client_secret: secret, ...rest } = DOCUMENTED_REQUEST;
		const basic = Buffer.from(`${id}:${secret}`).toString('base64');
		const answer = await requestToken({ ...rest, client_id: id, client_secret: secret }, 'form', {
			authorization: `Basic ${basic}`,
		});
		expect(answer.status).toBe(401);
		expect((answer.json as { error: string }).error).toBe('invalid_client');
	});

	test('another audience is 403 access_denied; a missing one is a contract violation (400 invalid_request)', async () => {
		const other = await requestToken({ ...DOCUMENTED_REQUEST, audience: 'https://example.com' });
		expect(other.status).toBe(403);
		expect(other.json).toEqual({
			error: 'access_denied',
			error_description: 'Service not found: https://example.com',
		});
		const withoutAudience: Record<string, string> = { ...DOCUMENTED_REQUEST };
		delete withoutAudience.audience;
		const missing = await requestToken(withoutAudience, 'form');
		expect(missing.status).toBe(400);
		expect(missing.json).toEqual({
			error: 'invalid_request',
			error_description: 'body.audience: is required',
		});
		expect(lastRequest().valid).toBe(false);
	});

	test('a body of another type is a contract violation naming the two documented types', async () => {
		const answer = await call(tokenUrl(), {
			method: 'POST',
			headers: { 'content-type': 'text/plain' },
			body: JSON.stringify(DOCUMENTED_REQUEST),
		});
		expect(answer.status).toBe(400);
		expect(lastRequest().validationErrors).toContain(
			'header.content-type: must be application/json or application/x-www-form-urlencoded (got "text/plain")',
		);
	});
});

describe('access tokens on the API', () => {
	test('a token is accepted as Bearer like the API key', async () => {
		const answer = await listBots(await token());
		expect(answer.status).toBe(200);
		expect(lastRequest()).toMatchObject({ operationId: 'listBots', valid: true, status: 200 });
		expect((await listBots(apiKey)).status).toBe(200);
	});

	test('a token that expired is refused with 401 and WWW-Authenticate invalid_token', async () => {
		sandbox.helloAnnie.setTokenLifetimes(1);
		const short = await token();
		expect((await listBots(short)).status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const answer = await listBots(short);
		expect(answer.status).toBe(401);
		expect(answer.json).toEqual({ success: false, message: 'Unauthorized' });
		expect(answer.headers.get('www-authenticate')).toBe(
			'Bearer error="invalid_token", error_description="The access token expired"',
		);
	});

	test('lifetimes apply in order, the last one to every later token; reset restores 24 hours', async () => {
		sandbox.helloAnnie.setTokenLifetimes(1, 60);
		const lifetimes = async () =>
			((await requestToken(DOCUMENTED_REQUEST)).json as { expires_in: number }).expires_in;
		expect([await lifetimes(), await lifetimes(), await lifetimes()]).toEqual([1, 60, 60]);
		sandbox.reset();
		expect(await lifetimes()).toBe(86400);
		expect(() => sandbox.helloAnnie.setTokenLifetimes(0.5)).toThrow(/whole seconds/);
	});

	test('expireTokens() ends every token issued so far; a token issued afterwards works', async () => {
		const before = await token();
		expect(sandbox.helloAnnie.expireTokens()).toBe(1);
		expect((await listBots(before)).status).toBe(401);
		expect((await listBots(await token())).status).toBe(200);
	});

	test('an unknown token is 401 without the expiry header', async () => {
		const answer = await listBots('sandbox-oauth-not-issued');
		expect(answer.status).toBe(401);
		expect(answer.headers.get('www-authenticate')).toBeNull();
	});
});

describe('control routes (/__sandbox/helloannie/oauth/…)', () => {
	test('token-lifetimes and expire-tokens drive the same as the controls', async () => {
		const control = (path: string, body: unknown) =>
			call(`${sandbox.url}/__sandbox/helloannie/oauth/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
			});
		expect((await control('token-lifetimes', { seconds: [2, 30] })).json).toEqual({
			ok: true,
			tokenLifetimes: [2, 30],
		});
		const first = await token();
		expect(
			((await requestToken(DOCUMENTED_REQUEST)).json as { expires_in: number }).expires_in,
		).toBe(30);
		expect((await control('expire-tokens', {})).json).toEqual({ expired: 2 });
		expect((await listBots(first)).status).toBe(401);
		expect((await control('token-lifetimes', { seconds: 0 })).status).toBe(400);
	});
});
