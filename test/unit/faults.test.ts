/**
 * The fault matrix: for each fault the sandbox can inject, each node and each kind of operation
 * (create, read, list), how many requests reached the provider (never two for a create), the
 * error message, and the items under continueOnFail.
 */
import type { IDataObject } from 'n8n-workflow';
import { useSandbox } from '../in-process/sandbox';
import type { NodeRunResult } from '../in-process/n8n-core';
import { runAiCaller, runAlloMia, runHelloAnnie, type RunOptions } from '../in-process/providers';
import { SANDBOX_FIXTURES, type Fault, type ProviderName, type Sandbox } from '../sandbox/server';

const sandbox = useSandbox();

// A short timeout keeps the "slower than the timeout" fault quick.
const options = { requestOptions: { timeoutMs: 1000 } };

interface Kind {
	params: IDataObject;
	path: string | RegExp;
	ok: (json: IDataObject) => boolean;
}

interface ProviderCase {
	name: string;
	sandboxName: ProviderName;
	run: (sandbox: Sandbox, params: IDataObject, options: RunOptions) => Promise<NodeRunResult>;
	/** The provider's error body carrying `message`. */
	errorBody: (message: string) => unknown;
	kinds: Record<'create' | 'read' | 'list', Kind>;
}

const A = SANDBOX_FIXTURES.helloAnnie;
const M = SANDBOX_FIXTURES.alloMia;
const C = SANDBOX_FIXTURES.aiCaller;

const providers: ProviderCase[] = [
	{
		name: 'HelloAnnie',
		sandboxName: 'helloannie',
		run: runHelloAnnie,
		errorBody: (message) => ({ success: false, message }),
		kinds: {
			create: {
				params: {
					resource: 'call',
					operation: 'start',
					fromNumber: '+15551234567',
					toNumber: '+15559876543',
					...options,
				},
				path: '/calls',
				ok: (json) => typeof json.conversationId === 'string',
			},
			read: {
				params: {
					resource: 'conversation',
					operation: 'get',
					conversationId: A.conversations[0].conversationId,
					...options,
				},
				path: /^\/conversations\/[^/]+$/,
				ok: (json) => json.conversationId === A.conversations[0].conversationId,
			},
			list: {
				params: { resource: 'conversation', operation: 'getAll', returnAll: true, ...options },
				path: '/conversations',
				ok: (json) => typeof json.conversationId === 'string',
			},
		},
	},
	{
		name: 'AlloMia',
		sandboxName: 'allomia',
		run: runAlloMia,
		errorBody: (message) => ({ error: message }),
		kinds: {
			create: {
				params: {
					resource: 'call',
					operation: 'createOutbound',
					phoneNumber: '+15145551234',
					assistantId: M.assistants[0].id,
					phoneNumberId: M.phoneNumbers[0].id,
					...options,
				},
				path: '/api/outbound',
				ok: (json) => json.status === 'calling',
			},
			read: {
				params: {
					resource: 'call',
					operation: 'getStatus',
					outboundCallId: M.outboundCalls[0].outboundCallId,
					...options,
				},
				path: /^\/api\/outbound\/[^/]+\/status$/,
				ok: (json) => json.outboundCallId === M.outboundCalls[0].outboundCallId,
			},
			list: {
				params: { resource: 'call', operation: 'getAll', returnAll: true, ...options },
				path: '/api/calls',
				ok: (json) => typeof json.id === 'string',
			},
		},
	},
	{
		name: 'AICaller',
		sandboxName: 'aicaller',
		run: runAiCaller,
		errorBody: (message) => ({ error: { message, statusCode: 400 } }),
		kinds: {
			create: {
				params: {
					resource: 'phoneCall',
					operation: 'create',
					teamId: C.teamId,
					callTemplateId: C.callTemplates[0]._id,
					nameOfHuman: 'Jane',
					toPhoneNumber: '+15550102030',
					...options,
				},
				path: '/v1/phoneCalls',
				ok: (json) => typeof json._id === 'string',
			},
			read: {
				params: {
					resource: 'phoneCall',
					operation: 'get',
					phoneCallId: C.calls[0]._id,
					...options,
				},
				path: /^\/v1\/phoneCalls\/[0-9a-f]{24}$/,
				ok: (json) => json._id === C.calls[0]._id,
			},
			list: {
				params: { resource: 'phoneCall', operation: 'getAll', returnAll: true, ...options },
				path: '/v1/phoneCalls',
				ok: (json) => typeof json._id === 'string',
			},
		},
	},
];

const nowPlus = (seconds: number) => String(Math.ceil(Date.now() / 1000) + seconds);

interface Case {
	name: string;
	fault: (p: ProviderCase) => Fault;
	/** Outcome for a create request. */
	create: { requests: number; error?: (name: string) => RegExp };
	/** Outcome for read and list requests. */
	read: { requests: number; error?: (name: string) => RegExp };
}

const UNCERTAIN = /may or may not have been processed/;
const re = (text: string) => new RegExp(text);

const cases: Case[] = [
	{
		name: '401',
		fault: (p) => ({ status: 401, body: p.errorBody('Invalid API key') }),
		create: {
			requests: 1,
			error: (n) => re(`^${n} did not accept the API key \\(HTTP 401\\): Invalid API key$`),
		},
		read: { requests: 1, error: (n) => re(`^${n} did not accept the API key \\(HTTP 401\\)`) },
	},
	{
		name: '403',
		fault: (p) => ({ status: 403, body: p.errorBody('Forbidden') }),
		create: { requests: 1, error: (n) => re(`^${n} refused access \\(HTTP 403\\): Forbidden$`) },
		read: { requests: 1, error: (n) => re(`^${n} refused access \\(HTTP 403\\)`) },
	},
	{
		name: '404',
		fault: (p) => ({ status: 404, body: p.errorBody('Not found') }),
		create: { requests: 1, error: (n) => re(`^${n} could not find it \\(HTTP 404\\): Not found$`) },
		read: { requests: 1, error: (n) => re(`^${n} could not find it \\(HTTP 404\\)`) },
	},
	{
		name: '409',
		fault: (p) => ({ status: 409, body: p.errorBody('Conflict') }),
		create: {
			requests: 1,
			error: (n) => re(`^${n} reported a conflict \\(HTTP 409\\): Conflict$`),
		},
		read: { requests: 1, error: () => /\(HTTP 409\)/ },
	},
	{
		name: '429 with rate-limit headers',
		fault: (p) => ({
			status: 429,
			body: p.errorBody('Too many requests'),
			headers: {
				'X-RateLimit-Limit': '60',
				'X-RateLimit-Remaining': '0',
				'X-RateLimit-Reset': nowPlus(1),
			},
		}),
		create: { requests: 2 },
		read: { requests: 2 },
	},
	{
		name: '429 without headers',
		fault: (p) => ({ status: 429, body: p.errorBody('Too many requests') }),
		create: { requests: 2 },
		read: { requests: 2 },
	},
	{
		name: '500',
		fault: (p) => ({ status: 500, body: p.errorBody('Internal error') }),
		create: {
			requests: 1,
			error: (n) =>
				re(
					`^${n} failed \\(HTTP 500\\): Internal error\\. The request may or may not have been processed$`,
				),
		},
		read: { requests: 2 },
	},
	{
		name: '502',
		fault: () => ({ status: 502 }),
		create: {
			requests: 1,
			error: (n) => re(`^${n} failed \\(HTTP 502\\).*may or may not have been processed$`),
		},
		read: { requests: 2 },
	},
	{
		name: '503',
		fault: () => ({ status: 503 }),
		create: {
			requests: 1,
			error: (n) => re(`^${n} failed \\(HTTP 503\\).*may or may not have been processed$`),
		},
		read: { requests: 2 },
	},
	{
		name: 'an answer slower than the timeout',
		fault: () => ({ kind: 'delay', ms: 1500 }),
		create: {
			requests: 1,
			error: (n) =>
				re(`^${n}: no answer within 1000 ms: the request may or may not have been processed$`),
		},
		read: { requests: 2 },
	},
	{
		name: 'a connection reset before the body',
		fault: () => ({ kind: 'reset-before-body' }),
		create: {
			requests: 1,
			error: (n) =>
				re(
					`^${n}: the connection failed \\(connection reset\\): the request may or may not have been processed$`,
				),
		},
		read: { requests: 2 },
	},
	{
		name: 'a connection reset after the body',
		fault: () => ({ kind: 'reset-after-body' }),
		create: {
			requests: 1,
			error: (n) =>
				re(
					`^${n}: the connection failed \\(connection reset\\): the request may or may not have been processed$`,
				),
		},
		read: { requests: 2 },
	},
	{
		name: 'malformed JSON',
		fault: () => ({ kind: 'malformed-json' }),
		create: { requests: 1, error: (n) => re(`^${n} sent malformed JSON \\(HTTP 200\\)$`) },
		read: { requests: 2 },
	},
	{
		name: 'a wrong content type',
		fault: () => ({ kind: 'wrong-content-type' }),
		create: {
			requests: 1,
			error: (n) => re(`^${n} sent an answer of type text/html \\(HTTP 200\\)$`),
		},
		read: { requests: 2 },
	},
	{
		name: 'an empty body',
		fault: () => ({ kind: 'empty-body' }),
		create: { requests: 1, error: (n) => re(`^${n} sent an empty answer \\(HTTP 200\\)$`) },
		read: { requests: 2 },
	},
];

describe.each(providers)('$name', (p) => {
	describe.each(cases)('$name', (c) => {
		test.each(['create', 'read', 'list'] as const)('%s', async (kind) => {
			const spec = p.kinds[kind];
			const expected = kind === 'create' ? c.create : c.read;
			sandbox.inject({ provider: p.sandboxName, path: spec.path, fault: c.fault(p) });
			// Two items under continueOnFail: the first meets the fault, the second must go on.
			const result = await p.run(sandbox, spec.params, { items: [{}, {}], continueOnFail: true });
			const faulted = sandbox
				.requestsFor(p.sandboxName)
				.filter((r) =>
					typeof spec.path === 'string' ? r.path === spec.path : spec.path.test(r.path),
				);
			// The second item makes one request; everything else was the first item's.
			expect(faulted).toHaveLength(expected.requests + 1);

			const first = result.items.filter((i) => (i.pairedItem as { item: number }).item === 0);
			const second = result.items.filter((i) => (i.pairedItem as { item: number }).item === 1);
			expect(first.length + second.length).toBe(result.items.length);
			if (expected.error) {
				expect(first).toHaveLength(1);
				expect(first[0].json.error).toMatch(expected.error(p.name));
				if (UNCERTAIN.test(String(first[0].json.error))) {
					expect((first[0].json.details as { description: string }).description).toContain(
						'it was not sent again',
					);
				}
			} else {
				expect(first.length).toBeGreaterThan(0);
				expect(first.every((i) => i.json.error === undefined && spec.ok(i.json))).toBe(true);
			}
			expect(second.length).toBeGreaterThan(0);
			expect(second.every((i) => i.json.error === undefined && spec.ok(i.json))).toBe(true);
		});
	});
});
