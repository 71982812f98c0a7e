/**
 * The arithmetic of `npm run bench` (bench/bench.ts), kept apart so it can be tested: medians
 * and spreads of repeated runs, and the pacing efficiency read from the sandbox's request log.
 */

export interface Spread {
	median: number;
	min: number;
	max: number;
	/** Every run's value, in run order. */
	runs: number[];
}

export function median(values: readonly number[]): number {
	if (values.length === 0) throw new Error('median of no values');
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function spread(values: readonly number[]): Spread {
	return {
		median: median(values),
		min: Math.min(...values),
		max: Math.max(...values),
		runs: [...values],
	};
}

/** Rounds for the report: 3 significant digits are more than these noisy machines can justify. */
export function round(value: number, digits = 3): number {
	if (!Number.isFinite(value) || value === 0) return value;
	const magnitude = Math.floor(Math.log10(Math.abs(value)));
	const factor = 10 ** Math.max(0, digits - 1 - magnitude);
	return Math.round(value * factor) / factor;
}

export interface Arrival {
	/** Arrival time at the sandbox, epoch ms. */
	at: number;
	/** The sandbox's answer (429 = refused by the rate limit). */
	status: number;
}

interface RateWindow {
	start: number;
	/** Requests counted in this window (the sandbox counts refused ones too). */
	count: number;
	/** Requests it accepted. */
	accepted: number;
}

export interface PacingFigures {
	windows: RateWindow[];
	/** Accepted requests per second over the windows before the last one; undefined with one window. */
	achievedPerSecond: number | undefined;
	allowedPerSecond: number;
	/** achieved ÷ allowed. */
	efficiency: number | undefined;
	/**
	 * The same against the best a client can do knowing only what the provider tells it: the
	 * reset time in whole epoch seconds (`X-RateLimit-Reset`), rounded up. 1.0 = no time lost
	 * beyond what the header's resolution imposes on every client.
	 */
	informedEfficiency: number | undefined;
}

/**
 * Rebuilds the sandbox's fixed windows (HelloAnnie's documented per-organization limit as the
 * sandbox models it: a window opens with the first request after the previous one ended) and
 * measures how much of the allowed rate a client used.
 *
 * Only the windows before the last are counted: the last one is usually partly filled (150
 * requests with 60 per window leave 30 for the third), and counting it would reward or punish
 * the client for the request count rather than for its pacing. A client that fills each window
 * and starts the next the moment it opens scores 1.0; time lost between windows (waiting longer
 * than needed) and refused requests lower the score.
 */
export function pacingEfficiency(
	arrivals: readonly Arrival[],
	limit: number,
	windowMs: number,
): PacingFigures {
	const allowedPerSecond = (limit / windowMs) * 1000;
	const windows: RateWindow[] = [];
	for (const arrival of [...arrivals].sort((a, b) => a.at - b.at)) {
		let current = windows[windows.length - 1];
		if (!current || arrival.at >= current.start + windowMs) {
			current = { start: arrival.at, count: 0, accepted: 0 };
			windows.push(current);
		}
		current.count += 1;
		if (arrival.status !== 429) current.accepted += 1;
	}
	if (windows.length < 2)
		return {
			windows,
			achievedPerSecond: undefined,
			allowedPerSecond,
			efficiency: undefined,
			informedEfficiency: undefined,
		};
	const full = windows.slice(0, -1);
	const accepted = full.reduce((sum, window) => sum + window.accepted, 0);
	const spanMs = windows[windows.length - 1].start - windows[0].start;
	const achievedPerSecond = (accepted / spanMs) * 1000;
	// A window's reset as the header states it: its end in epoch seconds, rounded up.
	const bestSpanMs = full.reduce(
		(sum, window) => sum + Math.ceil((window.start + windowMs) / 1000) * 1000 - window.start,
		0,
	);
	return {
		windows,
		achievedPerSecond,
		allowedPerSecond,
		efficiency: achievedPerSecond / allowedPerSecond,
		informedEfficiency: ((accepted / limit / full.length) * bestSpanMs) / spanMs,
	};
}
