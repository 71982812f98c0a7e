/**
 * The credentials' connection tests as n8n runs them (test/in-process/credential-test.ts, through
 * n8n-core): a working key passes; a key the provider refuses (401) or does not allow (403) says
 * so and where the right key is found, naming the place the credential's own help names; a Base
 * URL that cannot be reached is reported by n8n with its error code, which the Base URL field's
 * help explains. The key never appears in a message.
 */
import { createServer } from 'node:net';
import type { ICredentialDataDecryptedObject, ICredentialType } from 'n8n-workflow';
import { AiCallerApi } from '../../credentials/AiCallerApi.credentials';
import { AlloMiaApi } from '../../credentials/AlloMiaApi.credentials';
import { HelloAnnieApi } from '../../credentials/HelloAnnieApi.credentials';
import { useSandbox } from '../in-process/sandbox';
import { testCredential } from '../in-process/credential-test';
import { SANDBOX_FIXTURES, type ProviderName, type SandboxBaseUrls } from '../sandbox/server';

const sandbox = useSandbox();

interface Case {
	provider: ProviderName;
	type: ICredentialType;
	/** Where the credential's help says the key comes from; the refusal must name it too. */
	portal: RegExp;
	data(baseUrls: SandboxBaseUrls): ICredentialDataDecryptedObject;
	/** The path the test request uses, for a 403 injected where the provider has none to give. */
	testPath: string;
}

const CASES: Case[] = [
	{
		provider: 'helloannie',
		type: new HelloAnnieApi(),
		portal: /HelloAnnie's Developer Portal/,
		data: (urls) => ({ apiKey: SANDBOX_FIXTURES.helloAnnie.apiKey, baseUrl: urls.helloAnnie }),
		testPath: '/phone-numbers',
	},
	{
		provider: 'allomia',
		type: new AlloMiaApi(),
		portal: /Settings > API Keys/,
		data: (urls) => ({
			apiKey: SANDBOX_FIXTURES.alloMia.apiKey,
			organizationId: SANDBOX_FIXTURES.alloMia.organizationId,
			baseUrl: urls.alloMia,
		}),
		testPath: '/api/calls',
	},
	{
		provider: 'aicaller',
		type: new AiCallerApi(),
		portal: /AICaller account/,
		data: (urls) => ({ apiKey: SANDBOX_FIXTURES.aiCaller.apiKey, baseUrl: urls.aiCaller }),
		testPath: '/v1/phoneCalls',
	},
];

const WRONG_KEY = 'not-the-key-0123456789';

/** A port nothing listens on: opened, then closed again. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

const field = (type: ICredentialType, name: string) =>
	type.properties.find((property) => property.name === name)?.description ?? '';

describe.each(CASES)('$type.displayName', ({ provider, type, portal, data, testPath }) => {
	const run = (changes: ICredentialDataDecryptedObject = {}) =>
		testCredential(type.name, type.test!, { ...data(sandbox.baseUrls), ...changes });

	test('the sandbox key passes', async () => {
		expect(await run()).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sandbox.requestsFor(provider).map((r) => [r.method, r.path, r.status])).toEqual([
			['GET', testPath, 200],
		]);
	});

	test('a wrong key: the provider refused the API key (401), and where to find the right one', async () => {
		const result = await run({ apiKey: WRONG_KEY });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/refused the API key \(HTTP 401\): /);
		expect(result.message).toMatch(portal);
		// The place is the one the credential's help names.
		expect(field(type, 'apiKey')).toMatch(portal);
		expect(result.message).not.toContain(WRONG_KEY);
		// n8n-core asks once more after a 401 (as the e2e suite sees in the real n8n too).
		const statuses = sandbox.requestsFor(provider).map((r) => r.status);
		expect(statuses.length).toBeGreaterThan(0);
		expect(new Set(statuses)).toEqual(new Set([401]));
	});

	test('a key without access (403): refused as well, with what to check', async () => {
		// AlloMia has a key of an inactive organization; the other two are given a 403 answer.
		const changes: ICredentialDataDecryptedObject = {};
		if (provider === 'allomia') changes.apiKey = SANDBOX_FIXTURES.alloMia.inactiveOrgApiKey;
		else sandbox.inject({ provider, path: testPath, fault: { status: 403 } });
		const result = await run(changes);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/refused the API key for this \w+ \(HTTP 403\): /);
		expect(result.message).toMatch(portal);
		expect(sandbox.requestsFor(provider).map((r) => r.status)).toEqual([403]);
	});

	test("a Base URL that cannot be reached: n8n gives the error code, which the Base URL's help explains", async () => {
		const result = await run({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
		expect(result.status).toBe('Error');
		// No rule reaches a request without an answer: n8n 2.41.1 reports the code as it is.
		expect(result.message).toBe('ECONNREFUSED');
		expect(field(type, 'baseUrl')).toContain(result.message);
		expect(field(type, 'baseUrl')).toMatch(/could not reach this address: check it/);
	});
});
