/**
 * docs/benchmarks.md, written by `npm run bench` (bench/bench.ts) from the figures it measured:
 * the tables, the goals, and what the figures mean.
 */
import type {
	BenchReport,
	CampaignFigures,
	CampaignRun,
	ComparisonFigures,
	CreateManyFigures,
	DownloadFigures,
	MemoryFigures,
	PacingResult,
	PackageFigures,
	PerItemResult,
	StoreFigures,
	StoreRun,
	WaitingFigures,
	WaitingRun,
} from './figures';
import { round, type Spread } from './stats';

const number = (value: number, digits = 0) =>
	value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** `1,234 (1,100–1,400)`: the median, then the range of the runs. */
function withSpread(value: Spread, unit = '', digits = 0): string {
	const range =
		value.min === value.max ? '' : ` (${number(value.min, digits)}–${number(value.max, digits)})`;
	return `${number(value.median, digits)}${unit}${range}`;
}

const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
const provider = (c: ComparisonFigures) => c.operation.split(' ')[0];

function comparisonTable(result: PerItemResult): string[] {
	const lines = [
		'| Operation | Expressions per item (node / HTTP) | Node (ms) | HTTP Request (ms) | Ratio of medians | Ratio per round | Extra per item |',
		'| --- | --- | --- | --- | --- | --- | --- |',
	];
	for (const c of result.comparisons) {
		lines.push(
			`| ${c.operation} | ${c.expressionsPerItem.node} / ${c.expressionsPerItem.http} | ${withSpread(c.nodeMs)} | ${withSpread(c.httpMs)} | **${c.ratio}×** | ${withSpread(c.roundRatios, '×', 2)} | ${number(c.overheadPerItemMs, 2)} ms |`,
		);
	}
	lines.push(
		'',
		`Rounds: ${result.comparisons.map((c) => `${provider(c)} ${c.rounds}`).join(', ')}. ` +
			'First to last request at the sandbox (ms, node / HTTP Request): ' +
			result.comparisons
				.map(
					(c) =>
						`${provider(c)} ${withSpread(c.nodeSandboxSpanMs)} / ${withSpread(c.httpSandboxSpanMs)}`,
				)
				.join('; ') +
			'. Growth of the n8n process memory during a run (MB, node / HTTP Request): ' +
			result.comparisons
				.map(
					(c) =>
						`${provider(c)} ${withSpread(c.nodeRssGrowthMb)} / ${withSpread(c.httpRssGrowthMb)}`,
				)
				.join('; ') +
			'.',
		'',
	);
	return lines;
}

function createManyTable(many: CreateManyFigures): string[] {
	return [
		'| | Requests | Time (ms) |',
		'| --- | --- | --- |',
		`| Phone Call → Create (one request per row) | ${number(many.createRequests)} | ${withSpread(many.createMs)} |`,
		`| Phone Call → Create Many (batch size ${many.batchSize}) | ${number(many.createManyRequests)} | ${withSpread(many.createManyMs)} |`,
		'',
		`Create Many is **${many.speedup}× faster** (ratio of medians over ${many.rounds} rounds; per round ${withSpread(many.roundSpeedups, '×', 1)}).`,
		'',
	];
}

/**
 * Expressions n8n evaluates per item for the node's mapped fields: the nodes read each field with
 * getNodeParameter, which evaluates every mapped field on its own.
 */
const NODE_EVALUATIONS: Record<string, Record<ComparisonFigures['mapping'], number>> = {
	helloAnnie: { dragged: 7, computed: 7, constants: 0 },
	alloMia: { dragged: 4, computed: 4, constants: 0 },
	aiCaller: { dragged: 3, computed: 3, constants: 0 },
};

function pacingSection(pacing: PacingResult): string[] {
	const node = pacing.variants[0];
	const seconds = pacing.windowMs / 1000;
	const lines = [
		`## Pacing: ${pacing.items} HelloAnnie calls, ${pacing.limit} requests allowed per ${seconds} s`,
		'',
		`HelloAnnie documents 60 requests per minute. The sandbox enforces ${pacing.limit} per ${seconds} s — the same ` +
			`${pacing.limit} per window, the window shortened so that the run stays short — with the documented headers ` +
			'(`X-RateLimit-Remaining`, `X-RateLimit-Reset` in epoch seconds) and answers 429 beyond it; a window opens with ' +
			`the first request after the previous one ended. Allowed rate: ${pacing.allowedPerSecond}/s. ${pacing.rounds} rounds; medians (min–max).`,
		'',
		'| | Time (ms) | Items OK | Items failed | Requests | 429 answers | Calls created | People called twice | Efficiency | Against the best the header allows |',
		'| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
	];
	for (const v of pacing.variants) {
		lines.push(
			`| ${v.label} | ${withSpread(v.nodeMs)} | ${withSpread(v.succeededItems)} | ${withSpread(v.failedItems)} | ${withSpread(v.requests)} | ${withSpread(v.refused429)} | ${withSpread(v.created)} | ${withSpread(v.duplicateCalls)} | ${v.efficiency ? withSpread(v.efficiency, '', 2) : '–'} | ${v.informedEfficiency ? withSpread(v.informedEfficiency, '', 2) : '–'} |`,
		);
	}
	lines.push('');
	for (const v of pacing.variants)
		lines.push(`- **${v.label}**: ${v.description}. Executions: ${v.executionStatus.join(', ')}.`);
	lines.push(
		'',
		'**Efficiency** = accepted requests per second over the windows the run filled (all but the last, which ' +
			`${pacing.items} requests only partly fill) ÷ the allowed rate. A client that fills each window and starts the next ` +
			'the moment it opens scores 1.0; waiting longer than needed, or spending requests on 429s, scores less. ' +
			'**Against the best the header allows**: the same, measured against a client that resumes exactly at ' +
			'`X-RateLimit-Reset`. That header is in whole seconds, so even the best client loses up to a second per window ' +
			`(on average half of one): up to 1/${seconds} of the rate with this ${seconds}-second window, 1/60 with the real one.`,
		'',
		"Windows of the node's first run (start in ms after the first request: requests / accepted): " +
			node.exampleWindows.map((w) => `${number(w.start)}: ${w.count}/${w.accepted}`).join(' · ') +
			'.',
		'',
	);
	return lines;
}

function memorySection(memory: MemoryFigures): string[] {
	const row = (run: MemoryFigures['node']) =>
		`| ${run.label} | ${number(run.rssBeforeMb)} | ${number(run.rssPeakMb)} | ${number(run.rssPeakMb - memory.idleRssMb)} | ${number(run.nodeMs)} |`;
	return [
		`## Memory: ${number(memory.items)} items through a node`,
		'',
		'Resident memory (RSS) of the `n8n start` process, read from `/proc/<pid>/status` every 20 ms. Measured first, on the ' +
			'freshly started n8n (after a 100-item warm-up of each workflow), because the V8 heap keeps what it once grew to; ' +
			'for the same reason each workflow runs once, in order of the memory it needs, so that each peak shows what its run ' +
			"needed beyond the one before: n8n's No Operation node passing the items on, n8n's Edit Fields node writing 10,000 new " +
			'items, then the node. A peak includes garbage V8 has not collected yet, so work that allocates more raises it more.',
		'',
		'| | RSS before (MB) | Peak RSS (MB) | Peak above idle (MB) | Time (ms, one run) |',
		'| --- | --- | --- | --- | --- |',
		`| n8n idle, before the scenario | ${number(memory.idleRssMb)} | | | |`,
		row(memory.noOp),
		row(memory.set),
		row(memory.node),
		'',
		`The node's run peaks ${number(memory.node.rssPeakMb - memory.set.rssPeakMb)} MB above n8n's own Edit Fields run over the same items. ` +
			'Create Many reads and validates every item, sends 100 requests of 100 calls and pairs each of the 10,000 answers with its item; ' +
			'its values are typed in, so that the peak is what the node holds for 10,000 items rather than what evaluating expressions ' +
			'allocates. The per-item runs above report the memory growth of 1,000 single calls with mapped fields.',
		'',
	];
}

function packageSection(pkg: PackageFigures): string[] {
	return [
		'## Package',
		'',
		'| | |',
		'| --- | --- |',
		`| Packed tarball (\`npm pack\`) | ${number(pkg.tarballBytes / 1024, 1)} KiB (${pkg.tarball}) |`,
		`| Unpacked | ${number(pkg.unpackedBytes / 1024, 1)} KiB in ${pkg.files} files |`,
		`| Cold load of all ${pkg.nodes} nodes and ${pkg.credentials} credentials | ${withSpread(pkg.loadMs, ' ms', 1)} |`,
		`| n8n-workflow and zod (loaded by n8n already; not counted above) | ${withSpread(pkg.sharedDependenciesMs, ' ms', 1)} |`,
		'',
		`Cold load: ${pkg.runs} fresh Node processes (n8n's Node 24), each resolving modules from n8n's own node_modules ` +
			'as n8n does, loading n8n-workflow and zod first, then timing `require` of every node and credential file ' +
			'of the installed package plus constructing each class (n8n reads each description that way at start-up). ' +
			'The package has no runtime dependencies.',
		'',
	];
}

/** Pacing: the share of the rate the provider's headers allow that the node uses (issue goal). */
const PACING_GOAL = 0.95;
/** Campaign: the node's time against the HTTP Request node's at the same concurrency, at most. */
const CAMPAIGN_GOAL = 1.1;
/** Campaign: AICaller Create Many against Create, both at their defaults, at least. */
const CREATE_MANY_LATENCY_GOAL = 25;
/** Memory: Create Many's peak above idle against Edit Fields', at most. */
const MEMORY_GOAL = 1.2;

function memoryRatio(memory: MemoryFigures): number {
	return round(
		(memory.node.rssPeakMb - memory.idleRssMb) / (memory.set.rssPeakMb - memory.idleRssMb),
	);
}

/** A run's time for a 1,000-call campaign: measured, or scaled from the calls it placed. */
const perThousand = (run: CampaignRun) => (run.wallMs * 1000) / run.calls;
const clean = (run: CampaignRun) =>
	run.failedItems === 0 && run.duplicateCalls === 0 && run.executionStatus === 'success';

/** Node N against HTTP Request batches of N, per provider and N. */
function campaignPairs(figures: CampaignFigures) {
	return figures.providers.flatMap((p) =>
		[1, figures.defaultConcurrency, 50]
			.filter((n, i, all) => all.indexOf(n) === i)
			.flatMap((n) => {
				const node = p.runs.find(
					(r) => r.side === 'node' && r.concurrency === n && !r.label.startsWith('Create Many'),
				);
				const http = p.runs.find((r) => r.side === 'http' && r.concurrency === n);
				if (!node || !http) return [];
				const ratio = round(perThousand(node) / perThousand(http), 2);
				return [
					{
						operation: p.operation,
						n,
						node,
						http,
						ratio,
						met: ratio <= CAMPAIGN_GOAL && clean(node) && clean(http),
					},
				];
			}),
	);
}

function createManyAtLatency(figures: CampaignFigures) {
	const aiCaller = figures.providers.find((p) => p.provider === 'aiCaller');
	const create = aiCaller?.runs.find(
		(r) =>
			r.side === 'node' &&
			r.concurrency === figures.defaultConcurrency &&
			!r.label.startsWith('Create Many'),
	);
	const many = aiCaller?.runs.find((r) => r.label.startsWith('Create Many'));
	if (!create || !many) return undefined;
	const speedup = round(perThousand(create) / perThousand(many));
	return {
		create,
		many,
		speedup,
		met: speedup >= CREATE_MANY_LATENCY_GOAL && clean(create) && clean(many),
	};
}

function campaignGoals(figures: CampaignFigures): string[] {
	const pairs = campaignPairs(figures);
	const lines = [
		`- **Campaign at provider latency** (goal: the node's time ≤ ${CAMPAIGN_GOAL}× the HTTP Request node's at the same concurrency, 0 failed items and 0 duplicate calls on both sides): ` +
			pairs
				.map((p) => `${p.operation.split(' ')[0]} at ${p.n}: ${verdict(p.met)} (**${p.ratio}×**)`)
				.join('; ') +
			'.',
	];
	const many = createManyAtLatency(figures);
	if (many)
		lines.push(
			`- **AICaller Create Many at provider latency** (goal ≥ ${CREATE_MANY_LATENCY_GOAL}× faster than Create, both at their defaults): ${verdict(many.met)} — **${many.speedup}×** ` +
				`(${number(many.many.wallMs)} ms against ${number(many.create.wallMs)} ms for ${number(many.create.calls)} calls).`,
		);
	return lines;
}

function campaignSection(figures: CampaignFigures): string[] {
	const { fixedMs, jitterMs } = figures.latency;
	const lines = [
		'## Campaign at provider latency: 1,000 calls',
		'',
		`The sandbox answers every request after ${fixedMs} ms plus up to ${jitterMs} ms (uniform), the latency the providers are modelled with: ` +
			'none of them publishes answer times, and APIs that set up a call with a telephony carrier answer a create in a few hundred milliseconds. ' +
			`Each side runs once (a run's time is the round trips', not n8n's noise). The node sends at most *Requests in Parallel* (default ${figures.defaultConcurrency}) ` +
			"requests at a time; n8n's HTTP Request node has no such limit: with its defaults it starts every request at once, with Options → Batching it " +
			`starts a batch of N every interval, and an interval of ${fixedMs + jitterMs} ms (the longest modelled answer) keeps at most N in flight. ` +
			'At one request at a time a side places 100 calls (about 35 s) rather than 1,000 (about six minutes); its time is scaled to 1,000 in the last column. ' +
			'HelloAnnie is bounded by its rate limit (60 requests per minute), not by latency: see *Pacing*. In flight: the most requests the sandbox was answering at one moment.',
		'',
	];
	for (const p of figures.providers) {
		lines.push(
			`### ${p.operation}`,
			'',
			'| | Calls | Time (s) | In flight (most) | Failed items | Duplicate calls | Time per 1,000 calls (s) |',
			'| --- | --- | --- | --- | --- | --- | --- |',
		);
		for (const run of p.runs)
			lines.push(
				`| ${run.label} | ${number(run.calls)} | ${number(run.wallMs / 1000, 1)} | ${run.mostInFlight} | ${run.failedItems} | ${run.duplicateCalls} | ${number(perThousand(run) / 1000, 1)} |`,
			);
		lines.push('');
	}
	const pairs = campaignPairs(figures);
	if (pairs.length) {
		lines.push(
			'| Node vs HTTP Request at the same concurrency | Node (s per 1,000) | HTTP Request (s per 1,000) | Ratio | Goal ≤ ' +
				CAMPAIGN_GOAL +
				'× |',
			'| --- | --- | --- | --- | --- |',
		);
		for (const pair of pairs)
			lines.push(
				`| ${pair.operation}, ${pair.n} at a time | ${number(perThousand(pair.node) / 1000, 1)} | ${number(perThousand(pair.http) / 1000, 1)} | ${pair.ratio} | ${verdict(pair.met)} |`,
			);
		lines.push('');
	}
	return lines;
}

function meaning(report: BenchReport): string[] {
	const lines = ['## What the figures mean', ''];
	const dragged = report.perItem?.comparisons ?? [];
	const computed = report.computed?.comparisons ?? [];
	const typed = report.decomposition?.comparisons ?? [];
	const all = [...dragged, ...computed];
	const list = (comparisons: ComparisonFigures[]) =>
		comparisons.map((c) => `${provider(c)} ${c.ratio}×`).join(', ');
	if (all.length) {
		lines.push(
			"- **Per-item overhead** (the node's time against the HTTP Request node sending the same 1,000 requests)" +
				(dragged.length
					? ` — fields dragged from the input (\`{{ $json.phone }}\`): ${list(dragged)}`
					: '') +
				(computed.length
					? `; fields computed by expressions (\`{{ $json.phone.trim() }}\`): ${list(computed)}`
					: '') +
				'. What goes into these figures:',
		);
		lines.push(
			"  - *Expressions.* The nodes read every field with n8n's `getNodeParameter`, as n8n's own nodes do, so n8n evaluates each mapped " +
				'field on its own; n8n 2.41 evaluates each expression in an isolated V8 context (its default `N8N_EXPRESSION_ENGINE=vm`) at a fixed cost ' +
				'per evaluation. Evaluations per item here: ' +
				`${all
					.filter((c) => c.mapping === 'dragged')
					.map((c) => `${provider(c)} ${NODE_EVALUATIONS[c.provider]?.dragged ?? '?'}`)
					.join(', ')}; the HTTP Request node 1 (its body, one expression).`,
		);
		const pacingHttp = report.pacing?.variants[1];
		lines.push(
			'  - *Bounded concurrency.* The HTTP Request node starts all 1,000 requests at once and waits for them together; the nodes keep at most ' +
				'Requests in Parallel (default 10) on their way, in item order. That is deliberate: each create is a phone call, a failing item stops the ' +
				"node before further calls dial (without Continue On Fail), and the provider's rate limit is honoured instead of being hit with every item at once" +
				(pacingHttp
					? ` (under a rate limit the HTTP Request node with its defaults failed ${pacingHttp.failedItems.median} of ${report.pacing?.items} items, see *Pacing*)`
					: '') +
				". At a real provider's latency the time a clinic waits is set by the round trips, not by n8n: see *Campaign at provider latency*.",
		);
		if (typed.length) {
			lines.push(
				'  - With every value typed in (no expression on either side): ' +
					typed
						.map(
							(t) =>
								`${t.operation} ${withSpread(t.nodeMs)} ms against ${withSpread(t.httpMs)} ms for the HTTP Request node, **${t.ratio}×**`,
						)
						.join('; ') +
					". That is the nodes' validation, transport and sequential sending alone.",
			);
		}
		if (!typed.length && report.decompositionSkipped)
			lines.push(`  - The same runs with typed-in values were ${report.decompositionSkipped}.`);
		lines.push(
			`  - In absolute terms the nodes add ${all.map((c) => `${number(c.overheadPerItemMs, 2)} ms (${provider(c)}, ${c.mapping})`).join(', ')} per item on this machine ` +
				'(negative: less than the HTTP Request node): a campaign of 1,000 calls spends seconds in n8n, against the 17 minutes ' +
				"HelloAnnie's documented 60 requests per minute impose on it.",
		);
	}
	const many = report.perItem?.createMany;
	const computedMany = report.computed?.createMany;
	const typedMany = report.decomposition?.createMany;
	if (many || computedMany) {
		const first = many ?? computedMany;
		lines.push(
			'- **AICaller Create Many without latency** (n8n-side cost only; its goal is measured at provider latency, below): ' +
				(many
					? `for rows whose columns are dragged onto the fields, as a spreadsheet's rows are mapped, **${many.speedup}×** faster than Create` +
						(typedMany ? ` (${typedMany.speedup}× with the values typed in)` : '')
					: '') +
				(computedMany
					? `${many ? '; ' : ''}with every field computed by an expression **${computedMany.speedup}×**`
					: '') +
				' (Create itself sends 10 requests at a time)' +
				`. Either way ${first?.createManyRequests} requests instead of ${number(first?.createRequests ?? 0)}, ` +
				'which also spends a hundredth of the rate limit.',
		);
	}
	if (report.pacing) {
		const node = report.pacing.variants[0];
		const others = report.pacing.variants.slice(1);
		// What the headers allow: the reset comes in whole seconds, so no client told only the headers
		// can use the part of a window before the announced reset (bench/stats.ts, informedEfficiency).
		const met = (node.informedEfficiency?.median ?? 0) >= PACING_GOAL && node.failedItems.max === 0;
		lines.push(
			`- **Pacing** (goal ≥ ${PACING_GOAL} of what the rate-limit headers allow, with 0 failed items, at the modelled provider latency): ${verdict(met)} — the node used ` +
				`${node.informedEfficiency?.median ?? '–'} of what the whole-second X-RateLimit-Reset allows any client, ${node.efficiency?.median ?? '–'} of the nominal rate ` +
				`(the whole-second reset costs up to 1 s a window: a tenth of the ${report.pacing.windowMs / 1000}-second window this scenario shortens HelloAnnie's minute to, a sixtieth of the real one), with ${node.refused429.median} requests refused and ${node.failedItems.max} items failed in any round. ` +
				`n8n's HTTP Request node with the same limit: ${others
					.map(
						(v) =>
							`${v.label.replace('HTTP Request, ', '')} — ${v.failedItems.median} of ${report.pacing?.items} items failed, ${v.refused429.median} answers 429` +
							(v.duplicateCalls.median
								? `, **${v.duplicateCalls.median} people called twice**`
								: ''),
					)
					.join('; ')}. ` +
				'Its batching option works when set to exactly the allowed rate; Retry On Fail reruns the whole node, including the items that had already succeeded, which is how calls get placed twice.',
		);
	}
	if (report.campaign) lines.push(...campaignGoals(report.campaign));
	if (report.memory) {
		const memory = report.memory;
		const ratio = memoryRatio(memory);
		lines.push(
			`- **Memory** (goal: Create Many's peak above idle ≤ ${MEMORY_GOAL}× Edit Fields'): ${verdict(ratio <= MEMORY_GOAL)} — **${ratio}×**. With ${number(memory.items)} items, n8n's peak rises from ${number(memory.idleRssMb)} MB idle to ${number(memory.noOp.rssPeakMb)} MB through its No Operation node, ` +
				`${number(memory.set.rssPeakMb)} MB through its Edit Fields node and ${number(memory.node.rssPeakMb)} MB through AICaller Create Many.`,
		);
	}
	if (report.package) {
		lines.push(
			`- **Package**: ${number(report.package.tarballBytes / 1024, 1)} KiB packed; all nodes and credentials load in ${number(report.package.loadMs.median, 1)} ms.`,
		);
	}
	lines.push('');
	return lines;
}

/** The recording download: the n8n process's memory growth against the file's size. */
function downloadSection(d: DownloadFigures): string[] {
	const size = (bytes: number) => `${number(bytes / 1024 ** 2, 1)} MB`;
	return [
		`## Recording download: ${size(d.runs[0].bytes)} through AlloMia Call → Get`,
		'',
		`A call whose recording is ${number(d.runs[0].bytes)} bytes (${d.mimeType}, generated as it streams by the sandbox's storage, outside the n8n process), ` +
			"read with **Download: Recording**: the node streams the file from the pre-signed link into n8n's binary data store " +
			`(${d.binaryDataMode}, n8n's default) instead of holding it in memory. The resident memory of the n8n process is sampled every 20 ms during each run, ` +
			'after a warm-up download of the same size (n8n and Node set up their stream and file paths on first use); then a recording four times as large: ' +
			'a node that held the file would grow by the size of the file in both runs.',
		'',
		'| Recording | n8n process memory before | Peak during the run | Growth | Node time |',
		'| ---: | ---: | ---: | ---: | ---: |',
		...d.runs.map(
			(r) =>
				`| ${size(r.bytes)} | ${number(r.rssBeforeMb, 1)} MB | ${number(r.rssPeakMb, 1)} MB | **${number(r.growthMb, 1)} MB** (${number((100 * r.growthMb * 1024 ** 2) / r.bytes)} % of the file) | ${number(r.nodeMs / 1000, 1)} s |`,
		),
		'',
		`The warm-up download grew the process by ${number(d.warmUp.growthMb, 1)} MB (first use). The growth does not follow the file's size: ` +
			"what remains is the network buffers the download passed through, freed by Node's garbage collector at its own pace.",
		'',
	];
}

/** Waiting for N calls: polling vs On Provider Callback vs n8n's own Wait node. */
function waitingSection(w: WaitingFigures): string[] {
	const [first] = w.runs;
	const label: Record<WaitingRun['way'], string> = {
		polling: 'Wait for Call to End → Polling (one execution, N items, Poll Interval 1 s)',
		callback: 'Wait for Call to End → On Provider Callback (one execution per call)',
		waitNode: "n8n's own: Callback URL = resume URL + Wait node (one execution per call)",
	};
	const baseline = w.runs.find((r) => r.way === 'waitNode');
	const lines = [
		`## Waiting for ${first.calls} AlloMia calls of ${first.callSeconds} s`,
		'',
		'Slot-seconds: the executions with status *running*, summed over the wait (sampled every 100 ms): what queue-mode worker slots hold. A waiting execution holds none.',
		'',
		'| Way | Executions | Wall time | Slot-seconds in all | While the calls run: seconds · slot-seconds · most running | Most running at once | Most waiting at once | Creates | Status reads |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const r of w.runs) {
		const ratio =
			baseline && r !== baseline && baseline.wallSeconds > 0
				? ` (${round(r.wallSeconds / baseline.wallSeconds, 2)}× the Wait node)`
				: '';
		lines.push(
			`| ${label[r.way]} | ${r.executions} | ${r.wallSeconds} s${ratio} | ${r.slotSeconds} | ${r.whileCallsRun.seconds} s · ${r.whileCallsRun.slotSeconds} · ${r.whileCallsRun.mostRunning} | ${r.mostRunning} | ${r.mostWaiting} | ${r.creates} | ${r.statusReads} |`,
		);
	}
	lines.push(
		'',
		`Slot-seconds in all include placing the ${first.calls} calls and resuming after them, which every way pays. While the calls run (every call placed, none ended yet), polling holds its one execution; On Provider Callback holds none, as n8n's own Wait node. Polling ends in about one call's length plus dialing, not ${first.calls} × ${first.callSeconds} s.`,
		'',
	);
	return lines;
}

function storeSection(f: StoreFigures): string[] {
	const per = (run: StoreRun) =>
		run.items > 1 ? ` (${round(run.medianMs / run.items, 2)} ms per item)` : '';
	const lines = [
		"## Deduplication store: a key's cost against the store's size",
		'',
		`n8n keeps a node's Deduplication Keys as one list in its database and reads and writes all of it on every check. A claim of the campaign guard makes three such calls and waits one settle second; a key it dials takes ${f.entriesPerKey} entries. The package keeps ${f.storeEntries.toLocaleString('en-US')} entries (${(f.storeEntries / f.entriesPerKey).toLocaleString('en-US')} keys). The node runs with its store at that size, started as the editor starts it (\`Execute workflow\`): such a run records its keys apart from production runs and first checks the production keys, two more store calls than a production run makes. n8n's own Remove Duplicates node (one store call per run, History Size = the entries) shows what a store of 100,000 and 1,000,000 keys costs. Median of ${f.rounds} runs, the node's own time.`,
		'',
		'| What | Items | Entries in the store | Median (range) |',
		'|---|---:|---:|---:|',
	];
	for (const run of f.runs) {
		lines.push(
			`| ${run.what} | ${run.items.toLocaleString('en-US')} | ${run.entries.toLocaleString('en-US')} | ${run.medianMs} ms${per(run)} (${Math.min(...run.ms)}–${Math.max(...run.ms)}) |`,
		);
	}
	const find = (what: string, items: number, entries?: number) =>
		f.runs.find(
			(r) =>
				r.what.startsWith(what) &&
				r.items === items &&
				(entries === undefined || r.entries === entries),
		)?.medianMs;
	const claim = (items: number) => {
		const withKey = find('AICaller Create Many, Deduplication Key', items);
		const without = find('AICaller Create Many, no key', items);
		return withKey !== undefined && without !== undefined ? withKey - without : undefined;
	};
	const [one, many] = [claim(1), claim(1000)];
	const storeCall = find("n8n's Remove Duplicates", 1, 3_000_000);
	if (one !== undefined && many !== undefined) {
		lines.push(
			'',
			`The claim's cost with the store at ${f.storeEntries.toLocaleString('en-US')} entries: ${(one / 1000).toFixed(1)} s for a run of one item (one booking per execution), ${(many / 1000).toFixed(1)} ms per item for 1,000 items (the settle second included).` +
				(storeCall !== undefined
					? ` With 1,000,000 keys (${(1_000_000 * f.entriesPerKey).toLocaleString('en-US')} entries) one store call alone takes ${(storeCall / 1000).toFixed(1)} s: a claim (three calls) would hold every booking about ${Math.round((3 * storeCall) / 1000)} s, which is why the package keeps ${(f.storeEntries / f.entriesPerKey).toLocaleString('en-US')} keys.`
					: ''),
		);
	}
	lines.push('');
	return lines;
}

export function renderMarkdown(report: BenchReport): string {
	const m = report.machine;
	const lines: string[] = [
		'# Benchmarks',
		'',
		`Written by \`${report.command}\` on ${report.date.slice(0, 10)} in ${report.wallSeconds} s; every run's figures are in [benchmarks.json](benchmarks.json). ` +
			'Every scenario runs in the real n8n, with the packed package installed as a community package, against the local provider sandbox ' +
			"(`test/sandbox/`), next to n8n's built-in HTTP Request node sending the same requests in the same run. " +
			'The machines are shared and noisy: each time is the **median** of several runs, shown with the range of the runs (min–max); ' +
			"the sides of a comparison take turns within each round, and ratios compare medians. Times are the node's own `executionTime` " +
			"from n8n's run data (what the editor shows under the node).",
		'',
		'## Machine',
		'',
		'| | |',
		'| --- | --- |',
		`| CPUs | ${m.cpus} × ${m.cpuModel} |`,
		`| Memory | ${m.memoryGb} GB |`,
		`| OS | ${m.os} |`,
		`| Load average (1 min) at start / end | ${m.loadAverage.start} / ${m.loadAverage.end} (other work on the machine; above ${m.cpus} the CPUs are oversubscribed) |`,
		`| n8n | ${m.n8n} on Node ${m.n8nNode} |`,
		`| Benchmark driver and sandbox | Node ${m.benchNode} |`,
		'',
		`Setup (s): ${Object.entries(report.setupSeconds)
			.map(([step, seconds]) => `${step} ${seconds}`)
			.join(', ')}.`,
		'',
		...meaning(report),
	];
	if (report.perItem || report.computed) {
		lines.push(
			'## Per-item overhead: 1,000 items through each create operation',
			'',
			"Each node's create operation against n8n's HTTP Request node (version 4.5, what a user adds today) sending the same " +
				'requests — same method, URL, headers and body, authenticated by the same credential, the body written as one expression. ' +
				'A warm-up run of 100 items on each side first checks that both send identical requests (compared field by field) and that ' +
				'all are accepted; every measured run is checked for 1,000 accepted requests.',
			'',
		);
	}
	if (report.perItem) {
		lines.push(
			'### Fields dragged from the input',
			'',
			"Each field mapped as dragging an input field onto it writes it: `{{ $json.phone }}`. The HTTP Request node's body: " +
				'`{{ JSON.stringify({ toNumber: $json.phone, … }) }}`.',
			'',
			...comparisonTable(report.perItem),
		);
	}
	if (report.computed) {
		lines.push(
			'### Fields computed by expressions',
			'',
			"Each field's expression does a little work, so that it has to be evaluated: `{{ $json.phone.trim() }}`; the HTTP Request " +
				"node's body does the same work (`toNumber: $json.phone.trim(), …`).",
			'',
			...comparisonTable(report.computed),
		);
	}
	if (report.decomposition) {
		lines.push(
			'### Every value typed in',
			'',
			"No expression on either side: the first patient's values typed into the node's fields and the body typed into the HTTP " +
				"Request node. What remains is the nodes' own work and sequential sending.",
			'',
			...comparisonTable(report.decomposition),
		);
	}
	const manyRuns: Array<[string, CreateManyFigures | undefined]> = [
		['fields dragged from the input', report.perItem?.createMany],
		['fields computed by expressions', report.computed?.createMany],
		['values typed in', report.decomposition?.createMany],
	];
	const measuredMany = manyRuns.filter(
		(entry): entry is [string, CreateManyFigures] => entry[1] !== undefined,
	);
	if (measuredMany.length) {
		lines.push('## AICaller: Create Many vs Create, 1,000 rows', '');
		for (const [label, figures] of measuredMany)
			lines.push(`### With the ${label}`, '', ...createManyTable(figures));
		lines.push('Both create the same 1,000 calls (compared on each warm-up run).', '');
	}
	if (report.pacing) lines.push(...pacingSection(report.pacing));
	if (report.campaign) lines.push(...campaignSection(report.campaign));
	if (report.memory) lines.push(...memorySection(report.memory));
	if (report.download) lines.push(...downloadSection(report.download));
	if (report.waiting) lines.push(...waitingSection(report.waiting));
	if (report.store) lines.push(...storeSection(report.store));
	if (report.package) lines.push(...packageSection(report.package));
	lines.push(
		'## Running it',
		'',
		'```bash',
		'npm ci && npm run bench            # writes docs/benchmarks.json and docs/benchmarks.md',
		'npm run bench -- --runs 7          # more rounds where the time budget allows (at least 3 always)',
		'npm run bench -- --only pacing     # some scenarios: package, memory, per-item, computed, decomposition, pacing, campaign, download, waiting, store',
		'npm run bench -- --out /tmp/b      # write elsewhere',
		'```',
		'',
		'The first run on a machine installs the pinned n8n runtime into `~/.cache/n8n-nodes-ai-phone-agents/` ' +
			'(about 5 minutes); later runs reuse it, and so do `npm test` and `npm run demo`, which install it the same way. Each comparison ' +
			'runs at least 3 rounds and adds rounds (up to `--runs`, default 5) only while its time budget lasts and only in the first ' +
			'5 minutes of the command, and the typed-in runs are skipped when, judging by how long the per-item runs took, they would ' +
			'push the command past 9.5 minutes; the campaign scenario then adds about 7 minutes of modelled provider latency. With the ' +
			'runtime in its cache the command took 1,058 s (about 18 minutes) here; a first run on a new machine adds the install.',
		'',
	);
	return `${lines.join('\n')}\n`;
}
