/**
 * The figures `npm run bench` (bench/bench.ts) measures: the shape of docs/benchmarks.json, which
 * bench-report.ts renders as docs/benchmarks.md.
 */
import type { PacingFigures, Spread } from './stats';

/** The providers whose nodes are measured. */
export type Provider = 'helloAnnie' | 'alloMia' | 'aiCaller';

/**
 * How the fields get their values:
 * - `dragged`: each field mapped from the item as dragging an input field onto it writes it
 *   (`{{ $json.phone }}`), the most common mapping;
 * - `computed`: each field's expression does a little work (`{{ $json.phone.trim() }}`), so that
 *   n8n has to evaluate it; the HTTP Request node's body does the same work;
 * - `constants`: the first patient's values typed in (no expression at all), which leaves only
 *   the cost of the node itself and of n8n's request and credential helpers.
 */
export type Mapping = 'dragged' | 'computed' | 'constants';

export interface ComparisonFigures {
	provider: Provider;
	operation: string;
	mapping: Mapping;
	items: number;
	rounds: number;
	/** Expressions in the parameters, per item (each side also evaluates one for the credential's header). */
	expressionsPerItem: { node: number; http: number };
	nodeMs: Spread;
	httpMs: Spread;
	/** median(node) ÷ median(HTTP Request), without latency: n8n-side cost. */
	ratio: number;
	/** node ÷ HTTP Request within each round. */
	roundRatios: Spread;
	/** Extra time per item (ms): (median node − median HTTP Request) ÷ items. */
	overheadPerItemMs: number;
	/** First to last request at the sandbox (ms). */
	nodeSandboxSpanMs: Spread;
	httpSandboxSpanMs: Spread;
	/** Growth of the n8n process's resident memory during the run (MB). */
	nodeRssGrowthMb: Spread;
	httpRssGrowthMb: Spread;
}

export interface CreateManyFigures {
	items: number;
	batchSize: number;
	rounds: number;
	createMs: Spread;
	createManyMs: Spread;
	createRequests: number;
	createManyRequests: number;
	/** median(Create) ÷ median(Create Many), without latency: n8n-side cost (the goal is measured at latency, CampaignFigures). */
	speedup: number;
	roundSpeedups: Spread;
}

export interface PerItemResult {
	comparisons: ComparisonFigures[];
	createMany?: CreateManyFigures;
}

interface PacingVariantFigures {
	label: string;
	description: string;
	nodeMs: Spread;
	/** Items that came out without an error (0 when the execution failed). */
	succeededItems: Spread;
	failedItems: Spread;
	requests: Spread;
	refused429: Spread;
	/** Calls created (accepted POSTs). */
	created: Spread;
	/** Calls created more than once for the same person. */
	duplicateCalls: Spread;
	/** Accepted requests per second over the filled windows ÷ the allowed rate; undefined with one window. */
	efficiency?: Spread;
	/** Against the best schedule the whole-second reset header allows (see bench-stats.ts). */
	informedEfficiency?: Spread;
	achievedPerSecond?: Spread;
	executionStatus: string[];
	/** The windows of the first run (start relative to the first request, ms). */
	exampleWindows: PacingFigures['windows'];
}

export interface PacingResult {
	items: number;
	limit: number;
	windowMs: number;
	allowedPerSecond: number;
	rounds: number;
	variants: PacingVariantFigures[];
}

/** One side of the campaign scenario: a campaign's calls at the modelled provider latency. */
export interface CampaignRun {
	label: string;
	side: 'node' | 'http';
	/** Requests in flight at most: the node's Requests in Parallel, the HTTP Request node's batch size, or 'all' (no batching). */
	concurrency: number | 'all';
	calls: number;
	/** The node's executionTime (one run). */
	wallMs: number;
	requests: number;
	/** Calls the sandbox accepted (each row of a Create Many request counts). */
	callsCreated: number;
	/** Calls created more than once for the same number. */
	duplicateCalls: number;
	/** Items that did not come out with a result (all of them when the execution failed). */
	failedItems: number;
	/** The most requests the sandbox was answering at one moment. */
	mostInFlight: number;
	executionStatus: string;
}

export interface CampaignFigures {
	/** The sandbox's answer time per request: fixed plus up to jitter (ms). */
	latency: { fixedMs: number; jitterMs: number };
	defaultConcurrency: number;
	providers: Array<{ provider: Provider; operation: string; runs: CampaignRun[] }>;
}

export interface MemoryRun {
	label: string;
	/** The node's executionTime (one run: a memory measure, not a timing). */
	nodeMs: number;
	rssBeforeMb: number;
	rssPeakMb: number;
}

export interface MemoryFigures {
	items: number;
	/** Resident memory of the n8n process before the scenario, after the warm-up (MB). */
	idleRssMb: number;
	/** n8n's No Operation node passing the items on unchanged. */
	noOp: MemoryRun;
	/** n8n's Edit Fields (Set) node writing three fields into each item: 10,000 new items. */
	set: MemoryRun;
	/** The node: AICaller Create Many (10,000 items read and validated, 100 requests, 10,000 results). */
	node: MemoryRun;
}

/** One recording downloaded through AlloMia Call → Get (Download: Recording) in the real n8n. */
export interface DownloadRun {
	/** Bytes of the recording (what the sandbox's storage served and the binary data holds). */
	bytes: number;
	/** The node's executionTime (one run: a memory measure, not a timing). */
	nodeMs: number;
	/** Resident memory of the n8n process just before the run and its highest sample during it (MB). */
	rssBeforeMb: number;
	rssPeakMb: number;
	/** rssPeakMb − rssBeforeMb. */
	growthMb: number;
}

export interface DownloadFigures {
	mimeType: string;
	/** n8n's binary data mode the files were written to (its default: filesystem). */
	binaryDataMode: string;
	/** The warm-up download (same size as the first measured one), shown for what first use costs. */
	warmUp: DownloadRun;
	/** The measured recording (50 MB), then one four times its size: growth that does not follow the size is not the file. */
	runs: DownloadRun[];
}

/** N calls waited for one way (bench/waiting.ts). */
export interface WaitingRun {
	/** polling: one execution, N items; callback: On Provider Callback, one execution per call; waitNode: n8n's Wait node after the node, one execution per call. */
	way: 'polling' | 'callback' | 'waitNode';
	calls: number;
	callSeconds: number;
	executions: number;
	/** From the first webhook call to the last execution's success. */
	wallSeconds: number;
	/** Executions with status running, summed over time: what queue-mode worker slots would hold. */
	slotSeconds: number;
	mostRunning: number;
	mostWaiting: number;
	/** From the moment every call was placed to the first call's end: what waiting alone holds. */
	whileCallsRun: { seconds: number; slotSeconds: number; mostRunning: number };
	creates: number;
	statusReads: number;
}

export interface WaitingFigures {
	runs: WaitingRun[];
}

export interface PackageFigures {
	tarball: string;
	tarballBytes: number;
	unpackedBytes: number;
	files: number;
	nodes: number;
	credentials: number;
	runs: number;
	/** Requiring every node and credential file of the installed package and constructing each class. */
	loadMs: Spread;
	/** n8n-workflow and zod, which n8n has loaded before it loads any community package. */
	sharedDependenciesMs: Spread;
}

export interface MachineFigures {
	cpus: number;
	cpuModel: string;
	memoryGb: number;
	os: string;
	/** Load average (1 min) when the benchmark started and when it ended: other work on the machine. */
	loadAverage: { start: number; end: number };
	benchNode: string;
	n8nNode: string;
	n8n: string;
}

/** One measured case of the store scenario: a node's own time per run, with its store this full. */
export interface StoreRun {
	what: string;
	items: number;
	/** Entries in the node's store before the run. */
	entries: number;
	ms: number[];
	medianMs: number;
}

export interface StoreFigures {
	/** The store size the package ships (entries), and entries per dialed key. */
	storeEntries: number;
	entriesPerKey: number;
	rounds: number;
	runs: StoreRun[];
}

export interface BenchReport {
	command: string;
	date: string;
	maxRuns: number;
	machine: MachineFigures;
	/** Seconds each setup step took (runtime check, build/pack/install, n8n start…). */
	setupSeconds: Record<string, number>;
	wallSeconds: number;
	package?: PackageFigures;
	perItem?: PerItemResult;
	computed?: PerItemResult;
	decomposition?: PerItemResult;
	/** Why the decomposition was not measured, when it was not. */
	decompositionSkipped?: string;
	pacing?: PacingResult;
	campaign?: CampaignFigures;
	memory?: MemoryFigures;
	download?: DownloadFigures;
	waiting?: WaitingFigures;
	store?: StoreFigures;
}
