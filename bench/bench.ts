/**
 * `npm run bench` (npx tsx bench/bench.ts [--runs N] [--only a,b] [--out DIR]): what users feel,
 * measured in the real n8n (2.41.1, the packed package installed as a community package) against
 * the local provider sandbox, next to n8n's own HTTP Request node sending the same requests in
 * the same run. Writes DIR/benchmarks.json and DIR/benchmarks.md (DIR: docs).
 *
 * Scenarios, in the order they run (names for --only):
 *   package        cold load time of the nodes and credentials, tarball size
 *   memory         10,000 items through a node: peak memory of the n8n process (first, while it is fresh)
 *   per-item       1,000 items through each node's create operation vs the HTTP Request node,
 *                  fields mapped as dragged from the input (`{{ $json.phone }}`)
 *                  (AICaller: also Create Many, the same 1,000 calls in batches of 100)
 *   computed       HelloAnnie and AICaller with every field computed by an expression
 *                  (`{{ $json.phone.trim() }}`), so that n8n has to evaluate it
 *   decomposition  HelloAnnie and AICaller again with every value typed in (no expressions)
 *   pacing         150 HelloAnnie calls against 60 requests per 10 s vs the HTTP Request node, at
 *                  the modelled provider latency
 *   campaign       1,000 AlloMia and AICaller calls at the modelled provider latency (300 ms plus up
 *                  to 100 ms per request): the node at its default and at 1, 10 and 50 Requests in
 *                  Parallel vs the HTTP Request node with its defaults and with batching at the
 *                  same concurrency; AICaller Create Many vs Create
 *   download       a 50 MB recording (then a 200 MB one) through AlloMia Call → Get (Download:
 *                  Recording): the n8n process's memory growth while the file streams into n8n's
 *                  binary data store
 *   waiting        20 AlloMia calls waited for by polling, by callback, and with n8n's Wait node
 *   store          a Deduplication Key's cost against the size of n8n's deduplication store
 *
 * Times are the node's own `executionTime` from n8n's run data (what the editor shows under the
 * node), cross-checked with the sandbox's request log. The machines are shared and noisy: each
 * figure is the median of at least 3 runs (up to --runs, default 5, while the scenario's time
 * budget lasts, so that the whole command stays within 10 minutes), the sides of a comparison
 * take turns within each round, and every run is kept in the JSON.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IDataObject, INode, INodeParameters, ITaskData } from 'n8n-workflow';

import type {
	BenchReport,
	CampaignFigures,
	CampaignRun,
	DownloadFigures,
	DownloadRun,
	MachineFigures,
	Mapping,
	MemoryFigures,
	MemoryRun,
	PackageFigures,
	PacingResult,
	PerItemResult,
	Provider,
} from './figures';
import { renderMarkdown } from './report';
import { store } from './store';
import { waiting } from './waiting';
import { pacingEfficiency, round, spread, type Arrival } from './stats';
import type {
	CredentialRef,
	Execution,
	StoredWorkflow,
	WorkflowJson,
} from '../test/harness/client';
import { runCommand } from '../test/harness/processes';
import { NODE_TYPES, PACKAGE_NAME, REPO_ROOT } from '../test/harness/project';
import { startStack, stopOnSignals, type Stack } from '../test/harness/stack';
import { DEFAULT_REQUESTS_IN_PARALLEL } from '../nodes/shared/options';
import {
	PROVIDER_LATENCY,
	RECORDING_BYTES_PER_SECOND,
	SANDBOX_FIXTURES,
	type RecordedRequest,
} from '../test/sandbox/server';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// -------------------------------------------------------------------------------------------------
// Arguments and sizes

const SCENARIOS = [
	'package',
	'memory',
	'per-item',
	'computed',
	'decomposition',
	'pacing',
	'campaign',
	'download',
	'waiting',
	'store',
] as const;
type Scenario = (typeof SCENARIOS)[number];

function argument(name: string): string | undefined {
	const index = process.argv.indexOf(name);
	return index >= 0 ? process.argv[index + 1] : undefined;
}

const RUNS = Number(argument('--runs') ?? 5);
const ONLY = new Set((argument('--only') ?? SCENARIOS.join(',')).split(',') as Scenario[]);
const OUT_DIR = path.resolve(REPO_ROOT, argument('--out') ?? 'docs');

/** Items of the per-item scenario (the issue's figure). */
const ITEMS = 1000;
/** Create Many's default batch size. */
const BATCH_SIZE = 100;
/**
 * The pacing scenario: 150 calls against 60 requests per window, the documented minute shortened
 * to 10 s. Not shorter: `X-RateLimit-Reset` comes in whole seconds, which costs any client up to
 * a second per window (1/60 of the rate with the real window, 1/6 with a 6 s one): a shorter
 * window would measure the header's resolution rather than the pacing.
 */
const PACING = { items: 150, limit: 60, windowMs: 10_000 } as const;
const MEMORY_ITEMS = 10_000;
const PACKAGE_LOAD_RUNS = 9;
/** Minimum rounds of every timed comparison: a median of fewer says little. */
const MIN_ROUNDS = 3;

/**
 * Time budgets (ms) for the optional extra rounds of each scenario, beyond MIN_ROUNDS. The whole
 * command must finish within 10 minutes on a clean checkout; on a quiet machine the budgets buy
 * more rounds, on a busy one each comparison stops at MIN_ROUNDS.
 */
const BUDGET_MS = { perItem: 35_000, computed: 25_000, decomposition: 25_000 } as const;
/** The whole command should end within this (ms); the optional decomposition gives way to it. */
const TOTAL_BUDGET_MS = 9.5 * 60_000;
/** The pacing scenario's length (ms): rate-limit waits, about the same on any machine. */
const PACING_ESTIMATE_MS = 200_000;
/**
 * Extra rounds (beyond MIN_ROUNDS) only start before this point of the run (ms after start), so
 * that a run that began with the runtime's one-time install still leaves time for the rest.
 */
const EXTRA_ROUNDS_UNTIL_MS = TOTAL_BUDGET_MS - PACING_ESTIMATE_MS - 60_000;
const BENCH_STARTED = Date.now();
/** The decomposition runs two of the per-item scenario's three comparisons, without expressions. */
const DECOMPOSITION_SHARE = 0.5;

// -------------------------------------------------------------------------------------------------
// Input items and the requests they become

const HELLOANNIE = SANDBOX_FIXTURES.helloAnnie;
const ALLOMIA = SANDBOX_FIXTURES.alloMia;
const AICALLER = SANDBOX_FIXTURES.aiCaller;
const FROM_NUMBER = HELLOANNIE.phoneNumbers[0].number;
const ALLOMIA_ASSISTANT = ALLOMIA.assistants[0].id;
const ALLOMIA_PHONE_NUMBER = ALLOMIA.phoneNumbers[0].id;
const AICALLER_TEAM = AICALLER.teamId;
const AICALLER_TEMPLATE = AICALLER.callTemplates[0]._id;
const CONTEXT = 'Confirming the upcoming appointment';

/** Synthetic patients (no real names); phone numbers already in E.164, as a CRM export would hold them. */
export function patients(count: number): IDataObject[] {
	return Array.from({ length: count }, (_, i) => ({
		phone: `+1555${String(2_000_000 + i)}`,
		first: `Patient${i}`,
		last: 'Benchmark',
		dob: '1980-01-15',
		pid: `PAT-${i}`,
		start: '2030-03-10T15:00:00-06:00',
		appointmentId: `APT-${i}`,
	}));
}

/** `{{ $json.phone }}` → `{{ $json.phone.trim() }}`, in a parameter or in a body expression. */
function computed<T>(value: T): T {
	if (typeof value === 'string')
		return value.replace(
			/\$json\.(\w+)(?![\w.(])/g,
			(_, key: string) => `$json.${key}.trim()`,
		) as T;
	if (Array.isArray(value)) return value.map((entry: unknown) => computed(entry)) as T;
	if (value && typeof value === 'object')
		return Object.fromEntries(
			Object.entries(value).map(([key, entry]) => [key, computed(entry)]),
		) as T;
	return value;
}

export interface NodeSpec {
	type: string;
	typeVersion: number;
	parameters: INodeParameters;
	credential?: CredentialRef;
	onError?: INode['onError'];
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
}

/** `={{ $json.first }} {{ $json.last }}` with the item's values typed in, for the `constants` mapping. */
function typedIn<T>(value: T, item: IDataObject): T {
	if (typeof value === 'string' && value.startsWith('='))
		return value
			.slice(1)
			.replace(/\{\{ \$json\.(\w+) \}\}/g, (_, key: string) => String(item[key])) as T;
	if (Array.isArray(value)) return value.map((entry: unknown) => typedIn(entry, item)) as T;
	if (value && typeof value === 'object')
		return Object.fromEntries(
			Object.entries(value).map(([key, entry]) => [key, typedIn(entry, item)]),
		) as T;
	return value;
}

/** Each node's create operation, its fields filled from the item by expressions as users do. */
export function createNode(
	stack: Stack,
	provider: Provider,
	mapping: Mapping = 'dragged',
): NodeSpec {
	const spec = createNodeWithExpressions(stack, provider);
	if (mapping === 'constants')
		return { ...spec, parameters: typedIn(spec.parameters, patients(1)[0]) };
	if (mapping === 'computed') return { ...spec, parameters: computed(spec.parameters) };
	return spec;
}

function createNodeWithExpressions(stack: Stack, provider: Provider): NodeSpec {
	const base = { typeVersion: 1, credential: stack.credentials[provider] };
	switch (provider) {
		case 'helloAnnie':
			return {
				...base,
				type: NODE_TYPES.helloAnnie,
				parameters: {
					resource: 'call',
					operation: 'start',
					fromNumber: { __rl: true, mode: 'number', value: FROM_NUMBER },
					toNumber: '={{ $json.phone }}',
					patientInfo: {
						firstName: '={{ $json.first }}',
						lastName: '={{ $json.last }}',
						dateOfBirth: '={{ $json.dob }}',
						patientId: '={{ $json.pid }}',
					},
					appointmentInfo: {
						startTime: '={{ $json.start }}',
						appointmentId: '={{ $json.appointmentId }}',
					},
					context: CONTEXT,
				},
			};
		case 'alloMia':
			return {
				...base,
				type: NODE_TYPES.alloMia,
				parameters: {
					resource: 'call',
					operation: 'createOutbound',
					phoneNumber: '={{ $json.phone }}',
					assistantId: ALLOMIA_ASSISTANT,
					phoneNumberId: ALLOMIA_PHONE_NUMBER,
					customerName: '={{ $json.first }} {{ $json.last }}',
					dynamicVariablesMode: 'fields',
					dynamicVariables: {
						variable: [
							{ key: 'patientId', value: '={{ $json.pid }}' },
							{ key: 'appointment', value: '={{ $json.start }}' },
						],
					},
				},
			};
		case 'aiCaller':
			return {
				...base,
				type: NODE_TYPES.aiCaller,
				parameters: {
					resource: 'phoneCall',
					operation: 'create',
					teamId: AICALLER_TEAM,
					callTemplateId: AICALLER_TEMPLATE,
					nameOfHuman: '={{ $json.first }}',
					toPhoneNumber: '={{ $json.phone }}',
					promptVariableValues: {
						variable: [{ key: 'appointment', value: '={{ $json.start }}' }],
					},
				},
			};
	}
}

/** The request bodies the nodes send, as the one expression an HTTP Request user writes. */
const HTTP_BODIES: Record<Provider, { path: string; body: string }> = {
	helloAnnie: {
		path: '/calls',
		body: `{ fromNumber: '${FROM_NUMBER}', toNumber: $json.phone, patientInfo: { firstName: $json.first, lastName: $json.last, dateOfBirth: $json.dob + 'T00:00:00.000Z', patientId: $json.pid }, appointmentInfo: { startTime: $json.start, appointmentId: $json.appointmentId }, context: '${CONTEXT}' }`,
	},
	alloMia: {
		path: '/api/outbound',
		body: `{ phoneNumber: $json.phone, assistantId: '${ALLOMIA_ASSISTANT}', phoneNumberId: '${ALLOMIA_PHONE_NUMBER}', customerName: $json.first + ' ' + $json.last, dynamicVariables: { patientId: $json.pid, appointment: $json.start } }`,
	},
	aiCaller: {
		path: '/v1/phoneCalls',
		body: `{ teamId: '${AICALLER_TEAM}', callTemplateId: '${AICALLER_TEMPLATE}', nameOfHuman: $json.first, toPhoneNumber: $json.phone, promptVariableValues: [{ key: 'appointment', value: $json.start }], record: false }`,
	},
};

/** The same bodies built here, typed into the HTTP Request node for the `constants` mapping. */
const TYPED_BODIES: Record<Provider, (json: IDataObject) => IDataObject> = {
	helloAnnie: (json) => ({
		fromNumber: FROM_NUMBER,
		toNumber: json.phone,
		patientInfo: {
			firstName: json.first,
			lastName: json.last,
			dateOfBirth: `${String(json.dob)}T00:00:00.000Z`,
			patientId: json.pid,
		},
		appointmentInfo: { startTime: json.start, appointmentId: json.appointmentId },
		context: CONTEXT,
	}),
	alloMia: (json) => ({
		phoneNumber: json.phone,
		assistantId: ALLOMIA_ASSISTANT,
		phoneNumberId: ALLOMIA_PHONE_NUMBER,
		customerName: `${String(json.first)} ${String(json.last)}`,
		dynamicVariables: { patientId: json.pid, appointment: json.start },
	}),
	aiCaller: (json) => ({
		teamId: AICALLER_TEAM,
		callTemplateId: AICALLER_TEMPLATE,
		nameOfHuman: json.first,
		toPhoneNumber: json.phone,
		promptVariableValues: [{ key: 'appointment', value: json.start }],
		record: false,
	}),
};

/**
 * n8n's HTTP Request node (the version a user adds today) sending the same requests: same
 * method, URL, headers and body, authenticated by the same credential (its "Predefined
 * Credential Type"), the body built by one expression as a user would write it (or typed in,
 * for the `constants` mapping).
 */
export function httpNode(
	stack: Stack,
	provider: Provider,
	extra: IDataObject = {},
	mapping: Mapping = 'dragged',
): NodeSpec {
	const baseUrl: Record<Provider, string> = {
		helloAnnie: stack.sandbox.baseUrls.helloAnnie,
		alloMia: stack.sandbox.baseUrls.alloMia,
		aiCaller: stack.sandbox.baseUrls.aiCaller,
	};
	const credential = stack.credentials[provider];
	return {
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.5,
		credential,
		parameters: {
			method: 'POST',
			url: `${baseUrl[provider]}${HTTP_BODIES[provider].path}`,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: credential.type,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'Accept', value: 'application/json' }] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody:
				mapping === 'constants'
					? JSON.stringify(TYPED_BODIES[provider](patients(1)[0]))
					: `={{ JSON.stringify(${mapping === 'computed' ? computed(HTTP_BODIES[provider].body) : HTTP_BODIES[provider].body}) }}`,
			options: extra as INodeParameters,
		},
	};
}

const TRIGGER = 'Input';
const NODE = 'Node under test';

/** Manual Trigger with the items pinned (as the editor feeds sample items) → the node under test. */
export function workflow(title: string, spec: NodeSpec, items: IDataObject[]): WorkflowJson {
	const node: INode = {
		id: `${createHash('sha1').update(title).digest('hex').slice(0, 8)}-0000-4000-8000-000000000001`,
		name: NODE,
		type: spec.type,
		typeVersion: spec.typeVersion,
		position: [240, 0],
		parameters: spec.parameters,
	};
	if (spec.credential)
		node.credentials = {
			[spec.credential.type]: { id: spec.credential.id, name: spec.credential.name },
		};
	if (spec.onError) node.onError = spec.onError;
	if (spec.retryOnFail) {
		node.retryOnFail = true;
		node.maxTries = spec.maxTries;
		node.waitBetweenTries = spec.waitBetweenTries;
	}
	return {
		name: `bench ${title}`,
		nodes: [
			{
				id: '00000000-0000-4000-8000-000000000000',
				name: TRIGGER,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			node,
		],
		connections: { [TRIGGER]: { main: [[{ node: NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: { [TRIGGER]: items.map((json) => ({ json })) },
	};
}

// -------------------------------------------------------------------------------------------------
// Running a workflow and reading what happened

/**
 * Repeats a request to n8n that is safe to repeat (reading, or saving a workflow nobody runs yet)
 * when the connection was reset: n8n's server closes idle keep-alive connections, and a request
 * that goes out on one at that moment fails without having been processed.
 */
async function repeatable<T>(call: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await call();
		} catch (error) {
			const code = (error as { cause?: { code?: string } }).cause?.code;
			if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw error;
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}
}

async function save(
	stack: Stack,
	title: string,
	spec: NodeSpec,
	items: IDataObject[],
): Promise<StoredWorkflow> {
	return await repeatable(
		async () => await stack.client.createWorkflow(workflow(title, spec, items)),
	);
}

const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);

/** Resident memory of a process in bytes, from /proc (Linux). */
function rssBytes(pid: number): number | undefined {
	try {
		const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

export interface RunResult {
	executionId: string;
	status: string;
	/** The node's executionTime (ms) from n8n's run data, summed over its tries (Retry On Fail). */
	nodeMs: number;
	/** First to last request arrival at the sandbox (ms). */
	sandboxSpanMs: number;
	requests: RecordedRequest[];
	outputItems: number;
	errorItems: number;
	/** Resident memory of the n8n process (bytes): just before the run, and the highest sample during it. */
	rss?: { before: number; peak: number };
}

interface RunOptions {
	/** Called after the sandbox was reset, before the run (e.g. to set a rate limit). */
	prepare?: () => void | Promise<void>;
	timeoutMs?: number;
}

/**
 * Runs a saved workflow as "Execute workflow" in the editor does, on a freshly reset sandbox,
 * sampling the n8n process's memory every 20 ms meanwhile.
 */
export async function runWorkflow(
	stack: Stack,
	stored: StoredWorkflow,
	options: RunOptions = {},
): Promise<RunResult> {
	stack.sandbox.reset();
	await options.prepare?.();
	const pid = stack.n8n.pid;
	const before = pid === undefined ? undefined : rssBytes(pid);
	const rss = before === undefined ? undefined : { before, peak: before };
	const sampler = setInterval(() => {
		const now = pid === undefined ? undefined : rssBytes(pid);
		if (rss && now !== undefined && now > rss.peak) rss.peak = now;
	}, 20);
	try {
		const executionId = await stack.client.runManually(stored.id, TRIGGER);
		const execution = await waitQuietly(
			stack,
			stored.id,
			executionId,
			options.timeoutMs ?? 180_000,
		);
		const tasks: ITaskData[] = execution.data.resultData.runData[NODE] ?? [];
		const output = tasks.length ? (tasks[tasks.length - 1].data?.main?.[0] ?? []) : [];
		const requests = [...stack.sandbox.requests];
		const times = requests.map((r) => r.at);
		return {
			executionId,
			status: execution.status,
			nodeMs: tasks.reduce((sum, task) => sum + (task.executionTime ?? 0), 0),
			sandboxSpanMs: times.length ? Math.max(...times) - Math.min(...times) : 0,
			requests,
			outputItems: output.length,
			errorItems: output.filter((item) => item.json && 'error' in item.json).length,
			rss,
		};
	} finally {
		clearInterval(sampler);
	}
}

/**
 * Waits for an execution by polling the light execution list (status only) every 200 ms, then
 * reads the full execution once: polling the full execution of 1,000 items would load the n8n
 * being measured.
 */
async function waitQuietly(
	stack: Stack,
	workflowId: string,
	executionId: string,
	timeoutMs: number,
): Promise<Execution> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const list = await repeatable(
			async () =>
				await stack.client.rest<{ results: Array<{ id: string; status: string }> }>(
					'GET',
					`/rest/executions?filter=${filter}&limit=5`,
				),
		);
		const entry = list.results.find((result) => result.id === executionId);
		if (entry && TERMINAL.has(entry.status))
			return await repeatable(async () => await stack.client.getExecution(executionId));
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`execution ${executionId} did not finish within ${timeoutMs} ms`);
}

/**
 * Runs the sides of a comparison in turns, round after round: MIN_ROUNDS rounds, then more (up
 * to --runs) while `budgetMs` since the first round lasts. The side that goes first rotates, so
 * that none always runs right after another's garbage.
 */
async function alternate<K extends string>(
	what: string,
	sides: Record<K, () => Promise<RunResult>>,
	budgetMs: number,
): Promise<Record<K, RunResult[]>> {
	const keys = Object.keys(sides) as K[];
	const result = Object.fromEntries(keys.map((key) => [key, [] as RunResult[]])) as Record<
		K,
		RunResult[]
	>;
	const deadline = Math.min(Date.now() + budgetMs, BENCH_STARTED + EXTRA_ROUNDS_UNTIL_MS);
	for (let r = 0; r < RUNS && (r < MIN_ROUNDS || Date.now() < deadline); r++) {
		const order = keys.map((_, i) => keys[(i + r) % keys.length]);
		for (const key of order) result[key].push(await sides[key]());
		log(
			`${what} round ${r + 1}: ${keys.map((key) => `${key} ${result[key][r].nodeMs} ms`).join(', ')}`,
		);
	}
	return result;
}

// -------------------------------------------------------------------------------------------------
// Checks: a comparison of different work, or of failed runs, would mean nothing

/**
 * What makes two requests "the same": method, path, query, body (keys in any order) and the
 * headers that carry meaning. The credential's header is compared by a hash, never shown.
 */
function requestShape(request: RecordedRequest): string {
	const sortKeys = (value: unknown): unknown => {
		if (Array.isArray(value)) return value.map(sortKeys);
		if (value && typeof value === 'object')
			return Object.fromEntries(
				Object.keys(value as object)
					.sort()
					.map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
			);
		return value;
	};
	const secret = request.headers.authorization ?? request.headers['aicaller-api-key'] ?? '';
	return JSON.stringify({
		method: request.method,
		path: request.path,
		query: request.query,
		contentType: (request.headers['content-type'] ?? '').split(';')[0],
		accept: request.headers.accept,
		credential: createHash('sha256').update(secret).digest('hex').slice(0, 12),
		body: sortKeys(request.body),
	});
}

/** Fails the benchmark unless both runs sent the same requests (in any order). */
function assertSameRequests(what: string, a: RecordedRequest[], b: RecordedRequest[]): void {
	const left = a.map(requestShape).sort();
	const right = b.map(requestShape).sort();
	const firstDifference = left.findIndex((shape, i) => shape !== right[i]);
	if (left.length !== right.length || firstDifference >= 0) {
		const show = (shape: string | undefined) =>
			shape ? shape.replace(/"credential":"[^"]*",/, '') : '(none)';
		throw new Error(
			`${what}: the two sides did not send the same requests (${left.length} vs ${right.length}); ` +
				`first difference:\n  ${show(left[firstDifference])}\n  ${show(right[firstDifference])}`,
		);
	}
}

function assertAllAccepted(what: string, run: RunResult, requests: number, items: number): void {
	const refused = run.requests.filter((r) => r.status !== 200 || !r.valid);
	if (
		run.status !== 'success' ||
		run.requests.length !== requests ||
		refused.length ||
		run.errorItems ||
		run.outputItems !== items
	) {
		const sample = refused[0]
			? ` (e.g. HTTP ${refused[0].status} ${refused[0].validationErrors.join('; ')})`
			: '';
		throw new Error(
			`${what}: expected a successful run with ${requests} accepted requests and ${items} items, got ` +
				`${run.status}, ${run.requests.length} requests, ${refused.length} refused or invalid${sample}, ` +
				`${run.outputItems} items of which ${run.errorItems} errors`,
		);
	}
}

const statusCounts = (requests: RecordedRequest[]) =>
	requests.reduce<Record<string, number>>((counts, r) => {
		counts[String(r.status)] = (counts[String(r.status)] ?? 0) + 1;
		return counts;
	}, {});

const mb = (bytes: number) => round(bytes / 1024 / 1024);

/** Expressions a node evaluates per item: its parameters (leaves) whose value starts with '='. */
function expressionCount(value: unknown): number {
	if (typeof value === 'string') return value.startsWith('=') ? 1 : 0;
	if (Array.isArray(value))
		return value.reduce((sum: number, entry) => sum + expressionCount(entry), 0);
	if (value && typeof value === 'object')
		return Object.values(value).reduce((sum: number, entry) => sum + expressionCount(entry), 0);
	return 0;
}

// -------------------------------------------------------------------------------------------------
// Scenario: per-item overhead (and its decomposition)

const OPERATIONS: Record<Provider, string> = {
	helloAnnie: 'HelloAnnie Call → Start',
	alloMia: 'AlloMia Call → Create Outbound',
	aiCaller: 'AICaller Phone Call → Create',
};

async function perItem(
	stack: Stack,
	mapping: Mapping,
	providers: Provider[],
	budgetMs: number,
): Promise<PerItemResult> {
	const result: PerItemResult = { comparisons: [] };
	for (const provider of providers) {
		const what = `${OPERATIONS[provider]} (${mapping})`;
		const nodeSpec = createNode(stack, provider, mapping);
		const httpSpec = httpNode(stack, provider, {}, mapping);
		// AICaller's Create Many sends the same calls in batches: measured in the same rounds.
		const manySpec: NodeSpec | undefined =
			provider === 'aiCaller'
				? {
						...nodeSpec,
						parameters: { ...nodeSpec.parameters, operation: 'createMany', batchSize: BATCH_SIZE },
					}
				: undefined;

		// Warm-up on 100 items (n8n compiles and caches on first use), and the check that the
		// sides send the same, accepted requests.
		const warmItems = patients(100);
		const saveAs = async (title: string, spec: NodeSpec, items: IDataObject[]) =>
			await save(stack, `${provider} ${mapping} ${title} ${items.length}`, spec, items);
		const warmNode = await runWorkflow(stack, await saveAs('node', nodeSpec, warmItems));
		const warmHttp = await runWorkflow(stack, await saveAs('http', httpSpec, warmItems));
		assertAllAccepted(`${what}, node, warm-up`, warmNode, 100, 100);
		assertAllAccepted(`${what}, HTTP Request, warm-up`, warmHttp, 100, 100);
		assertSameRequests(`${what}: node vs HTTP Request`, warmNode.requests, warmHttp.requests);
		if (manySpec) {
			const warmMany = await runWorkflow(stack, await saveAs('many', manySpec, warmItems));
			assertAllAccepted(`${what}, Create Many, warm-up`, warmMany, 1, 100);
			const calls = warmMany.requests.flatMap((q) =>
				(q.body as { phoneCalls: unknown[] }).phoneCalls.map((call) => JSON.stringify(call)),
			);
			const singles = warmNode.requests.map((q) => JSON.stringify(q.body));
			if (calls.sort().join('\n') !== singles.sort().join('\n'))
				throw new Error(`${what}: Create and Create Many did not send the same calls`);
		}
		log(`${what}: warm-up done, both sides send the same requests`);

		const items = patients(ITEMS);
		const measure = (title: string, spec: NodeSpec, requests: number) => {
			const stored = saveAs(title, spec, items);
			return async () => {
				const run = await runWorkflow(stack, await stored);
				assertAllAccepted(`${what}, ${title}`, run, requests, ITEMS);
				return run;
			};
		};
		const sides: Record<string, () => Promise<RunResult>> = {
			node: measure('node', nodeSpec, ITEMS),
			http: measure('http', httpSpec, ITEMS),
		};
		if (manySpec) sides.many = measure('many', manySpec, ITEMS / BATCH_SIZE);
		const runs = await alternate(what, sides, budgetMs);
		const [node, http, many] = [runs.node, runs.http, runs.many as RunResult[] | undefined];
		const nodeMs = spread(node.map((r) => r.nodeMs));
		const httpMs = spread(http.map((r) => r.nodeMs));
		const growth = (list: RunResult[]) =>
			spread(list.map((r) => (r.rss ? mb(r.rss.peak - r.rss.before) : 0)));
		result.comparisons.push({
			provider,
			operation: OPERATIONS[provider],
			mapping,
			items: ITEMS,
			rounds: node.length,
			expressionsPerItem: {
				node: expressionCount(nodeSpec.parameters),
				http: expressionCount(httpSpec.parameters),
			},
			nodeMs,
			httpMs,
			ratio: round(nodeMs.median / httpMs.median),
			roundRatios: spread(node.map((r, i) => round(r.nodeMs / http[i].nodeMs))),
			overheadPerItemMs: round((nodeMs.median - httpMs.median) / ITEMS),
			nodeSandboxSpanMs: spread(node.map((r) => r.sandboxSpanMs)),
			httpSandboxSpanMs: spread(http.map((r) => r.sandboxSpanMs)),
			nodeRssGrowthMb: growth(node),
			httpRssGrowthMb: growth(http),
		});
		if (many) {
			const createManyMs = spread(many.map((r) => r.nodeMs));
			result.createMany = {
				items: ITEMS,
				batchSize: BATCH_SIZE,
				rounds: many.length,
				createMs: nodeMs,
				createManyMs,
				createRequests: node[0].requests.length,
				createManyRequests: many[0].requests.length,
				speedup: round(nodeMs.median / createManyMs.median),
				roundSpeedups: spread(node.map((r, i) => round(r.nodeMs / many[i].nodeMs))),
			};
		}
	}
	return result;
}

// -------------------------------------------------------------------------------------------------
// Scenario: pacing against a rate limit

async function pacing(stack: Stack): Promise<PacingResult> {
	const items = patients(PACING.items);
	const http = httpNode(stack, 'helloAnnie');
	const interval = PACING.windowMs / PACING.limit;
	const variants: Array<{ key: string; label: string; description: string; spec: NodeSpec }> = [
		{
			key: 'node',
			label: 'HelloAnnie node',
			description: `Call → Start with default options (${DEFAULT_REQUESTS_IN_PARALLEL} Requests in Parallel): paced by X-RateLimit-Remaining / X-RateLimit-Reset`,
			spec: createNode(stack, 'helloAnnie'),
		},
		{
			key: 'http',
			label: 'HTTP Request, defaults',
			description: 'all items at once; On Error: Continue (so that refused items are counted)',
			spec: { ...http, onError: 'continueRegularOutput' },
		},
		{
			key: 'httpBatching',
			label: 'HTTP Request, batching',
			description: `Options → Batching: 1 item per batch, ${Math.round(interval)} ms apart (exactly the allowed rate); On Error: Continue`,
			spec: {
				...httpNode(stack, 'helloAnnie', {
					batching: { batch: { batchSize: 1, batchInterval: Math.round(interval) } },
				}),
				onError: 'continueRegularOutput',
			},
		},
		{
			key: 'httpRetry',
			label: 'HTTP Request, Retry On Fail',
			description:
				'all items at once; Settings → Retry On Fail: 3 tries, 5 s apart (n8n reruns the whole node)',
			spec: { ...http, retryOnFail: true, maxTries: 3, waitBetweenTries: 5000 },
		},
	];
	const limit = () => {
		stack.sandbox.setRateLimit({ limit: PACING.limit, windowMs: PACING.windowMs });
		stack.sandbox.setLatency(PROVIDER_LATENCY);
	};
	const sides: Record<string, () => Promise<RunResult>> = {};
	for (const variant of variants) {
		const stored = await save(stack, `pacing ${variant.key}`, variant.spec, items);
		sides[variant.key] = async () => {
			const run = await runWorkflow(stack, stored, { prepare: limit });
			log(
				`pacing, ${variant.label}: answers ${JSON.stringify(statusCounts(run.requests))}, ${run.errorItems} error items, ${run.status}`,
			);
			return run;
		};
	}
	// Exactly MIN_ROUNDS rounds: these runs are made of rate-limit waits, not of noise.
	const runs = await alternate('pacing', sides, 0);

	const created = (run: RunResult) => run.requests.filter((q) => q.status === 200);
	const duplicates = (run: RunResult) => {
		const to = created(run).map((q) => String((q.body as IDataObject | undefined)?.toNumber));
		return to.length - new Set(to).size;
	};
	const succeeded = (run: RunResult) =>
		run.status === 'success' ? run.outputItems - run.errorItems : 0;
	return {
		items: PACING.items,
		limit: PACING.limit,
		windowMs: PACING.windowMs,
		allowedPerSecond: round((PACING.limit / PACING.windowMs) * 1000),
		rounds: runs.node.length,
		variants: variants.map((variant) => {
			const list = runs[variant.key];
			const figures = list.map((run) =>
				pacingEfficiency(
					run.requests.map((q): Arrival => ({ at: q.at, status: q.status })),
					PACING.limit,
					PACING.windowMs,
				),
			);
			const efficiencies = figures.flatMap((f) =>
				f.efficiency === undefined ? [] : [round(f.efficiency)],
			);
			const rates = figures.flatMap((f) =>
				f.achievedPerSecond === undefined ? [] : [round(f.achievedPerSecond)],
			);
			const informed = figures.flatMap((f) =>
				f.informedEfficiency === undefined ? [] : [round(f.informedEfficiency)],
			);
			const windows = figures[0].windows;
			return {
				label: variant.label,
				description: variant.description,
				nodeMs: spread(list.map((run) => run.nodeMs)),
				succeededItems: spread(list.map(succeeded)),
				failedItems: spread(list.map((run) => PACING.items - succeeded(run))),
				requests: spread(list.map((run) => run.requests.length)),
				refused429: spread(list.map((run) => run.requests.filter((q) => q.status === 429).length)),
				created: spread(list.map((run) => created(run).length)),
				duplicateCalls: spread(list.map(duplicates)),
				...(efficiencies.length === list.length ? { efficiency: spread(efficiencies) } : {}),
				...(rates.length === list.length ? { achievedPerSecond: spread(rates) } : {}),
				...(informed.length === list.length ? { informedEfficiency: spread(informed) } : {}),
				executionStatus: list.map((run) => run.status),
				exampleWindows: windows.map((w) => ({ ...w, start: w.start - windows[0].start })),
			};
		}),
	};
}

// -------------------------------------------------------------------------------------------------
// Scenario: a campaign at the providers' latency

/** Calls of the campaign scenario; at one request at a time, CAMPAIGN_SERIAL_CALLS (see campaign()). */
const CAMPAIGN_CALLS = 1000;
const CAMPAIGN_SERIAL_CALLS = 100;
/** The longest answer the latency model gives: the HTTP Request node's batch interval that keeps at most a batch in flight. */
const LATENCY_MAX_MS = PROVIDER_LATENCY.fixedMs + PROVIDER_LATENCY.jitterMs;

/** The number the request dials: duplicates are the same number created twice. */
function dialedNumber(request: RecordedRequest): string[] {
	const body = request.body as IDataObject | undefined;
	if (!body) return [];
	if (Array.isArray(body.phoneCalls))
		return (body.phoneCalls as IDataObject[]).map((call) => String(call.toPhoneNumber));
	return [String(body.phoneNumber ?? body.toPhoneNumber ?? body.toNumber)];
}

function campaignRun(
	label: string,
	side: CampaignRun['side'],
	concurrency: number | 'all',
	calls: number,
	run: RunResult,
): CampaignRun {
	const accepted = run.requests.filter((q) => q.status >= 200 && q.status < 300);
	const dialed = accepted.flatMap(dialedNumber);
	const succeeded = run.status === 'success' ? run.outputItems - run.errorItems : 0;
	const inFlight = mostInFlight(run.requests);
	return {
		label,
		side,
		concurrency,
		calls,
		wallMs: run.nodeMs,
		requests: run.requests.length,
		callsCreated: dialed.length,
		duplicateCalls: dialed.length - new Set(dialed).size,
		failedItems: calls - succeeded,
		mostInFlight: inFlight,
		executionStatus: run.status,
	};
}

/** The most requests the sandbox was answering at one moment. */
function mostInFlight(requests: RecordedRequest[]): number {
	const events = requests.flatMap((q) => [
		{ at: q.at, delta: 1 },
		{ at: q.endedAt ?? q.at, delta: -1 },
	]);
	events.sort((a, b) => a.at - b.at || a.delta - b.delta);
	let now = 0;
	let most = 0;
	for (const event of events) most = Math.max(most, (now += event.delta));
	return most;
}

/**
 * What a clinic waits for: a campaign's calls placed at the latency real providers answer with
 * (PROVIDER_LATENCY, an assumption: see test/sandbox/server.ts). Each side runs once: at a few
 * hundred milliseconds a request, a run's time is the provider's latency, not n8n's noise, and
 * three rounds would take half an hour. At one request at a time a 1,000-call campaign takes
 * about six minutes a side, so that case places CAMPAIGN_SERIAL_CALLS calls (reported as they
 * are, and scaled to 1,000 in the table).
 *
 * The HTTP Request node has no concurrency limit: without batching it starts every request at
 * once; with Options → Batching it starts a batch of N every interval. An interval of the longest
 * modelled answer keeps at most N requests in flight, as the node's N does.
 */
async function campaign(stack: Stack): Promise<CampaignFigures> {
	const latency = () => stack.sandbox.setLatency(PROVIDER_LATENCY);
	const result: CampaignFigures = {
		latency: PROVIDER_LATENCY,
		defaultConcurrency: DEFAULT_REQUESTS_IN_PARALLEL,
		providers: [],
	};
	for (const provider of ['alloMia', 'aiCaller'] as const) {
		const nodeSpec = createNode(stack, provider);
		const withConcurrency = (spec: NodeSpec, n?: number): NodeSpec =>
			n === undefined
				? spec
				: {
						...spec,
						parameters: { ...spec.parameters, requestOptions: { requestsInParallel: n } },
					};
		const http = (n?: number) =>
			httpNode(
				stack,
				provider,
				n === undefined
					? {}
					: { batching: { batch: { batchSize: n, batchInterval: LATENCY_MAX_MS } } },
			);
		const sides: Array<{
			label: string;
			side: 'node' | 'http';
			concurrency: number | 'all';
			calls: number;
			spec: NodeSpec;
			requests: number;
		}> = [
			{
				label: `node, default (${DEFAULT_REQUESTS_IN_PARALLEL})`,
				side: 'node',
				concurrency: DEFAULT_REQUESTS_IN_PARALLEL,
				calls: CAMPAIGN_CALLS,
				spec: nodeSpec,
				requests: CAMPAIGN_CALLS,
			},
			{
				label: 'HTTP Request, defaults',
				side: 'http',
				concurrency: 'all',
				calls: CAMPAIGN_CALLS,
				spec: http(),
				requests: CAMPAIGN_CALLS,
			},
		];
		for (const n of [1, 10, 50]) {
			const calls = n === 1 ? CAMPAIGN_SERIAL_CALLS : CAMPAIGN_CALLS;
			// The default is 10: measured once, shown on both rows.
			if (n !== DEFAULT_REQUESTS_IN_PARALLEL)
				sides.push({
					label: `node, ${n} in parallel`,
					side: 'node',
					concurrency: n,
					calls,
					spec: withConcurrency(nodeSpec, n),
					requests: calls,
				});
			sides.push({
				label: `HTTP Request, batches of ${n} every ${LATENCY_MAX_MS} ms`,
				side: 'http',
				concurrency: n,
				calls,
				spec: http(n),
				requests: calls,
			});
		}
		if (provider === 'aiCaller')
			sides.push({
				label: `Create Many (batches of ${BATCH_SIZE}), default`,
				side: 'node',
				concurrency: DEFAULT_REQUESTS_IN_PARALLEL,
				calls: CAMPAIGN_CALLS,
				spec: {
					...nodeSpec,
					parameters: { ...nodeSpec.parameters, operation: 'createMany', batchSize: BATCH_SIZE },
				},
				requests: CAMPAIGN_CALLS / BATCH_SIZE,
			});
		const runs: CampaignRun[] = [];
		for (const side of sides) {
			const stored = await save(
				stack,
				`campaign ${provider} ${side.label}`,
				side.spec,
				patients(side.calls),
			);
			const run = await runWorkflow(stack, stored, { prepare: latency, timeoutMs: 600_000 });
			const figures = campaignRun(side.label, side.side, side.concurrency, side.calls, run);
			log(
				`campaign, ${OPERATIONS[provider]}, ${side.label}: ${side.calls} calls in ${run.nodeMs} ms, ${figures.requests} requests, at most ${figures.mostInFlight} in flight, ${figures.failedItems} failed, ${figures.duplicateCalls} duplicates`,
			);
			runs.push(figures);
		}
		result.providers.push({ provider, operation: OPERATIONS[provider], runs });
	}
	return result;
}

// -------------------------------------------------------------------------------------------------
// Scenario: memory with 10,000 items

/**
 * Peak resident memory of the n8n process while 10,000 items go through a node. Measured first,
 * on the freshly started n8n, because the V8 heap keeps what it once grew to; for the same
 * reason each workflow runs once, in order of the memory it needs, so that each peak shows what
 * its run needed beyond the one before: n8n's No Operation node (the items passed on: pinned
 * input, output, the execution data n8n saves), n8n's Edit Fields node (10,000 new items), then
 * the node.
 *
 * The node is AICaller Create Many with its values typed in: every item is read, validated and
 * paired with its own result, 100 requests go out, and the run takes seconds where 10,000 single
 * calls, or 40,000 expression evaluations, would take minutes on this machine (the per-item runs
 * report the memory growth of 1,000 single calls with expressions).
 */
async function memory(stack: Stack): Promise<MemoryFigures> {
	const pid = stack.n8n.pid;
	if (pid === undefined || rssBytes(pid) === undefined)
		throw new Error(
			'the memory scenario reads /proc/<pid>/status (Linux) and needs the n8n process id',
		);
	const single = createNode(stack, 'aiCaller', 'constants');
	const sides: Array<{
		key: 'noOp' | 'set' | 'node';
		label: string;
		spec: NodeSpec;
		requests: number;
	}> = [
		{
			key: 'noOp',
			label: 'No Operation (n8n built-in)',
			spec: { type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} },
			requests: 0,
		},
		{
			key: 'set',
			label: 'Edit Fields (n8n built-in), three fields added to each item',
			spec: {
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				parameters: {
					mode: 'manual',
					includeOtherFields: true,
					assignments: {
						assignments: [
							{ id: 'status', name: 'status', value: 'queued', type: 'string' },
							{ id: 'id', name: '_id', value: '6553a1f0c2b4d5e6f7a8b9c1', type: 'string' },
							{
								id: 'created',
								name: 'createdAt',
								value: '2030-01-01T00:00:00.000Z',
								type: 'string',
							},
						],
					},
					options: {},
				},
			},
			requests: 0,
		},
		{
			key: 'node',
			label: `AICaller Phone Call → Create Many (batches of ${BATCH_SIZE}, values typed in)`,
			spec: {
				...single,
				parameters: { ...single.parameters, operation: 'createMany', batchSize: BATCH_SIZE },
			},
			requests: MEMORY_ITEMS / BATCH_SIZE,
		},
	];
	const items = patients(MEMORY_ITEMS);
	const warm = patients(100);
	const stored = [];
	for (const side of sides) {
		stored.push(await save(stack, `memory ${side.key}`, side.spec, items));
		// n8n sets parts of itself up on first use: a small run of each first, so that the peaks
		// measure the items rather than that.
		await runWorkflow(stack, await save(stack, `memory ${side.key} warm-up`, side.spec, warm));
	}
	const idle = rssBytes(pid) ?? 0;
	const runs: Partial<Record<'noOp' | 'set' | 'node', MemoryRun>> = {};
	for (const [i, side] of sides.entries()) {
		const run = await runWorkflow(stack, stored[i], { timeoutMs: 300_000 });
		assertAllAccepted(`memory, ${side.label}`, run, side.requests, MEMORY_ITEMS);
		runs[side.key] = {
			label: side.label,
			nodeMs: run.nodeMs,
			rssBeforeMb: mb(run.rss?.before ?? 0),
			rssPeakMb: mb(run.rss?.peak ?? 0),
		};
	}
	const result: MemoryFigures = {
		items: MEMORY_ITEMS,
		idleRssMb: mb(idle),
		noOp: runs.noOp!,
		set: runs.set!,
		node: runs.node!,
	};
	log(
		`memory: idle ${result.idleRssMb} MB; peaks: No Operation ${result.noOp.rssPeakMb} MB, ` +
			`Edit Fields ${result.set.rssPeakMb} MB, Create Many ${result.node.rssPeakMb} MB`,
	);
	return result;
}

// -------------------------------------------------------------------------------------------------
// Scenario: the package

/**
 * Cold load: per run a fresh Node 24 process (n8n's runtime) resolving modules from n8n's
 * node_modules as n8n does (NODE_PATH) loads n8n-workflow and zod first (n8n has them loaded
 * already), then times requiring each node and credential file of the installed package and
 * constructing its class (n8n reads each node's description that way at start-up).
 */
async function packageFigures(stack: Stack): Promise<PackageFigures> {
	const packDir = path.join(stack.runDir, 'pack');
	const tarball = (await fs.readdir(packDir)).find((file) => file.endsWith('.tgz'));
	if (!tarball) throw new Error(`no tarball in ${packDir}`);
	const installed = path.join(stack.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	let unpackedBytes = 0;
	let files = 0;
	const walk = async (dir: string): Promise<void> => {
		for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) await walk(full);
			else {
				unpackedBytes += (await fs.stat(full)).size;
				files += 1;
			}
		}
	};
	await walk(installed);

	const manifest = JSON.parse(await fs.readFile(path.join(installed, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const entryFiles = [...manifest.n8n.credentials, ...manifest.n8n.nodes].map((file) =>
		path.join(installed, file),
	);
	const script = `
const ms = () => Number(process.hrtime.bigint()) / 1e6;
const t0 = ms();
require('n8n-workflow'); require('zod');
const t1 = ms();
for (const file of ${JSON.stringify(entryFiles)}) {
	for (const value of Object.values(require(file))) if (typeof value === 'function') new value();
}
process.stdout.write(JSON.stringify({ shared: t1 - t0, load: ms() - t1 }));
`;
	const n8nModules = path.resolve(path.dirname(stack.runtime.n8nBin), '..', '..');
	const load: number[] = [];
	const shared: number[] = [];
	for (let r = 0; r < PACKAGE_LOAD_RUNS; r++) {
		const { stdout } = await runCommand(stack.runtime.nodeBin, ['-e', script], {
			cwd: os.tmpdir(),
			env: { PATH: process.env.PATH, NODE_PATH: n8nModules },
			timeoutMs: 60_000,
		});
		const parsed = JSON.parse(stdout) as { shared: number; load: number };
		load.push(round(parsed.load));
		shared.push(round(parsed.shared));
	}
	const tarballBytes = (await fs.stat(path.join(packDir, tarball))).size;
	log(`package: ${tarball} ${tarballBytes} bytes; cold load ${load.join(', ')} ms`);
	return {
		tarball,
		tarballBytes,
		unpackedBytes,
		files,
		nodes: manifest.n8n.nodes.length,
		credentials: manifest.n8n.credentials.length,
		runs: PACKAGE_LOAD_RUNS,
		loadMs: spread(load),
		sharedDependenciesMs: spread(shared),
	};
}

// -------------------------------------------------------------------------------------------------
// Scenario: a 50 MB recording downloaded

/** MiB of the recording (`--download-mb`, default 50); the sandbox's recordings are 16,000 bytes per second of call. */
const DOWNLOAD_MB = Number(argument('--download-mb') ?? 50);
const DOWNLOAD_SECONDS = Math.ceil((DOWNLOAD_MB * 1024 ** 2) / RECORDING_BYTES_PER_SECOND);

/**
 * AlloMia Call → Get with Download: Recording for a call whose recording is 50 MB, the n8n
 * process's resident memory sampled meanwhile. The sandbox generates the recording as it streams
 * it, so the only process that could hold 50 MB is n8n. One warm-up download of a short
 * recording first (n8n sets up its binary data store on first use), then one measured run.
 */
async function download(stack: Stack): Promise<DownloadFigures> {
	const pid = stack.n8n.pid;
	if (pid === undefined || rssBytes(pid) === undefined)
		throw new Error(
			'the download scenario reads /proc/<pid>/status (Linux) and needs the n8n process id',
		);
	const [seeded] = SANDBOX_FIXTURES.alloMia.calls;
	// A different call each run, so that each run downloads its own file.
	const spec = (callId: string): NodeSpec => ({
		type: NODE_TYPES.alloMia,
		typeVersion: 1,
		credential: stack.credentials.alloMia,
		// Max File Size 0: no limit (the default, 100 MB, would refuse the 200 MB run).
		parameters: {
			resource: 'call',
			operation: 'get',
			callId,
			download: 'recording',
			maxFileSize: 0,
		},
	});
	const runs: DownloadRun[] = [];
	let warmUp: DownloadRun | undefined;
	let mimeType = '';
	let binaryDataMode = '';
	// The first (warm-up) run is a download of the measured size: n8n and Node set up their stream
	// and file paths on first use. Then the measured size, then four times it; a node that held the
	// file would grow by the file's size in both.
	for (const [i, seconds] of [DOWNLOAD_SECONDS, DOWNLOAD_SECONDS, 4 * DOWNLOAD_SECONDS].entries()) {
		const longCall = {
			...seeded,
			id: `b3c4d5e6-f7a8-4b9c-8d0e-1f2a3b4c5d6${i}`,
			callDurationSeconds: String(seconds),
		};
		const stored = await save(stack, `download ${seconds} s`, spec(longCall.id), [{}]);
		// After the sandbox's reset: the call, as AlloMia would list it.
		const addLongCall = () => {
			stack.sandbox.alloMia.state.calls.push({ ...longCall });
		};
		const run = await runWorkflow(stack, stored, { prepare: addLongCall, timeoutMs: 300_000 });
		const execution = await stack.client.getExecution(run.executionId);
		const [item] = execution.data.resultData.runData[NODE]?.[0]?.data?.main?.[0] ?? [];
		const recording = item?.binary?.recording;
		const expected = seconds * RECORDING_BYTES_PER_SECOND;
		if (run.status !== 'success' || recording?.bytes !== expected)
			throw new Error(
				`download: the run ended ${run.status} with ${recording?.bytes ?? 'no'} bytes of recording (expected ${expected}): ${JSON.stringify(item?.json?.downloadErrors ?? null)}`,
			);
		mimeType = recording.mimeType;
		binaryDataMode = String(recording.id ?? '').split(':')[0] || 'default (in memory)';
		const before = mb(run.rss?.before ?? 0);
		const peak = mb(run.rss?.peak ?? 0);
		const figures = {
			bytes: expected,
			nodeMs: run.nodeMs,
			rssBeforeMb: before,
			rssPeakMb: peak,
			growthMb: round(peak - before, 1),
		};
		if (i > 0) runs.push(figures);
		else warmUp = figures;
		log(
			`download${i === 0 ? ' (warm-up)' : ''}: ${round(expected / 1024 ** 2, 1)} MB recording in ${binaryDataMode} mode; n8n RSS ${before} MB → peak ${peak} MB (+${figures.growthMb} MB)`,
		);
	}
	if (!warmUp) throw new Error('download: the warm-up did not run');
	return { mimeType, binaryDataMode, warmUp, runs };
}

// -------------------------------------------------------------------------------------------------
// Machine, report, main

async function machine(stack: Stack, loadAtStart: number): Promise<MachineFigures> {
	const n8nPackage = JSON.parse(
		readFileSync(path.join(path.dirname(stack.runtime.n8nBin), '..', 'package.json'), 'utf8'),
	) as { version: string };
	return {
		cpus: os.cpus().length,
		cpuModel: os.cpus()[0]?.model ?? 'unknown',
		memoryGb: round(os.totalmem() / 1024 ** 3),
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		loadAverage: { start: round(loadAtStart), end: round(os.loadavg()[0]) },
		benchNode: process.version,
		n8nNode: (
			await runCommand(stack.runtime.nodeBin, ['--version'], { timeoutMs: 30_000 })
		).stdout.trim(),
		n8n: n8nPackage.version,
	};
}

async function main(): Promise<number> {
	if (!Number.isInteger(RUNS) || RUNS < MIN_ROUNDS || RUNS > 20)
		throw new Error(`--runs must be a whole number from ${MIN_ROUNDS} to 20`);
	for (const name of ONLY)
		if (!SCENARIOS.includes(name))
			throw new Error(`--only: unknown scenario "${name}" (${SCENARIOS.join(', ')})`);
	const started = Date.now();
	const loadAtStart = os.loadavg()[0];
	const stack = await startStack({ log });
	stopOnSignals(() => stack.stop(), log);
	try {
		log(`n8n ready in ${stack.timings.total} s; scenarios: ${[...ONLY].join(', ')}`);
		const report: BenchReport = {
			command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
			date: new Date().toISOString(),
			maxRuns: RUNS,
			machine: await machine(stack, loadAtStart),
			setupSeconds: stack.timings,
			wallSeconds: 0,
		};
		if (ONLY.has('package')) report.package = await packageFigures(stack);
		// First, while the n8n process is fresh (see memory()).
		if (ONLY.has('memory')) report.memory = await memory(stack);
		const perItemStarted = Date.now();
		if (ONLY.has('per-item'))
			report.perItem = await perItem(
				stack,
				'dragged',
				['helloAnnie', 'alloMia', 'aiCaller'],
				BUDGET_MS.perItem,
			);
		const perItemMs = Date.now() - perItemStarted;
		if (ONLY.has('computed'))
			// HelloAnnie maps the most fields, AICaller adds Create Many; AlloMia's Customer Name is a
			// template, which n8n evaluates on its own anyway.
			report.computed = await perItem(
				stack,
				'computed',
				['helloAnnie', 'aiCaller'],
				BUDGET_MS.computed,
			);
		if (ONLY.has('decomposition')) {
			// Optional: explains the per-item and Create Many figures. Left out when, judging by how
			// long the per-item runs took, it would push the whole command past its budget.
			const elapsed = Date.now() - started;
			const estimate = DECOMPOSITION_SHARE * perItemMs;
			const pacingLeft = ONLY.has('pacing') ? PACING_ESTIMATE_MS : 0;
			if (elapsed + estimate + pacingLeft <= TOTAL_BUDGET_MS)
				report.decomposition = await perItem(
					stack,
					'constants',
					['helloAnnie', 'aiCaller'],
					BUDGET_MS.decomposition,
				);
			else {
				report.decompositionSkipped = `skipped: after ${Math.round(elapsed / 1000)} s, its estimated ${Math.round(estimate / 1000)} s and the pacing scenario would have passed ${TOTAL_BUDGET_MS / 1000} s`;
				log(`decomposition ${report.decompositionSkipped}`);
			}
		}
		if (ONLY.has('pacing')) report.pacing = await pacing(stack);
		if (ONLY.has('campaign')) report.campaign = await campaign(stack);
		if (ONLY.has('download')) report.download = await download(stack);
		if (ONLY.has('waiting')) report.waiting = await waiting(stack, log);
		if (ONLY.has('store')) report.store = await store(stack, log);
		report.machine.loadAverage.end = round(os.loadavg()[0]);
		report.wallSeconds = Math.round((Date.now() - started) / 1000);

		await fs.mkdir(OUT_DIR, { recursive: true });
		await fs.writeFile(
			path.join(OUT_DIR, 'benchmarks.json'),
			`${JSON.stringify(report, null, '\t')}\n`,
		);
		await fs.writeFile(path.join(OUT_DIR, 'benchmarks.md'), renderMarkdown(report));
		log(
			`wrote ${path.relative(REPO_ROOT, OUT_DIR) || '.'}/benchmarks.json and benchmarks.md; ${report.wallSeconds} s in all`,
		);
		return 0;
	} catch (error) {
		const cause =
			error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
		log(
			`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${cause}`,
		);
		log(`n8n log (last lines):\n${stack.n8n.logTail(30)}`);
		return 1;
	} finally {
		await stack.stop();
	}
}

if (require.main === module) {
	main().then(
		(code) => process.exit(code),
		(error: unknown) => {
			log(error instanceof Error ? error.message : String(error));
			process.exit(1);
		},
	);
}
