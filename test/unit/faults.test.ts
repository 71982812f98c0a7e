/**
 * The fault matrix: for each fault the sandbox can inject and each kind of operation (create,
 * read, list), how many requests reached the provider (never two for a create), the error
 * message, and the items under continueOnFail.
 */
import type { IDataObject } from 'n8n-workflow';
import { runAnnie } from '../helpers/annie';
import { SANDBOX_FIXTURES, startSandbox, type Fault, type Sandbox } from '../sandbox/server';

const F = SANDBOX_FIXTURES.helloAnnie;

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startSandbox({ logErrors: false });
});
afterAll(async () => {
	await sandbox.close();
});
beforeEach(() => sandbox.reset());

// A short timeout keeps the "slower than the timeout" fault quick.
const options = { requestOptions: { timeoutMs: 1000 } };

const kinds: Record<'create' | 'read' | 'list', { params: IDataObject; path: string | RegExp; ok: (json: IDataObject) => boolean }> = {
	create: {
		params: { resource: 'call', operation: 'start', fromNumber: '+15551234567', toNumber: '+15559876543', ...options },
		path: '/calls',
		ok: (json) => typeof json.conversationId === 'string',
	},
	read: {
		params: { resource: 'conversation', operation: 'get', conversationId: F.conversations[0].conversationId, ...options },
		path: /^\/conversations\/[^/]+$/,
		ok: (json) => json.conversationId === F.conversations[0].conversationId,
	},
	list: {
		params: { resource: 'conversation', operation: 'getAll', returnAll: true, ...options },
		path: '/conversations',
		ok: (json) => typeof json.conversationId === 'string',
	},
};

const nowPlus = (seconds: number) => String(Math.ceil(Date.now() / 1000) + seconds);

interface Case {
	name: string;
	fault: () => Fault;
	/** Outcome for a create request. */
	create: { requests: number; error?: RegExp };
	/** Outcome for read and list requests. */
	read: { requests: number; error?: RegExp };
}

const UNCERTAIN = /may or may not have been processed/;

const cases: Case[] = [
	{ name: '401', fault: () => ({ status: 401, body: { success: false, message: 'Invalid API key' } }), create: { requests: 1, error: /^HelloAnnie did not accept the API key \(HTTP 401\): Invalid API key$/ }, read: { requests: 1, error: /^HelloAnnie did not accept the API key \(HTTP 401\)/ } },
	{ name: '403', fault: () => ({ status: 403, body: { success: false, message: 'Forbidden' } }), create: { requests: 1, error: /^HelloAnnie refused access \(HTTP 403\): Forbidden$/ }, read: { requests: 1, error: /^HelloAnnie refused access \(HTTP 403\)/ } },
	{ name: '404', fault: () => ({ status: 404, body: { success: false, message: 'Not found' } }), create: { requests: 1, error: /^HelloAnnie could not find it \(HTTP 404\): Not found$/ }, read: { requests: 1, error: /^HelloAnnie could not find it \(HTTP 404\)/ } },
	{ name: '409', fault: () => ({ status: 409, body: { success: false, message: 'Conflict' } }), create: { requests: 1, error: /^HelloAnnie reported a conflict \(HTTP 409\): Conflict$/ }, read: { requests: 1, error: /\(HTTP 409\)/ } },
	{ name: '429 with rate-limit headers', fault: () => ({ status: 429, body: { success: false, message: 'Too many requests' }, headers: { 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': nowPlus(1) } }), create: { requests: 2 }, read: { requests: 2 } },
	{ name: '429 without headers', fault: () => ({ status: 429, body: { success: false, message: 'Too many requests' } }), create: { requests: 2 }, read: { requests: 2 } },
	{ name: '500', fault: () => ({ status: 500, body: { success: false, message: 'Internal error' } }), create: { requests: 1, error: /^HelloAnnie failed \(HTTP 500\): Internal error\. The request may or may not have been processed$/ }, read: { requests: 2 } },
	{ name: '502', fault: () => ({ status: 502 }), create: { requests: 1, error: /^HelloAnnie failed \(HTTP 502\).*may or may not have been processed$/ }, read: { requests: 2 } },
	{ name: '503', fault: () => ({ status: 503 }), create: { requests: 1, error: /^HelloAnnie failed \(HTTP 503\).*may or may not have been processed$/ }, read: { requests: 2 } },
	{ name: 'an answer slower than the timeout', fault: () => ({ kind: 'delay', ms: 1500 }), create: { requests: 1, error: /^HelloAnnie: no answer within 1000 ms: the request may or may not have been processed$/ }, read: { requests: 2 } },
	{ name: 'a connection reset before the body', fault: () => ({ kind: 'reset-before-body' }), create: { requests: 1, error: /^HelloAnnie: the connection failed \(connection reset\): the request may or may not have been processed$/ }, read: { requests: 2 } },
	{ name: 'a connection reset after the body', fault: () => ({ kind: 'reset-after-body' }), create: { requests: 1, error: /^HelloAnnie: the connection failed \(connection reset\): the request may or may not have been processed$/ }, read: { requests: 2 } },
	{ name: 'malformed JSON', fault: () => ({ kind: 'malformed-json' }), create: { requests: 1, error: /^HelloAnnie sent malformed JSON \(HTTP 200\)$/ }, read: { requests: 2 } },
	{ name: 'a wrong content type', fault: () => ({ kind: 'wrong-content-type' }), create: { requests: 1, error: /^HelloAnnie sent an answer of type text\/html \(HTTP 200\)$/ }, read: { requests: 2 } },
	{ name: 'an empty body', fault: () => ({ kind: 'empty-body' }), create: { requests: 1, error: /^HelloAnnie sent an empty answer \(HTTP 200\)$/ }, read: { requests: 2 } },
];

describe.each(cases)('$name', (c) => {
	test.each(['create', 'read', 'list'] as const)('%s', async (kind) => {
		const spec = kinds[kind];
		const expected = kind === 'create' ? c.create : c.read;
		sandbox.inject({ provider: 'helloannie', path: spec.path, fault: c.fault() });
		// Two items under continueOnFail: the first meets the fault, the second must go on.
		const result = await runAnnie(sandbox, spec.params, { items: [{}, {}], continueOnFail: true });
		const faulted = sandbox
			.requestsFor('helloannie')
			.filter((r) => (typeof spec.path === 'string' ? r.path === spec.path : spec.path.test(r.path)));
		// The second item makes one request; everything else was the first item's.
		expect(faulted).toHaveLength(expected.requests + 1);

		const first = result.items.filter((i) => (i.pairedItem as { item: number }).item === 0);
		const second = result.items.filter((i) => (i.pairedItem as { item: number }).item === 1);
		expect(first.length + second.length).toBe(result.items.length);
		if (expected.error) {
			expect(first).toHaveLength(1);
			expect(first[0].json.error).toMatch(expected.error);
			if (UNCERTAIN.test(String(first[0].json.error))) {
				expect(first[0].json.description).toContain('it was not sent again');
			}
		} else {
			expect(first.length).toBeGreaterThan(0);
			expect(first.every((i) => i.json.error === undefined && spec.ok(i.json))).toBe(true);
		}
		expect(second.length).toBeGreaterThan(0);
		expect(second.every((i) => i.json.error === undefined && spec.ok(i.json))).toBe(true);
	});
});
