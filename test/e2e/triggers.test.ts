/**
 * The three trigger nodes inside the real n8n 2.41.1 (the packed package installed as a
 * community package): workflows are activated, the sandbox fires the providers' webhooks and
 * callbacks at their production URLs (or the test POSTs there itself), and the tests assert the
 * executions that started, those that did not, and what the sandbox saw.
 *
 * Tokens and secrets are compared with booleans, never printed: a failing assertion shows a
 * token's shape (length, hex or not), not its value.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import {
	nodeOutput,
	type Execution,
	type PublicationStatus,
	type WorkflowJson,
} from '../harness/client';
import { endedVocabulary } from '../fixtures/call-outcome';
import { waitFor } from '../harness/processes';
import { CREDENTIAL_TYPES, NODE_TYPES, PACKAGE_NAME } from '../harness/project';
import type { CallbackAttempt, RecordedRequest } from '../sandbox/types';
import {
	expectBearer,
	LOCK_WAIT_MS,
	openContext,
	operationWorkflow,
	TRIGGER as OPERATION_TRIGGER,
	type E2eContext,
} from './support';

const TYPES = {
	helloAnnie: `${PACKAGE_NAME}.helloAnnieTrigger`,
	alloMia: `${PACKAGE_NAME}.alloMiaTrigger`,
	aiCaller: `${PACKAGE_NAME}.aiCallerTrigger`,
} as const;
const PATHS = { helloAnnie: 'webhook', alloMia: 'callback', aiCaller: 'webhook' } as const;
type Provider = keyof typeof TYPES;

const TRIGGER = 'Trigger';
const FRONT_DESK_BOT = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const RECALL_BOT = '1c7e4a3b-6d5f-4a2b-9e8c-3f0d2b4c5e62';
const UNAUTHORIZED = { message: 'Unauthorized' };
const STARTED = { message: 'Workflow was started' };

let ctx: E2eContext;
/** Every workflow a test activated: deactivated again at the end. */
const activated: string[] = [];

const UNKNOWN_BOT = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const WEAK_TOKEN = 'callback-1234';
const WEAK_SECRET = 's3cret';

interface Refusal {
	trigger: Trigger;
	status: PublicationStatus;
}
/**
 * Activations that must fail. n8n 2.41 retries a failing trigger activation 5 times with backoff
 * (1 + 2 + 4 + 8 s) before it reports it, so these are started together up front and each test
 * reads its own result.
 */
let refused: Record<Provider | 'alloMiaDeletedCredential', Promise<Refusal>>;

// Each request and activation takes well under a second; the margin is for slow CI machines.
jest.setTimeout(120_000);

beforeAll(async () => {
	ctx = await openContext();
	const types = await ctx.n8n.nodeTypeNames();
	for (const type of Object.values(TYPES)) {
		if (!types.includes(type)) throw new Error(`n8n did not load ${type} from the package`);
	}
	refused = {
		helloAnnie: startRefusedActivation(
			'helloAnnie',
			{ botId: { __rl: true, mode: 'id', value: UNKNOWN_BOT } },
			'helloannie unknown bot',
		),
		alloMia: startRefusedActivation(
			'alloMia',
			{ token: WEAK_TOKEN, statuses: [] },
			'allomia weak token',
		),
		aiCaller: startRefusedActivation(
			'aiCaller',
			{ events: ['phoneCall.completed'], secret: WEAK_SECRET, secretCheck: 'any' },
			'aicaller weak secret',
		),
		// The credential selected, then deleted: n8n publishes, the trigger's activation refuses.
		alloMiaDeletedCredential: startRefusedActivation(
			'alloMia',
			{ token: newSecret(), statuses: [] },
			'allomia deleted credential',
			{},
			true,
		),
	};
}, LOCK_WAIT_MS + 60_000);

afterAll(async () => {
	if (refused) await Promise.allSettled(Object.values(refused));
	for (const id of activated) await ctx?.n8n.deactivateWorkflow(id).catch(() => undefined);
	await ctx?.close();
});

beforeEach(async () => {
	await ctx.sandbox.reset();
});

// -------------------------------------------------------------------------------------------------
// Helpers

const newSecret = () => randomBytes(32).toString('hex');

/** A token's shape, for assertions that must not print it. */
function shapeOf(token: unknown): string {
	if (typeof token !== 'string') return `not a string (${typeof token})`;
	return /^[0-9a-f]{64}$/.test(token)
		? '64 hex characters'
		: `${token.length} characters, not 64 hex`;
}

interface Trigger {
	id: string;
	/** The production URL as n8n gives it to the provider (WEBHOOK_URL: http://localhost:PORT/). */
	url: string;
	/** The same endpoint as this test process reaches it. */
	localUrl: string;
}

/** Where each trigger takes its secret from: a credential of this type, this field. */
const SECRET_CREDENTIALS = {
	alloMia: { parameter: 'token', type: CREDENTIAL_TYPES.alloMiaCallback, field: 'token' },
	aiCaller: { parameter: 'secret', type: CREDENTIAL_TYPES.aiCallerWebhook, field: 'secret' },
} as const;

/**
 * A workflow with one trigger. For AlloMia and AICaller, `parameters.token` / `parameters.secret`
 * is not a parameter: it goes into a new credential of the trigger (AlloMia Callback Token API,
 * AICaller Webhook Secret API), created through n8n's REST API as the editor does. Without it the
 * trigger has no credential. `legacyParameters` are put into the node as typed (the parameters
 * of an earlier version).
 */
async function createTrigger(
	provider: Provider,
	parameters: Record<string, unknown>,
	title: string,
	legacyParameters: Record<string, unknown> = {},
): Promise<Trigger> {
	const webhookId = randomUUID();
	let credentials: Record<string, { id: string; name: string }> | undefined;
	const own = { ...parameters };
	if (provider === 'helloAnnie') {
		credentials = {
			helloAnnieApi: {
				id: ctx.state.credentials.helloAnnie.id,
				name: ctx.state.credentials.helloAnnie.name,
			},
		};
	} else {
		const secretCredential = SECRET_CREDENTIALS[provider];
		const secret = own[secretCredential.parameter];
		delete own[secretCredential.parameter];
		if (typeof secret === 'string') {
			const credential = await ctx.n8n.createCredential(
				`e2e ${title} ${webhookId.slice(0, 8)}`,
				secretCredential.type,
				{ [secretCredential.field]: secret },
			);
			credentials = { [credential.type]: { id: credential.id, name: credential.name } };
		}
	}
	Object.assign(own, legacyParameters);
	const workflow: WorkflowJson = {
		name: `e2e trigger ${title} ${webhookId.slice(0, 8)}`,
		nodes: [
			{
				id: randomUUID(),
				name: TRIGGER,
				type: TYPES[provider],
				typeVersion: 1,
				position: [0, 0],
				parameters: own as WorkflowJson['nodes'][number]['parameters'],
				webhookId,
				...(credentials ? { credentials } : {}),
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
	const stored = await ctx.n8n.createWorkflow(workflow);
	const route = `webhook/${webhookId}/${PATHS[provider]}`;
	const port = new URL(ctx.state.n8nUrl).port;
	return {
		id: stored.id,
		url: `http://localhost:${port}/${route}`,
		localUrl: `${ctx.state.n8nUrl}/${route}`,
	};
}

/** Activates the workflow and waits until n8n has run the trigger's activation. */
async function activate(trigger: Trigger): Promise<PublicationStatus> {
	const stored = await ctx.n8n.getWorkflow(trigger.id);
	await ctx.n8n.activateWorkflow(stored);
	activated.push(trigger.id);
	return await ctx.n8n.waitForPublication(trigger.id);
}

/**
 * Activates a workflow whose trigger must refuse to activate, and returns n8n's report of it.
 * Waits for the failed trigger status, not for the publication to settle: n8n keeps a failed
 * publication in flight for its next outbox poll (15 s).
 */
async function activateFailing(trigger: Trigger): Promise<PublicationStatus> {
	const stored = await ctx.n8n.getWorkflow(trigger.id);
	await ctx.n8n.activateWorkflow(stored);
	activated.push(trigger.id);
	return await waitFor(
		`the activation of workflow ${trigger.id} to fail`,
		async () => {
			const status = await ctx.n8n.publicationStatus(trigger.id);
			return status.triggers.some((t) => t.status === 'failed') ? status : undefined;
		},
		{ timeoutMs: 60_000, intervalMs: 50 },
	);
}

/**
 * Activates a workflow n8n itself refuses to publish (a node with a configuration issue, such as
 * a required credential missing): POST /rest/workflows/{id}/activate answers the error.
 */
async function activateRefusedByN8n(
	trigger: Trigger,
): Promise<{ status: number; message: string }> {
	const stored = await ctx.n8n.getWorkflow(trigger.id);
	const answer = await ctx.n8n.raw('POST', `/rest/workflows/${trigger.id}/activate`, {
		versionId: stored.versionId,
	});
	return {
		status: answer.status,
		message: String((answer.body as { message?: unknown })?.message),
	};
}

function startRefusedActivation(
	provider: Provider,
	parameters: Record<string, unknown>,
	title: string,
	legacyParameters: Record<string, unknown> = {},
	deleteCredential = false,
): Promise<Refusal> {
	const run = (async () => {
		const trigger = await createTrigger(provider, parameters, title, legacyParameters);
		if (deleteCredential) {
			const [node] = (await ctx.n8n.getWorkflow(trigger.id)).nodes;
			for (const credential of Object.values(node.credentials ?? {}))
				await ctx.n8n.deleteCredentialIfPresent(String(credential.id));
		}
		return { trigger, status: await activateFailing(trigger) };
	})();
	// Awaited by its test; this only keeps a failure from counting as unhandled until then.
	run.catch(() => undefined);
	return run;
}

async function deactivate(trigger: Trigger): Promise<PublicationStatus> {
	await ctx.n8n.deactivateWorkflow(trigger.id);
	return await ctx.n8n.waitForPublication(trigger.id);
}

interface Answer {
	status: number;
	body: unknown;
	headers: Headers;
}

async function post(
	url: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Answer> {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = text ? (JSON.parse(text) as unknown) : undefined;
	} catch {
		// not JSON
	}
	return { status: response.status, body: parsed, headers: response.headers };
}

/** The sandbox's control API; its answers may hold tokens (a fired webhook's headers): never print them. */
async function control<T>(route: string, body: unknown = {}): Promise<{ status: number; body: T }> {
	const answer = await post(`${ctx.state.sandboxUrl}/__sandbox${route}`, body);
	return { status: answer.status, body: answer.body as T };
}

/** Runs `act` and returns the executions of the workflow it started (ids, oldest first). */
async function executionsStartedBy(
	workflowId: string,
	act: () => Promise<unknown>,
): Promise<string[]> {
	const before = new Set(await ctx.n8n.executionIds(workflowId));
	await act();
	// n8n answers a webhook once it has taken the execution on, but on a loaded machine the
	// execution can reach the list a moment later: look for a few seconds. (For a refused
	// request that means three quiet seconds before "nothing started" is concluded.)
	const started = async () =>
		(await ctx.n8n.executionIds(workflowId)).filter((id) => !before.has(id));
	try {
		return await waitFor(
			'an execution to be listed',
			async () => {
				const ids = await started();
				return ids.length ? ids : undefined;
			},
			{ timeoutMs: 3000, intervalMs: 100 },
		);
	} catch {
		return await started();
	}
}

async function onlyExecution(ids: string[]): Promise<Execution> {
	expect(ids).toHaveLength(1);
	const execution = await ctx.n8n.waitForExecution(ids[0]);
	expect(execution.status).toBe('success');
	expect(execution.mode).toBe('webhook');
	return execution;
}

const outputOf = (execution: Execution) => nodeOutput(execution, TRIGGER).map((item) => item.json);

const contains = (execution: Execution, secret: string) =>
	JSON.stringify(execution.data).includes(secret);

async function fixtures(): Promise<{
	alloMia: {
		apiKey: string;
		assistants: Array<{ id: string }>;
		phoneNumbers: Array<{ id: string }>;
	};
	aiCaller: { apiKey: string; teamId: string; callTemplates: Array<{ _id: string }> };
}> {
	const response = await fetch(`${ctx.state.sandboxUrl}/__sandbox/fixtures`);
	return (await response.json()) as Awaited<ReturnType<typeof fixtures>>;
}

// -------------------------------------------------------------------------------------------------
// HelloAnnie

describe('HelloAnnie Trigger', () => {
	const bot = (id: string) => ({ botId: { __rl: true, mode: 'id', value: id } });
	const webhookPath = (botId: string) => `/bots/${botId}/webhook`;

	/** A recorded bot-webhook request with the token replaced by its shape. */
	function seen(request: RecordedRequest) {
		const body = request.body as { url?: string; authToken?: unknown } | undefined;
		return {
			method: request.method,
			path: request.path,
			status: request.status,
			body: body && { ...body, authToken: shapeOf(body.authToken) },
		};
	}
	const tokenOf = (request: RecordedRequest) => (request.body as { authToken: string }).authToken;
	/** The bot-webhook requests of the known bots (the refused activation retries in between). */
	const botRequests = async () =>
		(await ctx.sandbox.requests()).filter((r) => r.path !== webhookPath(UNKNOWN_BOT));

	async function fire(
		botId: string,
		payload: unknown,
	): Promise<{ status: number; body: CallbackAttempt }> {
		return await control<CallbackAttempt>(`/helloannie/bots/${botId}/webhook/fire`, payload);
	}

	test("activation upserts the bot webhook (production URL, new token); the bot's webhook starts the workflow; deactivation deletes it", async () => {
		const trigger = await createTrigger('helloAnnie', bot(FRONT_DESK_BOT), 'helloannie lifecycle');
		expect((await activate(trigger)).status).toBe('published');

		const activation = await botRequests();
		expect(activation.map(seen)).toEqual([
			{
				method: 'PUT',
				path: webhookPath(FRONT_DESK_BOT),
				status: 200,
				body: { url: trigger.url, authToken: '64 hex characters' },
			},
		]);
		expectBearer(activation[0], ctx.fixtures.apiKey);
		expect(activation[0].valid).toBe(true);
		const token = tokenOf(activation[0]);

		const payload = {
			event: 'conversation.ended',
			conversationId: '9b2f6c1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b',
			summary: 'Patient confirmed the cleaning on March 10 at 3 PM.',
		};
		let fired: { status: number; body: CallbackAttempt } | undefined;
		const started = await executionsStartedBy(trigger.id, async () => {
			fired = await fire(FRONT_DESK_BOT, payload);
		});
		expect(fired?.status).toBe(200);
		// What n8n answered HelloAnnie's POST.
		expect(fired?.body.status).toBe(200);
		expect(JSON.parse(fired?.body.responseBody ?? 'null')).toEqual(STARTED);
		const execution = await onlyExecution(started);
		expect(outputOf(execution)).toEqual([payload]);
		expect(contains(execution, token)).toBe(false);

		// Deactivation: the webhook is read (still ours?) and deleted.
		const before = (await botRequests()).length;
		expect((await deactivate(trigger)).status).toBe('not_published');
		const deactivation = (await botRequests()).slice(before);
		expect(deactivation.map(seen)).toEqual([
			{ method: 'GET', path: webhookPath(FRONT_DESK_BOT), status: 200, body: undefined },
			{ method: 'DELETE', path: webhookPath(FRONT_DESK_BOT), status: 200, body: undefined },
		]);
		for (const request of deactivation) expectBearer(request, ctx.fixtures.apiKey);
		// HelloAnnie has no webhook for the bot any more, and n8n none at that URL.
		expect((await fire(FRONT_DESK_BOT, payload)).status).toBe(404);
		const late = await executionsStartedBy(trigger.id, async () => {
			const answer = await post(trigger.localUrl, payload, { authorization: `Bearer ${token}` });
			expect(answer.status).toBe(404);
		});
		expect(late).toEqual([]);

		// Activated again: a new token; the old one no longer opens the workflow.
		const again = (await botRequests()).length;
		expect((await activate(trigger)).status).toBe('published');
		const reactivation = (await botRequests()).slice(again);
		expect(reactivation.map(seen)).toEqual([
			{
				method: 'PUT',
				path: webhookPath(FRONT_DESK_BOT),
				status: 200,
				body: { url: trigger.url, authToken: '64 hex characters' },
			},
		]);
		const newToken = tokenOf(reactivation[0]);
		expect(newToken === token).toBe(false);
		const replayed = await executionsStartedBy(trigger.id, async () => {
			const answer = await post(trigger.localUrl, payload, { authorization: `Bearer ${token}` });
			expect(answer.status).toBe(401);
		});
		expect(replayed).toEqual([]);
		const fresh = await executionsStartedBy(trigger.id, async () => {
			const answer = await post(trigger.localUrl, payload, { authorization: `Bearer ${newToken}` });
			expect(answer.status).toBe(200);
		});
		expect(outputOf(await onlyExecution(fresh))).toEqual([payload]);
	});

	test('forged requests (no token, wrong token, another scheme, the token of another workflow) get 401 and start nothing', async () => {
		const a = await createTrigger('helloAnnie', bot(FRONT_DESK_BOT), 'helloannie forged a');
		const b = await createTrigger('helloAnnie', bot(RECALL_BOT), 'helloannie forged b');
		expect((await activate(a)).status).toBe('published');
		expect((await activate(b)).status).toBe('published');
		const upserts = await botRequests();
		const tokenA = tokenOf(
			upserts.find((r) => r.path === webhookPath(FRONT_DESK_BOT)) as RecordedRequest,
		);
		const tokenB = tokenOf(
			upserts.find((r) => r.path === webhookPath(RECALL_BOT)) as RecordedRequest,
		);
		expect(tokenA === tokenB).toBe(false);

		const payload = { event: 'conversation.ended', conversationId: 'forged' };
		const forgeries: Array<{ what: string; url: string; headers: Record<string, string> }> = [
			{ what: 'no Authorization header', url: a.localUrl, headers: {} },
			{
				what: 'a wrong token',
				url: a.localUrl,
				headers: { authorization: `Bearer ${newSecret()}` },
			},
			{
				what: 'the token cut short',
				url: a.localUrl,
				headers: { authorization: `Bearer ${tokenA.slice(0, -1)}` },
			},
			{
				what: 'the token as Basic',
				url: a.localUrl,
				headers: { authorization: `Basic ${tokenA}` },
			},
			{ what: 'the token alone', url: a.localUrl, headers: { authorization: tokenA } },
			{
				what: "A's token at B's URL",
				url: b.localUrl,
				headers: { authorization: `Bearer ${tokenA}` },
			},
			{
				what: 'a wrong token with a body n8n does not parse',
				url: b.localUrl,
				headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/octet-stream' },
			},
		];
		for (const workflow of [a, b]) {
			const started = await executionsStartedBy(workflow.id, async () => {
				for (const forgery of forgeries.filter((f) => f.url === workflow.localUrl)) {
					const answer = await post(forgery.url, payload, forgery.headers);
					expect({ what: forgery.what, status: answer.status, body: answer.body }).toEqual({
						what: forgery.what,
						status: 401,
						body: UNAUTHORIZED,
					});
					expect(answer.headers.get('www-authenticate')).toBe('Bearer');
				}
			});
			expect(started).toEqual([]);
		}

		// The genuine webhook of B's bot still starts B, and only B.
		const startedA = await executionsStartedBy(a.id, async () => {
			const startedB = await executionsStartedBy(b.id, async () => {
				expect((await fire(RECALL_BOT, payload)).body.status).toBe(200);
			});
			expect(outputOf(await onlyExecution(startedB))).toEqual([payload]);
		});
		expect(startedA).toEqual([]);
	});

	test("activation with a bot HelloAnnie does not know fails with HelloAnnie's message", async () => {
		const { trigger, status } = await refused.helloAnnie;
		expect(status.triggers.map((t) => t.errorMessage)).toEqual([
			'HelloAnnie could not find it (HTTP 404): Bot not found',
		]);
		expect(await ctx.n8n.executionIds(trigger.id)).toEqual([]);
	});
});

// -------------------------------------------------------------------------------------------------
// AlloMia

describe('AlloMia Trigger', () => {
	/** Places a call at the sandbox's AlloMia as Call → Create Outbound does, with this Callback URL. */
	async function placeCall(callbackUrl: string): Promise<string> {
		const { alloMia } = await fixtures();
		const answer = await post(
			`${ctx.state.sandboxUrl}/allomia/api/outbound`,
			{
				phoneNumber: '+15145551234',
				assistantId: alloMia.assistants[0].id,
				phoneNumberId: alloMia.phoneNumbers[0].id,
				customerName: 'John Doe',
				callbackUrl,
			},
			{ authorization: `Bearer ${alloMia.apiKey}` },
		);
		expect(answer.status).toBe(200);
		return (answer.body as { outboundCallId: string }).outboundCallId;
	}

	interface Completion {
		status: Record<string, unknown>;
		callback?: CallbackAttempt;
	}

	async function endCall(outboundCallId: string, outcome: string): Promise<Completion> {
		const answer = await control<Completion>(`/allomia/calls/${outboundCallId}/complete`, {
			outcome,
		});
		expect(answer.status).toBe(200);
		return answer.body;
	}

	test('the callback of an ended call, its Callback URL carrying the token, starts the workflow with the status', async () => {
		const token = newSecret();
		const trigger = await createTrigger('alloMia', { token, statuses: [] }, 'allomia callback');
		expect((await activate(trigger)).status).toBe('published');

		const outboundCallId = await placeCall(`${trigger.url}?token=${token}`);
		let completion: Completion | undefined;
		const started = await executionsStartedBy(trigger.id, async () => {
			completion = await endCall(outboundCallId, 'completed');
		});
		expect(completion?.callback?.status).toBe(200);
		expect(JSON.parse(completion?.callback?.responseBody ?? 'null')).toEqual(STARTED);
		const execution = await onlyExecution(started);
		// The payload mirrors GET /api/outbound/{id}/status, with the vocabulary as Get Status has it.
		expect(outputOf(execution)).toEqual([
			{ ...completion?.status, ...endedVocabulary({ endReason: 'completed' }) },
		]);
		expect(outputOf(execution)[0]).toMatchObject({
			outboundCallId,
			status: 'completed',
			callDetails: { endedReason: 'customer-ended-call' },
		});
		expect(contains(execution, token)).toBe(false);
	});

	test('Statuses: a call that ended otherwise is acknowledged (200) and starts nothing', async () => {
		const token = newSecret();
		const trigger = await createTrigger(
			'alloMia',
			{ token, statuses: ['completed'] },
			'allomia statuses',
		);
		expect((await activate(trigger)).status).toBe('published');

		const busyCall = await placeCall(`${trigger.url}?token=${token}`);
		let busy: Completion | undefined;
		const none = await executionsStartedBy(trigger.id, async () => {
			busy = await endCall(busyCall, 'busy');
		});
		expect(none).toEqual([]);
		expect(busy?.callback?.status).toBe(200);
		expect(JSON.parse(busy?.callback?.responseBody ?? 'null')).toEqual({
			received: true,
			ignored: 'status not selected in the trigger',
		});

		const completedCall = await placeCall(`${trigger.url}?token=${token}`);
		const started = await executionsStartedBy(trigger.id, () =>
			endCall(completedCall, 'completed'),
		);
		expect(outputOf(await onlyExecution(started))).toEqual([
			expect.objectContaining({ outboundCallId: completedCall, status: 'completed' }),
		]);
	});

	test('forged callbacks (no token, wrong token, token in a header, the token of another workflow) get 401 and start nothing', async () => {
		const tokenA = newSecret();
		const tokenB = newSecret();
		const a = await createTrigger('alloMia', { token: tokenA, statuses: [] }, 'allomia forged a');
		const b = await createTrigger('alloMia', { token: tokenB, statuses: [] }, 'allomia forged b');
		expect((await activate(a)).status).toBe('published');
		expect((await activate(b)).status).toBe('published');

		const payload = {
			outboundCallId: 'f0f0f0f0-f0f0-4f0f-8f0f-f0f0f0f0f0f0',
			contactId: 'e0e0e0e0-e0e0-4e0e-8e0e-e0e0e0e0e0e0',
			status: 'completed',
		};
		const forgeries: Array<{ what: string; url: string; headers?: Record<string, string> }> = [
			{ what: 'no token', url: a.localUrl },
			{ what: 'an empty token', url: `${a.localUrl}?token=` },
			{ what: 'a wrong token', url: `${a.localUrl}?token=${newSecret()}` },
			{ what: 'the token cut short', url: `${a.localUrl}?token=${tokenA.slice(0, -1)}` },
			{ what: 'the token twice', url: `${a.localUrl}?token=${tokenA}&token=${tokenA}` },
			{
				what: 'the token as a Bearer header',
				url: a.localUrl,
				headers: { authorization: `Bearer ${tokenA}` },
			},
			{ what: "A's token at B's URL", url: `${b.localUrl}?token=${tokenA}` },
			{
				what: 'no token, a body n8n does not parse',
				url: b.localUrl,
				headers: { 'content-type': 'application/octet-stream' },
			},
		];
		for (const workflow of [a, b]) {
			const started = await executionsStartedBy(workflow.id, async () => {
				for (const forgery of forgeries.filter((f) => f.url.startsWith(workflow.localUrl))) {
					const answer = await post(forgery.url, payload, forgery.headers);
					expect({ what: forgery.what, status: answer.status, body: answer.body }).toEqual({
						what: forgery.what,
						status: 401,
						body: UNAUTHORIZED,
					});
				}
			});
			expect(started).toEqual([]);
		}

		// B's own token still works at B.
		const started = await executionsStartedBy(b.id, async () => {
			expect((await post(`${b.localUrl}?token=${tokenB}`, payload)).status).toBe(200);
		});
		expect(outputOf(await onlyExecution(started))).toEqual([
			{ ...payload, ...endedVocabulary({ endReason: 'completed' }) },
		]);
	});

	test('a guessable token in the credential: activation fails and says why (without the token)', async () => {
		const { trigger, status } = await refused.alloMia;
		expect(status.triggers.map((t) => t.errorMessage)).toEqual([
			'Token (AlloMia Callback Token API credential) must be at least 24 characters long (it has 13); generate one, e.g. with "openssl rand -hex 32"',
		]);
		const answer = await post(`${trigger.localUrl}?token=${WEAK_TOKEN}`, { status: 'completed' });
		expect(answer.status).toBe(404);
		expect(await ctx.n8n.executionIds(trigger.id)).toEqual([]);
	});

	test('no AlloMia Callback Token API credential (the token typed into the node, as before): activation is refused naming the credential to add', async () => {
		// A workflow as an earlier version built it: the token typed into the trigger.
		const trigger = await createTrigger('alloMia', { statuses: [] }, 'allomia no credential', {
			token: newSecret(),
		});
		expect(await activateRefusedByN8n(trigger)).toEqual({
			status: 400,
			message:
				'Cannot publish workflow: 1 node have configuration issues:\n\nNode "Trigger":\n  - Missing required credential: alloMiaCallbackApi',
		});
		expect((await ctx.n8n.getWorkflow(trigger.id)).active).toBe(false);
		expect((await post(trigger.localUrl, { status: 'completed' })).status).toBe(404);

		// Selected, then deleted: n8n publishes, and the trigger's own activation refuses.
		const { trigger: deleted, status } = await refused.alloMiaDeletedCredential;
		expect(status.triggers.map((t) => t.errorMessage)).toEqual([
			expect.stringMatching(
				/^Add an "AlloMia Callback Token API" credential to this trigger: the selected one cannot be read/,
			),
		]);
		expect((await post(deleted.localUrl, { status: 'completed' })).status).toBe(404);
		expect(await ctx.n8n.executionIds(deleted.id)).toEqual([]);
	});

	test("Call → Create Outbound with Add Callback Token: the call's callback carries the credential's token and starts the trigger", async () => {
		const token = newSecret();
		const trigger = await createTrigger(
			'alloMia',
			{ token, statuses: [] },
			'allomia create outbound',
		);
		expect((await activate(trigger)).status).toBe('published');
		const stored = await ctx.n8n.getWorkflow(trigger.id);
		const credential = stored.nodes[0].credentials?.[CREDENTIAL_TYPES.alloMiaCallback];
		const { alloMia } = await fixtures();
		const workflow = operationWorkflow(
			'e2e allomia create outbound with token',
			[{}],
			{
				resource: 'call',
				operation: 'createOutbound',
				phoneNumber: '+15145551234',
				assistantId: alloMia.assistants[0].id,
				phoneNumberId: alloMia.phoneNumbers[0].id,
				callbackUrl: trigger.url,
				addCallbackToken: true,
			},
			{
				credential: ctx.state.credentials.alloMia,
				extraCredentials: [
					{
						id: String(credential?.id),
						name: String(credential?.name),
						type: CREDENTIAL_TYPES.alloMiaCallback,
					},
				],
				node: { type: NODE_TYPES.alloMia, name: 'AlloMia' },
			},
		);
		const create = await ctx.n8n.createWorkflow(workflow);
		const created = await ctx.n8n.waitForExecution(
			await ctx.n8n.runManually(create.id, OPERATION_TRIGGER),
		);
		expect(created.status).toBe('success');
		const outboundCallId = String(nodeOutput(created, 'AlloMia')[0].json.outboundCallId);
		const sent = (await ctx.sandbox.requests('allomia')).find((r) => r.path === '/api/outbound');
		expect(
			(sent?.body as { callbackUrl?: string }).callbackUrl === `${trigger.url}?token=${token}`,
		).toBe(true);
		expect(contains(created, token)).toBe(false);

		const started = await executionsStartedBy(trigger.id, () =>
			endCall(outboundCallId, 'completed'),
		);
		const execution = await onlyExecution(started);
		expect(outputOf(execution)).toEqual([
			expect.objectContaining({ outboundCallId, status: 'completed' }),
		]);
		expect(contains(execution, token)).toBe(false);
	});
});

// -------------------------------------------------------------------------------------------------
// AICaller

describe('AICaller Trigger', () => {
	type SandboxMode = 'header' | 'hmac' | 'body';

	async function setSecretMode(mode: SandboxMode): Promise<void> {
		expect((await control('/aicaller/webhook-secret-mode', { mode })).status).toBe(200);
	}

	/** Creates a call at the sandbox's AICaller with these webhook subscriptions. */
	async function createCall(
		webhooks: Array<{ url: string; subscribedEvent: string; secret: string }>,
	): Promise<string> {
		const { aiCaller } = await fixtures();
		const answer = await post(
			`${ctx.state.sandboxUrl}/aicaller/v1/phoneCalls`,
			{
				teamId: aiCaller.teamId,
				callTemplateId: aiCaller.callTemplates[0]._id,
				nameOfHuman: 'Jane',
				toPhoneNumber: '+15550102030',
				promptVariableValues: [{ key: 'customer_name', value: 'Jane' }],
				phoneCallWebhooks: webhooks,
			},
			{ 'aicaller-api-key': aiCaller.apiKey },
		);
		expect(answer.status).toBe(200);
		return (answer.body as { data: { _id: string } }).data._id;
	}

	async function completeCall(
		id: string,
	): Promise<{ call: Record<string, unknown>; webhooks: CallbackAttempt[] }> {
		const answer = await control<{ call: Record<string, unknown>; webhooks: CallbackAttempt[] }>(
			`/aicaller/calls/${id}/complete`,
			{ outcome: 'completed' },
		);
		expect(answer.status).toBe(200);
		return answer.body;
	}

	/** The call as the workflow should see it: the subscriptions' secrets removed. */
	function withoutSecrets(call: Record<string, unknown>): Record<string, unknown> {
		const hooks = call.phoneCallWebhooks as Array<Record<string, unknown>>;
		return {
			...call,
			phoneCallWebhooks: hooks.map((hook) => {
				const copy = { ...hook };
				delete copy.secret;
				return copy;
			}),
		};
	}

	const parameters = (secret: string, secretCheck: string, events = ['phoneCall.completed']) => ({
		events,
		secret,
		secretCheck,
	});

	test.each(['header', 'hmac', 'body'] as const)(
		'phoneCall.completed with the secret sent as %s starts the workflow (Secret Check: Any Supported); the secret is in no output',
		async (mode) => {
			const secret = newSecret();
			const trigger = await createTrigger(
				'aiCaller',
				parameters(secret, 'any'),
				`aicaller any ${mode}`,
			);
			expect((await activate(trigger)).status).toBe('published');
			await setSecretMode(mode);

			const id = await createCall([
				{ url: trigger.url, subscribedEvent: 'phoneCall.completed', secret },
			]);
			let completion: { call: Record<string, unknown>; webhooks: CallbackAttempt[] } | undefined;
			const started = await executionsStartedBy(trigger.id, async () => {
				completion = await completeCall(id);
			});
			expect(completion?.webhooks.map((w) => w.status)).toEqual([200]);
			const execution = await onlyExecution(started);
			// The vocabulary top-level, from the call in `data` (the sandbox ends it ENDED_NORMALLY).
			expect(outputOf(execution)).toEqual([
				{
					event: 'phoneCall.completed',
					...endedVocabulary({
						endReason: 'completed',
						durationSeconds: completion?.call.callDuration,
					}),
					data: withoutSecrets(completion?.call ?? {}),
				},
			]);
			expect(contains(execution, secret)).toBe(false);
		},
	);

	test('each explicit Secret Check accepts the secret only in its own place', async () => {
		const secret = newSecret();
		const checks = ['header', 'hmac', 'bodyField'] as const;
		const triggers = {} as Record<(typeof checks)[number], Trigger>;
		for (const check of checks) {
			triggers[check] = await createTrigger(
				'aiCaller',
				parameters(secret, check),
				`aicaller ${check}`,
			);
			expect((await activate(triggers[check])).status).toBe('published');
		}
		const expectedCheck: Record<SandboxMode, (typeof checks)[number]> = {
			header: 'header',
			hmac: 'hmac',
			body: 'bodyField',
		};

		for (const mode of ['header', 'hmac', 'body'] as const) {
			await setSecretMode(mode);
			const id = await createCall(
				checks.map((check) => ({
					url: triggers[check].url,
					subscribedEvent: 'phoneCall.completed',
					secret,
				})),
			);
			const { webhooks } = await completeCall(id);
			// One POST per subscription, in order: only the trigger checking that place accepts.
			expect({ mode, statuses: webhooks.map((w) => w.status) }).toEqual({
				mode,
				statuses: checks.map((check) => (check === expectedCheck[mode] ? 200 : 401)),
			});
		}
		for (const check of checks) {
			const ids = await ctx.n8n.executionIds(triggers[check].id);
			expect({ check, executions: ids.length }).toEqual({ check, executions: 1 });
		}
	});

	test('HMAC: the signature is checked on the raw body as received, not on the parsed JSON', async () => {
		const secret = newSecret();
		const trigger = await createTrigger(
			'aiCaller',
			parameters(secret, 'hmac'),
			'aicaller raw body',
		);
		expect((await activate(trigger)).status).toBe('published');
		// Spacing, key order and escapes that JSON.stringify of the parsed body would not reproduce.
		const raw =
			'{ "data" : {"_id":"6553a1f0c2b4d5e6f7a8b9c1", "nameOfHuman":"Zo\\u00eb", "status":"completed"},\n  "event":"phoneCall.completed" }';
		const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

		const started = await executionsStartedBy(trigger.id, async () => {
			const answer = await post(trigger.localUrl, raw, { 'x-aicaller-signature': signature });
			expect(answer.status).toBe(200);
		});
		expect(outputOf(await onlyExecution(started))).toEqual([
			{ ...(JSON.parse(raw) as object), ...endedVocabulary({ endReason: 'completed' }) },
		]);

		const reserialized = await executionsStartedBy(trigger.id, async () => {
			const answer = await post(trigger.localUrl, JSON.stringify(JSON.parse(raw)), {
				'x-aicaller-signature': signature,
			});
			expect(answer.status).toBe(401);
		});
		expect(reserialized).toEqual([]);
	});

	test("forged requests (no secret, wrong secret in each place, another workflow's signed request replayed) get 401 and start nothing", async () => {
		const secretA = newSecret();
		const secretB = newSecret();
		const a = await createTrigger('aiCaller', parameters(secretA, 'any'), 'aicaller forged a');
		const b = await createTrigger('aiCaller', parameters(secretB, 'any'), 'aicaller forged b');
		expect((await activate(a)).status).toBe('published');
		expect((await activate(b)).status).toBe('published');

		const body = {
			event: 'phoneCall.completed',
			data: { _id: '6553a1f0c2b4d5e6f7a8b9c1', status: 'completed' },
		};
		const raw = JSON.stringify(body);
		const sign = (secret: string, text = raw) =>
			`sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
		const wrong = newSecret();
		const forgeries: Array<{
			what: string;
			url: string;
			body: string;
			headers: Record<string, string>;
		}> = [
			{ what: 'no secret', url: a.localUrl, body: raw, headers: {} },
			{
				what: 'a wrong header secret',
				url: a.localUrl,
				body: raw,
				headers: { 'x-aicaller-secret': wrong },
			},
			{
				what: 'a signature with a wrong secret',
				url: a.localUrl,
				body: raw,
				headers: { 'x-aicaller-signature': sign(wrong) },
			},
			{
				what: 'a malformed signature',
				url: a.localUrl,
				body: raw,
				headers: { 'x-aicaller-signature': secretA },
			},
			{
				what: 'a wrong body secret',
				url: a.localUrl,
				body: JSON.stringify({ ...body, secret: wrong }),
				headers: {},
			},
			{
				what: 'a right header with a wrong signature',
				url: a.localUrl,
				body: raw,
				headers: { 'x-aicaller-secret': secretA, 'x-aicaller-signature': sign(wrong) },
			},
			{
				what: 'a signature of another body',
				url: a.localUrl,
				body: JSON.stringify({ ...body, event: 'phoneCall.failed' }),
				headers: { 'x-aicaller-signature': sign(secretA) },
			},
			{
				what: "A's signed request at B's URL",
				url: b.localUrl,
				body: raw,
				headers: { 'x-aicaller-signature': sign(secretA) },
			},
			{
				what: "A's header secret at B's URL",
				url: b.localUrl,
				body: raw,
				headers: { 'x-aicaller-secret': secretA },
			},
			{
				what: 'no secret, a body n8n does not parse',
				url: b.localUrl,
				body: 'secret=guess',
				headers: { 'content-type': 'application/octet-stream' },
			},
		];
		for (const workflow of [a, b]) {
			const started = await executionsStartedBy(workflow.id, async () => {
				for (const forgery of forgeries.filter((f) => f.url === workflow.localUrl)) {
					const answer = await post(forgery.url, forgery.body, forgery.headers);
					expect({ what: forgery.what, status: answer.status, body: answer.body }).toEqual({
						what: forgery.what,
						status: 401,
						body: UNAUTHORIZED,
					});
				}
			});
			expect(started).toEqual([]);
		}

		// The same request signed with B's secret starts B.
		const started = await executionsStartedBy(b.id, async () => {
			expect((await post(b.localUrl, raw, { 'x-aicaller-signature': sign(secretB) })).status).toBe(
				200,
			);
		});
		expect(outputOf(await onlyExecution(started))).toEqual([
			{ ...body, ...endedVocabulary({ endReason: 'completed' }) },
		]);
	});

	test('Events: an event not selected is acknowledged (200) and starts nothing; phoneCall.* takes it', async () => {
		const secret = newSecret();
		const completedOnly = await createTrigger(
			'aiCaller',
			parameters(secret, 'header'),
			'aicaller completed only',
		);
		const everything = await createTrigger(
			'aiCaller',
			parameters(secret, 'header', ['phoneCall.*']),
			'aicaller all events',
		);
		expect((await activate(completedOnly)).status).toBe('published');
		expect((await activate(everything)).status).toBe('published');

		const failed = {
			event: 'phoneCall.failed',
			data: { _id: '6553a1f0c2b4d5e6f7a8b9c1', status: 'failed' },
		};
		const none = await executionsStartedBy(completedOnly.id, async () => {
			const answer = await post(completedOnly.localUrl, failed, { 'x-aicaller-secret': secret });
			expect({ status: answer.status, body: answer.body }).toEqual({
				status: 200,
				body: { received: true, ignored: 'event not selected in the trigger' },
			});
		});
		expect(none).toEqual([]);

		const started = await executionsStartedBy(everything.id, async () => {
			expect(
				(await post(everything.localUrl, failed, { 'x-aicaller-secret': secret })).status,
			).toBe(200);
		});
		expect(outputOf(await onlyExecution(started))).toEqual([
			{ ...failed, ...endedVocabulary({ endReason: 'failed' }) },
		]);
	});

	test('a guessable secret in the credential: activation fails and says why (without the secret)', async () => {
		const { trigger, status } = await refused.aiCaller;
		expect(status.triggers.map((t) => t.errorMessage)).toEqual([
			'Secret (AICaller Webhook Secret API credential) must be at least 24 characters long (it has 6); generate one, e.g. with "openssl rand -hex 32"',
		]);
		const answer = await post(
			trigger.localUrl,
			{ event: 'phoneCall.completed' },
			{ 'x-aicaller-secret': WEAK_SECRET },
		);
		expect(answer.status).toBe(404);
		expect(await ctx.n8n.executionIds(trigger.id)).toEqual([]);
	});

	test('no AICaller Webhook Secret API credential (the secret typed into the node, as before): activation is refused naming the credential to add', async () => {
		const trigger = await createTrigger(
			'aiCaller',
			{ events: ['phoneCall.completed'], secretCheck: 'any' },
			'aicaller no credential',
			{ secret: newSecret() },
		);
		expect(await activateRefusedByN8n(trigger)).toEqual({
			status: 400,
			message:
				'Cannot publish workflow: 1 node have configuration issues:\n\nNode "Trigger":\n  - Missing required credential: aiCallerWebhookApi',
		});
		expect((await post(trigger.localUrl, { event: 'phoneCall.completed' })).status).toBe(404);
		expect(await ctx.n8n.executionIds(trigger.id)).toEqual([]);
	});
});
