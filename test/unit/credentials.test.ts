/**
 * The credentials' connection tests as n8n runs them (test/in-process/credential-test.ts, through
 * n8n-core): a working key passes; a key the provider refuses (401) or does not allow (403) says
 * so and where the right key is found, naming the place the credential's own help names; a Base
 * URL that cannot be reached is reported by n8n with its error code, which the Base URL field's
 * help explains. The key never appears in a message.
 *
 * n8n 2.41.1's credential form shows every failed test alike, whatever gives its message (an API
 * key's declarative rules, a secret's test method): "Couldn't connect with these settings", the
 * message under "More details". What the message says is therefore also under the field itself,
 * where the form always shows it (the property's hint): where the key comes from, what it looks
 * like, what a secret must be. The empty form shows it too.
 */
import { createServer } from 'node:net';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeProperties,
	INodeType,
} from 'n8n-workflow';
import { AiCallerApi } from '../../credentials/AiCallerApi.credentials';
import { AiCallerWebhookApi } from '../../credentials/AiCallerWebhookApi.credentials';
import { AlloMiaApi } from '../../credentials/AlloMiaApi.credentials';
import { AlloMiaCallbackApi } from '../../credentials/AlloMiaCallbackApi.credentials';
import { HelloAnnieApi } from '../../credentials/HelloAnnieApi.credentials';
import { HelloAnnieOAuth2Api } from '../../credentials/HelloAnnieOAuth2Api.credentials';
import { AiCaller } from '../../nodes/AiCaller/AiCaller.node';
import { AiCallerTrigger } from '../../nodes/AiCaller/AiCallerTrigger.node';
import { AlloMia } from '../../nodes/AlloMia/AlloMia.node';
import { AlloMiaTrigger } from '../../nodes/AlloMia/AlloMiaTrigger.node';
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

const property = (type: ICredentialType, name: string): INodeProperties | undefined =>
	type.properties.find((candidate) => candidate.name === name);
const field = (type: ICredentialType, name: string) => property(type, name)?.description ?? '';
/** The text n8n's credential form shows under a field, always (the description is a tooltip). */
const hint = (type: ICredentialType, name: string) => property(type, name)?.hint ?? '';

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
		// The place is the one the form shows under API Key, before any test and next to the failure.
		expect(hint(type, 'apiKey')).toMatch(portal);
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

describe('the help under each field the user fills in', () => {
	const types: ICredentialType[] = [
		new HelloAnnieApi(),
		new HelloAnnieOAuth2Api(),
		new AlloMiaApi(),
		new AiCallerApi(),
		new AlloMiaCallbackApi(),
		new AiCallerWebhookApi(),
	];

	test.each(types.map((type) => ({ type })))(
		'$type.displayName: every field that starts empty has a hint under it and a tooltip',
		({ type }) => {
			// A field with a working default (Base URL, Access Token URL) is left as it is.
			const empty = type.properties.filter(
				(candidate) => candidate.type !== 'hidden' && candidate.default === '',
			);
			expect(empty.length).toBeGreaterThan(0);
			for (const { name } of empty) {
				expect({ name, hint: hint(type, name) !== '' }).toEqual({ name, hint: true });
				expect({ name, tooltip: field(type, name) !== '' }).toEqual({ name, tooltip: true });
			}
		},
	);

	test("each says where the value comes from, and what it looks like where the provider's pages say", () => {
		// HelloAnnie's pages: keys from the Developer Portal in the organization settings, prefixed
		// annie-sk-v1- (one example shows annie-sk-v2-); OAuth clients from the same portal.
		expect(hint(new HelloAnnieApi(), 'apiKey')).toBe(
			"Generate it in HelloAnnie's Developer Portal, in your organization settings. It starts with annie-sk-.",
		);
		expect(property(new HelloAnnieApi(), 'apiKey')?.placeholder).toBe('annie-sk-v1-…');
		expect(hint(new HelloAnnieOAuth2Api(), 'clientId')).toMatch(
			/HelloAnnie's Developer Portal, on your organization page/,
		);
		// AlloMia's authentication page: organization keys under Settings > API Keys, shown once;
		// tenant keys from the AlloMia team. No page gives a key's format or where the dashboard
		// shows the organization's ID, so neither is stated.
		expect(hint(new AlloMiaApi(), 'apiKey')).toBe(
			'In your AlloMia dashboard: Settings > API Keys > Add Key (AlloMia shows the key once). Or a tenant key the AlloMia team issued you.',
		);
		expect(hint(new AlloMiaApi(), 'organizationId')).toMatch(/carries it as organizationId/);
		expect(property(new AlloMiaApi(), 'organizationId')?.placeholder).toBeUndefined();
		// AICaller's pages give the header only.
		expect(hint(new AiCallerApi(), 'apiKey')).toMatch(/aicaller-api-key header/);
		expect(property(new AiCallerApi(), 'apiKey')?.placeholder).toBeUndefined();
	});
});

describe('the secret credentials: their test gives what the help under the field says', () => {
	type CredentialTest = (
		this: ICredentialTestFunctions,
		credential: ICredentialsDecrypted,
	) => Promise<INodeCredentialTestResult>;

	/** The test n8n runs for a credential type: the method its nodes name in `testedBy`. */
	function testOf(nodes: INodeType[], type: string): CredentialTest {
		const names = nodes.flatMap((node) =>
			(node.description.credentials ?? [])
				.filter((credential) => credential.name === type && typeof credential.testedBy === 'string')
				.map((credential) => credential.testedBy as string),
		);
		expect(new Set(names).size).toBe(1);
		const method = nodes
			.map((node) => node.methods?.credentialTest?.[names[0]])
			.find((candidate) => candidate !== undefined);
		if (!method) throw new Error(`no credentialTest method ${names[0]} for ${type}`);
		return method as CredentialTest;
	}

	const CASES = [
		{
			type: new AlloMiaCallbackApi(),
			name: 'token',
			test: testOf([new AlloMia(), new AlloMiaTrigger()], 'alloMiaCallbackApi'),
		},
		{
			type: new AiCallerWebhookApi(),
			name: 'secret',
			test: testOf([new AiCaller(), new AiCallerTrigger()], 'aiCallerWebhookApi'),
		},
	];

	test.each(CASES)('$type.displayName', async ({ type, name, test: credentialTest }) => {
		const run = async (value: string) =>
			await credentialTest.call({} as ICredentialTestFunctions, {
				id: 'credential-under-test',
				name: type.displayName,
				type: type.name,
				data: { [name]: value },
			});
		const short = 'too-short-123';
		const result = await run(short);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/must be at least 24 characters long \(it has 13\)/);
		expect(result.message).not.toContain(short);
		// The same rule, under the field before any test.
		expect(hint(type, name)).toMatch(/at least 24 characters/);
		expect(await run('a'.repeat(32))).toEqual({
			status: 'OK',
			message: `${property(type, name)?.displayName} accepted`,
		});
	});
});
