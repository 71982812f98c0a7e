/**
 * The transport's safety rules as a user would notice them:
 * - redirects are never followed (the API key stays with the Base URL), and say whether
 *   anything may have been created;
 * - failures that certainly never reached the provider (connection refused, host not found, a
 *   refused certificate, an API key that cannot be sent) say "nothing was sent", are retried only
 *   where a retry can succeed, and give the item's Deduplication Key back;
 * - pacing honours waits longer than a minute, refuses absurd ones, and ends on cancellation;
 * - the provider's error text shows no phone number or e-mail address.
 * The nodes run in n8n-core against the sandbox and other 127.0.0.1 servers; the pacing rules run
 * through a small test node that drives one RequestSession with short, injected limits.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { aiCaller } from '../../nodes/AiCaller/provider';
import { alloMia } from '../../nodes/AlloMia/provider';
import { helloAnnie } from '../../nodes/HelloAnnie/provider';
import { classifyNetworkFailure } from '../../nodes/shared/http';
import {
	DEFAULT_TRANSPORT_OPTIONS,
	formatWait,
	maskPersonalData,
	OUTCOME_UNCERTAIN,
	pacingIntervalMs,
	RequestSession,
	type TransportOptions,
} from '../../nodes/shared/transport';
import type { ApiRequest } from '../../nodes/shared/types';
import { useSandbox } from '../in-process/sandbox';
import { registerNodeType, runNode, type NodeRunResult } from '../in-process/n8n-core';
import { runAiCaller, runAlloMia, runHelloAnnie, type RunOptions } from '../in-process/providers';
import { startReceiver, type Receiver } from '../sandbox/receiver';
import { SANDBOX_FIXTURES, type ProviderName, type Sandbox } from '../sandbox/server';

const sandbox = useSandbox();

const M = SANDBOX_FIXTURES.alloMia;
const C = SANDBOX_FIXTURES.aiCaller;
const dedupe = (key: string) => ({ requestOptions: { deduplicationKey: key } });

interface CreateCase {
	name: string;
	sandboxName: ProviderName;
	run: (sandbox: Sandbox, params: IDataObject, options?: RunOptions) => Promise<NodeRunResult>;
	path: string;
	params: IDataObject;
}

const creates: CreateCase[] = [
	{
		name: 'HelloAnnie',
		sandboxName: 'helloannie',
		run: runHelloAnnie,
		path: '/calls',
		params: {
			resource: 'call',
			operation: 'start',
			fromNumber: '+15557654321',
			toNumber: '+15559876543',
		},
	},
	{
		name: 'AlloMia',
		sandboxName: 'allomia',
		run: runAlloMia,
		path: '/api/outbound',
		params: {
			resource: 'call',
			operation: 'createOutbound',
			phoneNumber: '+15145552345',
			assistantId: M.assistants[0].id,
			phoneNumberId: M.phoneNumbers[0].id,
		},
	},
	{
		name: 'AICaller',
		sandboxName: 'aicaller',
		run: runAiCaller,
		path: '/v1/phoneCalls',
		params: {
			resource: 'phoneCall',
			operation: 'create',
			teamId: C.teamId,
			callTemplateId: C.callTemplates[0]._id,
			nameOfHuman: 'Jane',
			toPhoneNumber: '+15559876544',
		},
	},
];

const createsOf = (p: CreateCase) =>
	sandbox.requestsFor(p.sandboxName).filter((r) => r.method === 'POST' && r.path === p.path);
const details = (item: INodeExecutionData) =>
	item.json.details as { description?: string } | undefined;

/** A port nothing listens on: taken from the system, then closed. */
async function closedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

describe('redirects are never followed', () => {
	let receiver: Receiver;
	beforeAll(async () => {
		receiver = await startReceiver();
	});
	afterAll(async () => {
		await receiver.close();
	});
	beforeEach(() => {
		receiver.received.length = 0;
	});

	describe.each(creates)('$name create', (p) => {
		test('307 to another host: nothing reaches it, nothing was created, the key is released', async () => {
			const port = new URL(receiver.url).port;
			sandbox.inject({
				provider: p.sandboxName,
				path: p.path,
				fault: {
					status: 307,
					headers: { location: `http://127.0.0.1:${port}/steal?token=s3cret#frag` },
				},
			});
			const first = await p.run(
				sandbox,
				{ ...p.params, ...dedupe('appt-307') },
				{ continueOnFail: true },
			);
			expect(first.items).toHaveLength(1);
			expect(first.items[0].json.error).toBe(
				`${p.name} redirected the request to http://127.0.0.1:${port}/steal (HTTP 307): nothing was created; check the Base URL in the credential`,
			);
			expect(details(first.items[0])?.description).toMatch(/never follows a redirect/);
			expect(details(first.items[0])?.description).toMatch(/Deduplication Key was released/);
			expect(JSON.stringify(first.items)).not.toContain('s3cret');
			expect(createsOf(p)).toHaveLength(1);
			// Give a request that went astray time to arrive.
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(receiver.received).toEqual([]);

			// Released: the same key dials when the node runs again.
			const again = await p.run(sandbox, { ...p.params, ...dedupe('appt-307') });
			expect(again.error).toBeUndefined();
			expect(again.items[0].json.skipped).toBe(false);
			expect(createsOf(p)).toHaveLength(2);
			expect(receiver.received).toEqual([]);
		});

		test('303 ("created, see there"): it may have been created; not sent again, the key is kept', async () => {
			sandbox.inject({
				provider: p.sandboxName,
				path: p.path,
				fault: { status: 303, headers: { location: '/somewhere/else?id=1' } },
			});
			const first = await p.run(
				sandbox,
				{ ...p.params, ...dedupe('appt-303') },
				{ continueOnFail: true },
			);
			const origin = new URL(sandbox.url).origin;
			expect(first.items[0].json.error).toBe(
				`${p.name} redirected the request to ${origin}/somewhere/else (HTTP 303): the request may or may not have been processed`,
			);
			expect(details(first.items[0])?.description).toMatch(/it was not sent again/);
			expect(details(first.items[0])?.description).toMatch(/Deduplication Key stays recorded/);
			expect(createsOf(p)).toHaveLength(1);

			const again = await p.run(sandbox, { ...p.params, ...dedupe('appt-303') });
			expect(again.items[0].json).toEqual({
				skipped: true,
				skipReason: 'duplicate',
				deduplicationKey: 'appt-303',
				// In-process runs are editor runs, whose keys are recorded apart.
				deduplicationScope: 'editorRuns',
			});
			expect(createsOf(p)).toHaveLength(1);
		});
	});

	test('a read answered with a redirect fails at once, without following or retrying it', async () => {
		const port = new URL(receiver.url).port;
		sandbox.inject({
			provider: 'helloannie',
			path: '/conversations',
			fault: { status: 302, headers: { location: `http://127.0.0.1:${port}/x` } },
		});
		const result = await runHelloAnnie(
			sandbox,
			{ resource: 'conversation', operation: 'getAll', returnAll: true },
			{ continueOnFail: true },
		);
		expect(result.items[0].json.error).toBe(
			`HelloAnnie redirected the request to http://127.0.0.1:${port}/x (HTTP 302); check the Base URL in the credential`,
		);
		expect(sandbox.requestsFor('helloannie')).toHaveLength(1);
		expect(receiver.received).toEqual([]);
	});
});

describe('failures that never reached the provider: "nothing was sent", the key is released', () => {
	const annie = creates[0];
	const call = (key: string) => ({ ...annie.params, ...dedupe(key) });
	/** Runs the create again against the sandbox: it must dial (the key was released). */
	async function dialsAgain(key: string): Promise<void> {
		const before = createsOf(annie).length;
		const again = await runHelloAnnie(sandbox, call(key));
		expect(again.error).toBeUndefined();
		expect(again.items[0].json.conversationId).toEqual(expect.any(String));
		expect(createsOf(annie)).toHaveLength(before + 1);
	}

	test('connection refused: retried with backoff (it may come up), then nothing was sent', async () => {
		const port = await closedPort();
		const started = Date.now();
		const result = await runHelloAnnie(sandbox, call('appt-refused'), {
			credential: { baseUrl: `http://127.0.0.1:${port}/v1` },
			continueOnFail: true,
		});
		expect(result.items[0].json.error).toBe(
			'HelloAnnie: the connection failed (connection refused); nothing was sent to HelloAnnie',
		);
		const description = details(result.items[0])?.description ?? '';
		expect(description).toContain('(network error ECONNREFUSED, 3 attempts)');
		expect(description).toMatch(/Deduplication Key was released/);
		// Two backoffs (0.5 s, 1 s) between the three attempts.
		expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
		await dialsAgain('appt-refused');
	});

	test('host not found (.invalid never resolves): retried, then nothing was sent', async () => {
		const started = Date.now();
		const result = await runHelloAnnie(sandbox, call('appt-dns'), {
			credential: { baseUrl: 'http://nonexistent.invalid/v1' },
			continueOnFail: true,
		});
		// Without a resolver at all (an offline machine) the lookup fails as EAI_AGAIN instead.
		expect(result.items[0].json.error).toMatch(
			/^HelloAnnie: the connection failed \((host not found|host name lookup failed)\); nothing was sent to HelloAnnie$/,
		);
		expect(details(result.items[0])?.description).toMatch(
			/\(network error (ENOTFOUND|EAI_AGAIN), 3 attempts\)/,
		);
		expect(details(result.items[0])?.description).toMatch(/Deduplication Key was released/);
		expect(Date.now() - started).toBeLessThan(10_000);
		await dialsAgain('appt-dns');
	});

	describe('a TLS certificate the client refuses', () => {
		let server: https.Server;
		let connections = 0;
		let requests = 0;
		let baseUrl: string;
		beforeAll(async () => {
			// A throwaway self-signed certificate, made for this run (no key material in the repository).
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transport-tls-'));
			const keyFile = path.join(dir, 'key.pem');
			const certFile = path.join(dir, 'cert.pem');
			execFileSync(
				'openssl',
				[
					'req',
					'-x509',
					'-newkey',
					'ec',
					'-pkeyopt',
					'ec_paramgen_curve:prime256v1',
					'-nodes',
					'-keyout',
					keyFile,
					'-out',
					certFile,
					'-days',
					'1',
					'-subj',
					'/CN=127.0.0.1',
				],
				{ stdio: 'ignore' },
			);
			server = https.createServer(
				{ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
				(_req, res) => {
					requests++;
					res.end('{}');
				},
			);
			server.on('connection', () => connections++);
			server.on('tlsClientError', () => undefined);
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
			fs.rmSync(dir, { recursive: true, force: true });
		});
		afterAll(async () => {
			await new Promise<void>((resolve) => server.close(() => resolve()));
		});

		test('self-signed: one handshake, no request, not retried; nothing was sent', async () => {
			const result = await runHelloAnnie(sandbox, call('appt-tls'), {
				credential: { baseUrl },
				continueOnFail: true,
			});
			expect(result.items[0].json.error).toBe(
				"HelloAnnie: the connection failed (the server's certificate is self-signed); nothing was sent to HelloAnnie",
			);
			const description = details(result.items[0])?.description ?? '';
			expect(description).toMatch(
				/Trying again would fail the same way, so it was not retried\. \(network error DEPTH_ZERO_SELF_SIGNED_CERT\)/,
			);
			expect(description).toMatch(/Deduplication Key was released/);
			expect(connections).toBe(1);
			expect(requests).toBe(0);
			await dialsAgain('appt-tls');
		});
	});

	test('an API key with a line break: refused before sending, nothing was sent', async () => {
		const result = await runHelloAnnie(sandbox, call('appt-header'), {
			apiKey: `${SANDBOX_FIXTURES.helloAnnie.apiKey}\nX-Injected: 1`,
			continueOnFail: true,
		});
		expect(result.items[0].json.error).toBe(
			'HelloAnnie: the API Key in the credential contains a line break, which cannot be sent in a request header; nothing was sent to HelloAnnie',
		);
		expect(details(result.items[0])?.description).toMatch(
			/^Open the credential, paste the API key again on one line/,
		);
		expect(details(result.items[0])?.description).toMatch(/Deduplication Key was released/);
		expect(sandbox.requestsFor('helloannie')).toEqual([]);
		await dialsAgain('appt-header');
	});

	test('a Base URL that is not a web address: nothing was sent', async () => {
		const result = await runHelloAnnie(sandbox, call('appt-url'), {
			credential: { baseUrl: 'api.helloannie.com/v1' },
			continueOnFail: true,
		});
		expect(result.items[0].json.error).toBe(
			'HelloAnnie: the Base URL in the credential is not a web address; nothing was sent to HelloAnnie',
		);
		expect(details(result.items[0])?.description).toMatch(/Deduplication Key was released/);
		expect(sandbox.requestsFor('helloannie')).toEqual([]);
		await dialsAgain('appt-url');
	});

	test('the codes n8n reports, and which of them prove nothing was sent', () => {
		// n8n's helper wraps axios' error, which wraps Node's: the code is found along `cause`.
		const wrapped = (code: string, syscall?: string) => ({
			message: 'x',
			cause: { code, cause: { code, syscall } },
		});
		const verdict = (error: unknown) => {
			const { notSent, retry } = classifyNetworkFailure(error);
			return { notSent, retry };
		};
		expect(verdict(wrapped('ECONNREFUSED', 'connect'))).toEqual({ notSent: true, retry: true });
		expect(verdict(wrapped('ENOTFOUND', 'getaddrinfo'))).toEqual({ notSent: true, retry: true });
		expect(verdict(wrapped('EAI_AGAIN', 'getaddrinfo'))).toEqual({ notSent: true, retry: true });
		expect(verdict(wrapped('ENETUNREACH', 'connect'))).toEqual({ notSent: true, retry: true });
		expect(verdict(wrapped('EHOSTUNREACH', 'connect'))).toEqual({ notSent: true, retry: true });
		// The same code on an established connection may come after the request was written.
		expect(verdict(wrapped('EHOSTUNREACH', 'read'))).toEqual({ notSent: false, retry: true });
		for (const code of [
			'CERT_HAS_EXPIRED',
			'DEPTH_ZERO_SELF_SIGNED_CERT',
			'SELF_SIGNED_CERT_IN_CHAIN',
			'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
			'ERR_TLS_CERT_ALTNAME_INVALID',
		]) {
			expect(verdict(wrapped(code))).toEqual({ notSent: true, retry: false });
		}
		for (const code of ['ERR_INVALID_CHAR', 'ERR_INVALID_HEADER_VALUE', 'ERR_INVALID_URL']) {
			expect(verdict(wrapped(code))).toEqual({ notSent: true, retry: false });
		}
		for (const code of [
			'ECONNRESET',
			'EPIPE',
			'ECONNABORTED',
			'ETIMEDOUT',
			'ERR_CANCELED',
			'SOMETHING_NEW',
		]) {
			expect(verdict(wrapped(code)).notSent).toBe(false);
		}
		expect(verdict(new Error('no code at all')).notSent).toBe(false);
	});
});

/*
 * A test node driving one RequestSession (as a node's run does) with injected TransportOptions,
 * so that pacing can be shown with waits of a second or two. It counts the requests handed to
 * n8n's HTTP helper (the requests themselves go out unchanged) and can cancel the execution's
 * signal after a delay.
 */
interface Plan {
	options?: Partial<TransportOptions>;
	requests: ApiRequest[];
	cancelAfterMs?: number;
}

interface Outcome {
	ok: boolean;
	startedAt: number;
	endedAt: number;
	error?: string;
	description?: string;
	uncertain?: boolean;
}

const SESSION_NODE = 'test.requestSession';
const sessionNode: INodeType = {
	description: {
		displayName: 'Request Session',
		name: 'requestSession',
		group: ['transform'],
		version: 1,
		description: 'Sends the planned requests through one RequestSession',
		defaults: { name: 'Request Session' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'helloAnnieApi', required: true }],
		properties: [{ displayName: 'Plan', name: 'plan', type: 'string', default: '' }],
	} as unknown as INodeTypeDescription,
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const plan = JSON.parse(this.getNodeParameter('plan', 0) as string) as Plan;
		const cancel = new AbortController();
		const timer =
			plan.cancelAfterMs === undefined
				? undefined
				: setTimeout(() => cancel.abort(), plan.cancelAfterMs);
		let sent = 0;
		const helpers = {
			...this.helpers,
			httpRequestWithAuthentication: async (
				...args: Parameters<IExecuteFunctions['helpers']['httpRequestWithAuthentication']>
			) => {
				sent++;
				return await this.helpers.httpRequestWithAuthentication.apply(this, args);
			},
		};
		const fn = Object.create(this, {
			helpers: { value: helpers },
			getExecutionCancelSignal: { value: () => cancel.signal },
		}) as IExecuteFunctions;
		const session = new RequestSession(fn, helloAnnie, {
			...DEFAULT_TRANSPORT_OPTIONS,
			...plan.options,
		});
		const outcomes: Outcome[] = [];
		for (const request of plan.requests) {
			const startedAt = Date.now();
			try {
				await session.send(request, 0);
				outcomes.push({ ok: true, startedAt, endedAt: Date.now() });
			} catch (error) {
				const {
					message,
					description,
					context: errorContext,
				} = error as { message: string; description?: string; context?: IDataObject };
				outcomes.push({
					ok: false,
					startedAt,
					endedAt: Date.now(),
					error: message,
					description,
					uncertain: errorContext?.[OUTCOME_UNCERTAIN] === true,
				});
			}
		}
		clearTimeout(timer);
		return [[{ json: { outcomes, sent } as unknown as IDataObject }]];
	},
};
registerNodeType(SESSION_NODE, sessionNode);

async function runSession(
	plan: Plan,
	baseUrl = sandbox.baseUrls.helloAnnie,
): Promise<{ outcomes: Outcome[]; sent: number }> {
	const result = await runNode({
		type: SESSION_NODE,
		parameters: { plan: JSON.stringify(plan) },
		credentials: { helloAnnieApi: { apiKey: SANDBOX_FIXTURES.helloAnnie.apiKey, baseUrl } },
	});
	if (result.error) throw new Error(result.error.message);
	return result.items[0].json as unknown as { outcomes: Outcome[]; sent: number };
}

const read: ApiRequest = { method: 'GET', path: '/phone-numbers', idempotent: true };
const create: ApiRequest = {
	method: 'POST',
	path: '/calls',
	body: { fromNumber: '+15557654321', toNumber: '+15559876543' },
	idempotent: false,
};
const tooMany = { success: false, message: 'Too many requests' };
const readsAt = () => sandbox.requestsFor('helloannie').filter((r) => r.path === '/phone-numbers');

describe('the not-sent rule counts attempts', () => {
	test('a create refused at connect is tried 3 times; one to an unknown host too', async () => {
		const refused = await runSession(
			{ options: { backoffMs: 50 }, requests: [create] },
			`http://127.0.0.1:${await closedPort()}/v1`,
		);
		expect(refused.sent).toBe(3);
		expect(refused.outcomes[0].uncertain).toBe(false);
		const unknown = await runSession(
			{ options: { backoffMs: 50 }, requests: [create] },
			'http://nonexistent.invalid/v1',
		);
		expect(unknown.sent).toBe(3);
		expect(unknown.outcomes[0].error).toMatch(/nothing was sent to HelloAnnie$/);
	});

	test('a create that may have arrived (reset) is tried once and is uncertain', async () => {
		sandbox.inject({ provider: 'helloannie', path: '/calls', fault: { kind: 'reset-after-body' } });
		const { outcomes, sent } = await runSession({ options: { backoffMs: 50 }, requests: [create] });
		expect(sent).toBe(1);
		expect(outcomes[0].uncertain).toBe(true);
	});
});

describe('pacing', () => {
	test('a Retry-After within the limit is waited out in full, then the request is sent again', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/phone-numbers',
			fault: { status: 429, body: tooMany, headers: { 'Retry-After': '2' } },
		});
		const { outcomes } = await runSession({
			options: { maxRateLimitWaitMs: 3000 },
			requests: [read],
		});
		expect(outcomes[0].ok).toBe(true);
		const at = readsAt().map((r) => r.at);
		expect(readsAt().map((r) => r.status)).toEqual([429, 200]);
		expect(at[1] - at[0]).toBeGreaterThanOrEqual(1900);
	});

	test('a Retry-After beyond the limit fails at once, naming the wait; later requests are not sent before it', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/phone-numbers',
			fault: { status: 429, body: tooMany, headers: { 'Retry-After': '150' } },
		});
		const { outcomes, sent } = await runSession({
			options: { maxRateLimitWaitMs: 3000 },
			requests: [read, create],
		});
		expect(outcomes[0]).toMatchObject({
			ok: false,
			uncertain: false,
			error:
				'HelloAnnie is rate limiting requests (HTTP 429): Too many requests; it asked (Retry-After) to wait 2 min 30 s, so the request was not sent again',
		});
		expect(outcomes[0].description).toMatch(
			/^That is longer than this node waits for a rate limit \(3 s\)/,
		);
		expect(outcomes[0].endedAt - outcomes[0].startedAt).toBeLessThan(1000);
		expect(outcomes[1]).toMatchObject({
			ok: false,
			uncertain: false,
			error:
				'HelloAnnie asked (Retry-After) to pause requests for 2 min 30 s; nothing was sent to HelloAnnie',
		});
		expect(sent).toBe(1);
	});

	test('X-RateLimit-Reset two minutes away: within the default limit the session waits (until cancelled)', async () => {
		// One request per two-minute window: the first answer says none remain until the window ends.
		sandbox.setRateLimit({ limit: 1, windowMs: 120_000 });
		const capped = await runSession({
			options: { maxRateLimitWaitMs: 3000 },
			requests: [read, read],
		});
		expect(capped.outcomes[1].error).toMatch(
			/^HelloAnnie asked \(X-RateLimit-Reset\) to pause requests for (\d+ s|2 min( \d+ s)?); nothing was sent to HelloAnnie$/,
		);
		expect(capped.sent).toBe(1);

		sandbox.setRateLimit({ limit: 1, windowMs: 120_000 });
		const waited = await runSession({ requests: [read, read], cancelAfterMs: 1000 });
		expect(DEFAULT_TRANSPORT_OPTIONS.maxRateLimitWaitMs).toBeGreaterThanOrEqual(15 * 60_000);
		expect(waited.outcomes[1]).toMatchObject({
			ok: false,
			uncertain: false,
			error:
				'The execution was cancelled while waiting to send a request to HelloAnnie; nothing was sent to HelloAnnie',
		});
		// It waited for the window (not capped at a minute) and ended when the execution was cancelled.
		expect(waited.outcomes[1].endedAt - waited.outcomes[0].startedAt).toBeGreaterThanOrEqual(900);
		expect(waited.outcomes[1].endedAt - waited.outcomes[0].startedAt).toBeLessThan(5000);
		expect(waited.sent).toBe(1);
	});

	test('Max Requests per Minute below 1: 0.5 = one request every 2 minutes, ended by cancellation', async () => {
		expect(pacingIntervalMs(0.5)).toBe(120_000);
		const { outcomes, sent } = await runSession({
			options: { maxPerMinute: 0.5 },
			requests: [read, read],
			cancelAfterMs: 1000,
		});
		expect(outcomes[0].ok).toBe(true);
		expect(outcomes[1].error).toBe(
			'The execution was cancelled while waiting to send a request to HelloAnnie; nothing was sent to HelloAnnie',
		);
		expect(outcomes[1].endedAt - outcomes[0].startedAt).toBeLessThan(5000);
		expect(sent).toBe(1);
	});

	test("the user's own cap is not shortened by the limit on the provider's waits", async () => {
		// 40 per minute = one every 1.5 s, while the provider's waits are limited to 0.5 s.
		const { outcomes } = await runSession({
			options: { maxPerMinute: 40, maxRateLimitWaitMs: 500 },
			requests: [read, read],
		});
		expect(outcomes.every((o) => o.ok)).toBe(true);
		const at = readsAt().map((r) => r.at);
		expect(at[1] - at[0]).toBeGreaterThanOrEqual(1400);
	});

	test('waits in words', () => {
		expect(formatWait(2000)).toBe('2 s');
		expect(formatWait(1001)).toBe('2 s');
		expect(formatWait(119_500)).toBe('2 min');
		expect(formatWait(150_000)).toBe('2 min 30 s');
		expect(formatWait(15 * 60_000)).toBe('15 min');
		expect(formatWait(3 * 3600_000 + 20 * 60_000)).toBe('3 h 20 min');
	});
});

describe("masking personal data in the provider's error text", () => {
	test.each([
		[
			'HelloAnnie',
			helloAnnie.errorMessage({
				success: false,
				message: 'Cannot call +15559876543 (jane.doe@example.com)',
			}),
			'Cannot call +1••••••••43 (j•••@example.com)',
		],
		[
			'HelloAnnie, a national number',
			helloAnnie.errorMessage({
				success: false,
				error: { message: 'Number (555) 987-6543 is on the do-not-call list' },
			}),
			'Number ••••••••43 is on the do-not-call list',
		],
		[
			'AlloMia',
			alloMia.errorMessage({ error: 'Contact john_smith+clinic@mail.example.org already exists' }),
			'Contact j•••@mail.example.org already exists',
		],
		[
			'AICaller',
			aiCaller.errorMessage({
				error: {
					message: 'Phone call 65a1f2c3d4e5f60718293a4b: +44 20 7946 0958 is not reachable',
					statusCode: 400,
				},
			}),
			'Phone call 65a1f2c3d4e5f60718293a4b: +4•••••••••58 is not reachable',
		],
	])('%s', (_name, text, expected) => {
		expect(maskPersonalData(String(text))).toBe(expected);
	});

	test("AlloMia's per-field details", () => {
		const lines = alloMia.errorDetails!({
			error: 'Validation failed',
			details: [
				{
					field: 'phoneNumber',
					message: '+1.514.555.2345 is not a valid E.164 number',
					code: 'invalid_format',
				},
				{
					field: 'assistantId',
					message: 'Assistant 3c90c3cc-0d44-4b50-8888-8dd25736052a not found',
					code: 'not_found',
				},
			],
		});
		expect(lines.map(maskPersonalData)).toEqual([
			'phoneNumber: +1••••••••45 is not a valid E.164 number',
			'assistantId: Assistant 3c90c3cc-0d44-4b50-8888-8dd25736052a not found',
		]);
	});

	test.each([
		'Call 3c90c3cc-0d44-4b50-8888-8dd25736052a not found',
		'Conversation 11111111-2222-3333-4444-555555555555 is closed',
		'Phone call 65a1f2c3d4e5f60718293a4b not found; team 650718293412345678901234',
		'Request failed with status 422 after 1000 ms (limit 60 per minute, code 40901)',
		'Scheduled for 2026-12-06T20:26:06.123Z, blocked from 203.0.113.45',
	])('leaves IDs, codes, dates and addresses alone: %s', (text) => {
		expect(maskPersonalData(text)).toBe(text);
	});

	test('a 400 that echoes the number and address: the item shows them masked, and neither is kept anywhere in the execution', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/calls',
			fault: {
				status: 400,
				body: {
					success: false,
					message: 'Cannot call +15559876543 (jane.doe@example.com)',
					data: { toNumber: '+15559876543', email: 'jane.doe@example.com' },
				},
			},
		});
		const failed = await runHelloAnnie(sandbox, creates[0].params, { continueOnFail: true });
		expect(failed.items[0].json).toEqual({
			error:
				'HelloAnnie refused the request (HTTP 400): Cannot call +1••••••••43 (j•••@example.com)',
			details: expect.objectContaining({ httpCode: '400' }),
		});

		sandbox.inject({
			provider: 'helloannie',
			path: '/calls',
			fault: {
				status: 400,
				body: {
					success: false,
					message: 'Cannot call +15559876543 (jane.doe@example.com)',
					data: { toNumber: '+15559876543', email: 'jane.doe@example.com' },
				},
			},
		});
		const stopped = await runHelloAnnie(sandbox, creates[0].params);
		expect(stopped.error?.message).toBe(
			'HelloAnnie refused the request (HTTP 400): Cannot call +1••••••••43 (j•••@example.com)',
		);
		expect(stopped.error?.httpCode).toBe('400');
		// Everything of the error n8n keeps, but the node itself (its parameters are the workflow's own).
		const raw = stopped.run.data.resultData.error as unknown as Record<string, unknown>;
		const error = { ...raw };
		delete error.node;
		const kept = JSON.stringify({
			error,
			message: raw.message,
			errorResponse: raw.errorResponse,
			context: raw.context,
			description: raw.description,
			messages: raw.messages,
			items: failed.items,
			run: failed.run.data.resultData,
		});
		expect(kept).toContain('+1••••••••43');
		expect(kept).not.toContain('9876543');
		expect(kept).not.toContain('jane.doe');
	});
});
