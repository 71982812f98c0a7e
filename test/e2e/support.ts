/**
 * Helpers for the e2e test files: the n8n REST client (logged in as the owner), the sandbox's
 * control API over HTTP (it runs in jest's parent process), one-node workflows, and the lock
 * that keeps the test files from running at the same time.
 */
import { randomUUID } from 'node:crypto';
import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import {
	N8nClient,
	nodeOutput,
	type CredentialRef,
	type Execution,
	type WorkflowJson,
} from '../harness/client';
import { acquireDirLock, releaseDirLock } from '../harness/lock';
import { NODE_TYPES } from '../harness/project';
import type { CallEndOutcome } from '../sandbox/callEnding';
import type { AICALLER_FIXTURES } from '../sandbox/providers/aicaller';
import type {
	AlloMiaCompletion,
	AlloMiaOutcome,
	ALLOMIA_FIXTURES,
} from '../sandbox/providers/allomia';
import type { HELLOANNIE_FIXTURES } from '../sandbox/providers/helloannie';
import type { CallbackAttempt, ProviderName, RecordedRequest } from '../sandbox/types';
import { readState, type E2eState } from './state';
import type { StorageRequest } from '../sandbox/storage';

type HelloAnnieFixtures = typeof HELLOANNIE_FIXTURES;
export type AlloMiaFixtures = typeof ALLOMIA_FIXTURES;
type AiCallerFixtures = typeof AICALLER_FIXTURES;

/** A fault rule as the control API takes it (JSON: a RegExp path is `{ regex }`). */
interface FaultRuleJson {
	provider?: ProviderName;
	method?: string;
	path?: string | { regex: string; flags?: string };
	times?: number | 'Infinity';
	/** Matching requests let through before the fault applies. */
	skip?: number;
	/** Only requests whose raw body contains this text (e.g. one row's phone number). */
	bodyContains?: string;
	fault:
		| { status: number; body?: unknown; headers?: Record<string, string> }
		| { kind: string; ms?: number };
}

/** The sandbox's control API (GET /__sandbox/requests, POST /__sandbox/reset, POST /__sandbox/faults). */
class SandboxControl {
	constructor(readonly url: string) {}

	private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
		const response = await fetch(`${this.url}/__sandbox${route}`, {
			method,
			headers: { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(10_000),
		});
		const text = await response.text();
		if (!response.ok)
			throw new Error(`sandbox ${method} ${route} answered ${response.status}: ${text}`);
		return JSON.parse(text) as T;
	}

	/** The requests one provider received (HelloAnnie unless told). */
	async requests(provider: ProviderName = 'helloannie'): Promise<RecordedRequest[]> {
		return await this.call<RecordedRequest[]>('GET', `/requests?provider=${provider}`);
	}

	/** The callback / webhook POSTs the sandbox made (AlloMia callbackUrl, AICaller webhooks). */
	async callbacks(): Promise<CallbackAttempt[]> {
		return await this.call<CallbackAttempt[]>('GET', '/callbacks');
	}

	/** Ends an AlloMia outbound call; answers once its callbackUrl POST got an answer. */
	async completeAlloMiaCall(
		outboundCallId: string,
		outcome: AlloMiaOutcome = 'completed',
		details: Record<string, unknown> = {},
	): Promise<AlloMiaCompletion> {
		return await this.call<AlloMiaCompletion>(
			'POST',
			`/allomia/calls/${encodeURIComponent(outboundCallId)}/complete`,
			{ outcome, details },
		);
	}

	/** Until the next reset, AlloMia calls end by themselves `afterMs` after they are placed (0: at once). */
	async endAlloMiaCallsAfter(
		afterMs: number,
		outcome: AlloMiaOutcome = 'completed',
	): Promise<void> {
		await this.call('POST', '/allomia/auto-complete', { afterMs, outcome });
	}

	/**
	 * Ends an AICaller phone call (queued → … → outcome), with `statusExtraInfo` as given when there
	 * is one (e.g. { statusCode: 'CALL_LATER', dateTime }); answers once its webhooks got an answer.
	 */
	async completeAiCallerCall(
		id: string,
		outcome = 'completed',
		statusExtraInfo?: { statusCode?: string; dateTime?: string },
	): Promise<void> {
		await this.call('POST', `/aicaller/calls/${encodeURIComponent(id)}/complete`, {
			outcome,
			...(statusExtraInfo ? { statusExtraInfo } : {}),
		});
	}

	/**
	 * Ends a HelloAnnie call: its conversation is CLOSED, with the summary, topic and tag of the
	 * outcome (HelloAnnie documents no end reason: see the sandbox's endCall).
	 */
	async endHelloAnnieCall(
		conversationId: string,
		outcome: CallEndOutcome = 'completed',
	): Promise<void> {
		await this.call('POST', `/helloannie/conversations/${encodeURIComponent(conversationId)}/end`, {
			outcome,
		});
	}

	/**
	 * Until the next reset, HelloAnnie's token endpoint issues tokens living these many seconds:
	 * the next token the first value, later ones the last.
	 */
	async setHelloAnnieTokenLifetimes(seconds: number[]): Promise<void> {
		await this.call('POST', '/helloannie/oauth/token-lifetimes', { seconds });
	}

	/** Every HelloAnnie access token issued so far expires now (HelloAnnie answers 401 to it). */
	async expireHelloAnnieTokens(): Promise<number> {
		return (await this.call<{ expired: number }>('POST', '/helloannie/oauth/expire-tokens', {}))
			.expired;
	}

	/** The GETs the providers' file storage received (recording and transcript links). */
	async storageRequests(): Promise<StorageRequest[]> {
		return await this.call<StorageRequest[]>('GET', '/storage/requests');
	}

	/** Empties the recorded requests and faults and restores the seeded fixtures. */
	async reset(): Promise<void> {
		await this.call('POST', '/reset');
	}

	async inject(rule: FaultRuleJson): Promise<void> {
		await this.call('POST', '/faults', rule);
	}

	async fixtures(): Promise<HelloAnnieFixtures> {
		return (await this.call<{ helloAnnie: HelloAnnieFixtures }>('GET', '/fixtures')).helloAnnie;
	}

	async allFixtures(): Promise<{
		helloAnnie: HelloAnnieFixtures;
		alloMia: AlloMiaFixtures;
		aiCaller: AiCallerFixtures;
	}> {
		return await this.call('GET', '/fixtures');
	}
}

export interface E2eContext {
	state: E2eState;
	n8n: N8nClient;
	sandbox: SandboxControl;
	fixtures: HelloAnnieFixtures;
	/** Releases the test-file lock. */
	close(): Promise<void>;
}

/** For beforeAll: waits for the other test file, logs in, reads the sandbox fixtures. */
export async function openContext(): Promise<E2eContext> {
	const state = readState();
	await acquireDirLock(state.lockDir, 'the other e2e test file to finish', LOCK_WAIT_MS);
	try {
		const n8n = new N8nClient(state.n8nUrl);
		// The setup's session: a login per test file would run into n8n's 5 logins per minute.
		if (state.authCookie) n8n.useSessionCookie(state.authCookie);
		else await n8n.login();
		const sandbox = new SandboxControl(state.sandboxUrl);
		await sandbox.reset();
		const fixtures = await sandbox.fixtures();
		return { state, n8n, sandbox, fixtures, close: () => releaseDirLock(state.lockDir) };
	} catch (error) {
		await releaseDirLock(state.lockDir);
		throw error;
	}
}

/**
 * How long a test file waits for the others: jest runs test files in parallel workers, but they
 * share one sandbox (reset() is global), so a directory lock makes them take turns.
 */
export const LOCK_WAIT_MS = 10 * 60_000;

/**
 * What most e2e test files set up: the context, opened once per file (waiting for the other test
 * files), a sandbox reset before each test, the lock released at the end. Call it at the top level
 * of the file; what it returns reads the context opened in beforeAll.
 */
export function useE2eContext(): E2eContext {
	let opened: E2eContext | undefined;
	const current = (): E2eContext => {
		if (!opened) throw new Error('the e2e context is opened in beforeAll');
		return opened;
	};
	beforeAll(async () => {
		opened = await openContext();
	}, LOCK_WAIT_MS + 60_000);
	afterAll(async () => {
		await opened?.close();
	});
	beforeEach(async () => {
		await current().sandbox.reset();
	});
	return {
		get state() {
			return current().state;
		},
		get n8n() {
			return current().n8n;
		},
		get sandbox() {
			return current().sandbox;
		},
		get fixtures() {
			return current().fixtures;
		},
		close: async () => await current().close(),
	};
}

// -------------------------------------------------------------------------------------------------
// Workflows

export const TRIGGER = 'Input';
const NODE = 'HelloAnnie';

export interface OperationOptions {
	credential: CredentialRef;
	onError?: INode['onError'];
	/** The node under test; HelloAnnie unless told. */
	node?: { type: string; name: string };
	/** More credentials of the node (e.g. AICaller Webhook Secret API for Add Webhook Secret). */
	extraCredentials?: CredentialRef[];
}

/**
 * Manual Trigger with the input items pinned → one HelloAnnie node. Pinned trigger data is how
 * the editor feeds sample items; each item drives the node through expressions such as
 * `{{ $json.phone }}`, as in a real workflow.
 */
export function operationWorkflow(
	title: string,
	items: IDataObject[],
	parameters: INodeParameters,
	options: OperationOptions,
): WorkflowJson {
	const { type, name } = options.node ?? { type: NODE_TYPES.helloAnnie, name: NODE };
	const node: INode = {
		id: randomUUID(),
		name,
		type,
		typeVersion: 1,
		position: [240, 0],
		parameters,
		credentials: Object.fromEntries(
			[options.credential, ...(options.extraCredentials ?? [])].map((credential) => [
				credential.type,
				{ id: credential.id, name: credential.name },
			]),
		),
	};
	if (options.onError) node.onError = options.onError;
	return {
		name: `e2e ${title} ${randomUUID().slice(0, 8)}`,
		nodes: [
			{
				id: randomUUID(),
				name: TRIGGER,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			node,
		],
		connections: { [TRIGGER]: { main: [[{ node: name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: { [TRIGGER]: items.map((json) => ({ json })) },
	};
}

/** Sandbox operations no action node sends (the HelloAnnie Trigger registers its webhook with them). */
const TRIGGER_ONLY_OPERATIONS = new Set(['getBotWebhook', 'upsertBotWebhook', 'deleteBotWebhook']);

interface OperationRun {
	execution: Execution;
	/** The node's first output ([] when the execution failed). */
	output: INodeExecutionData[];
	/** Every request of the node's provider the sandbox received during the run. */
	requests: RecordedRequest[];
}

/**
 * Saves the workflow, runs it as "Execute workflow" in the editor does, waits for the end.
 * A manual run rather than a production webhook: the run call returns the execution id (a webhook
 * answer does not carry it) and nothing has to be activated first (a production webhook is
 * registered ~0.3 s after activation).
 */
async function runOperation(
	ctx: E2eContext,
	title: string,
	items: IDataObject[],
	parameters: INodeParameters,
	options: Partial<OperationOptions> & { provider?: ProviderName } = {},
): Promise<OperationRun> {
	const workflow = operationWorkflow(title, items, parameters, {
		credential: ctx.state.credentials.helloAnnie,
		...options,
	});
	const stored = await ctx.n8n.createWorkflow(workflow);
	const executionId = await ctx.n8n.runManually(stored.id, TRIGGER);
	const execution = await ctx.n8n.waitForExecution(executionId);
	const output =
		execution.status === 'success' ? nodeOutput(execution, options.node?.name ?? NODE) : [];
	// Only the HelloAnnie Trigger manages bot webhooks; n8n may check a trigger left active by an
	// earlier test file at any moment (seen: a GET /bots/{id}/webhook inside another test's run).
	const requests = (await ctx.sandbox.requests(options.provider)).filter(
		(request) => !TRIGGER_ONLY_OPERATIONS.has(request.operationId ?? ''),
	);
	return { execution, output, requests };
}

/** The error an execution stopped with, as the editor shows it. */
export function executionError(execution: Execution): {
	message: string;
	description?: string | null;
	node?: string;
} {
	const error = execution.data.resultData.error as
		| { message: string; description?: string | null; node?: { name: string } }
		| undefined;
	if (!error)
		throw new Error(`execution ${execution.id} has no error (status ${execution.status})`);
	return { message: error.message, description: error.description, node: error.node?.name };
}

/**
 * Checks the Authorization header without ever printing the key: a mismatch names only the
 * scheme and the length of what was sent.
 */
export function expectBearer(request: RecordedRequest, key: string): void {
	const sent = request.headers.authorization ?? '';
	if (sent !== `Bearer ${key}`) {
		const shape = sent ? `"${sent.split(' ')[0]} …" (${sent.length} characters)` : 'missing';
		throw new Error(
			`${request.method} ${request.path}: Authorization was ${shape}, not the expected Bearer key`,
		);
	}
}

/** As expectBearer, for a key sent in a header of its own (AICaller's `aicaller-api-key`). */
export function expectKeyHeader(request: RecordedRequest, header: string, key: string): void {
	const sent = request.headers[header.toLowerCase()];
	if (sent !== key) {
		const shape = sent === undefined ? 'missing' : `${sent.length} characters`;
		throw new Error(
			`${request.method} ${request.path}: ${header} was ${shape}, not the expected key`,
		);
	}
}

/** The parts of a recorded request a test compares (never the headers: they hold the key). */
export function wire(request: RecordedRequest): {
	method: string;
	path: string;
	query: Record<string, string>;
	body: unknown;
} {
	return { method: request.method, path: request.path, query: request.query, body: request.body };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SuiteFixtures {
	helloannie: HelloAnnieFixtures;
	allomia: AlloMiaFixtures;
	aicaller: AiCallerFixtures;
}

/** The sandbox's provider name → the key of its fixtures and of its e2e credential. */
const PROVIDER_KEY = {
	helloannie: 'helloAnnie',
	allomia: 'alloMia',
	aicaller: 'aiCaller',
} as const;

export interface OperationSuite<P extends ProviderName> {
	/** Open from the file's beforeAll on. */
	readonly ctx: E2eContext;
	readonly fixtures: SuiteFixtures[P];
	/** Manual Trigger with the items pinned → the provider's node, with the sandbox credential. */
	run(
		title: string,
		items: IDataObject[],
		parameters: INodeParameters,
		options?: Partial<OperationOptions>,
	): Promise<OperationRun>;
}

/**
 * What every file of one provider's operation tests sets up: the context, opened once per file
 * (waiting for the other test files: they share the sandbox), a sandbox reset before each test,
 * and a runner for the provider's node. Call it at the top level of the test file.
 */
export function operationSuite<P extends ProviderName>(
	provider: P,
	node: { type: string; name: string },
): OperationSuite<P> {
	const ctx = useE2eContext();
	let fixtures: SuiteFixtures[P] | undefined;
	beforeAll(async () => {
		const all = await ctx.sandbox.allFixtures();
		fixtures = all[PROVIDER_KEY[provider]] as SuiteFixtures[P];
	});
	return {
		ctx,
		get fixtures() {
			if (!fixtures) throw new Error('the e2e context is opened in beforeAll');
			return fixtures;
		},
		run: async (title, items, parameters, options = {}) => {
			return await runOperation(ctx, `${provider} ${title}`, items, parameters, {
				credential: ctx.state.credentials[PROVIDER_KEY[provider]],
				node,
				provider,
				...options,
			});
		},
	};
}
