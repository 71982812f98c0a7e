/**
 * Calls that end by themselves, as real ones do: `npm run dev:sandbox` and `npm run demo` start
 * the sandbox with this on, so that a call placed from the editor ends after a short time with
 * one of the outcomes a clinic meets (answered, no answer, voicemail, busy). Tests leave it off:
 * there a call only ends when the test ends it (or through a provider's autoCompleteAfterMs).
 *
 * Each provider shows the outcome in its own documented (or sandbox-decided) terms; see the
 * providers' `endCallAs` functions and README.md, "Calls that end by themselves".
 */

export type CallEndOutcome = 'completed' | 'no-answer' | 'voicemail' | 'busy';

export const CALL_END_OUTCOMES: readonly CallEndOutcome[] = [
	'completed',
	'no-answer',
	'voicemail',
	'busy',
];

export interface CallEndingOptions {
	/** A call ends after a time drawn evenly between minMs and maxMs after it was placed. */
	minMs: number;
	maxMs: number;
	/**
	 * Relative weights of the outcomes; missing ones count 0. Default DEFAULT_OUTCOME_WEIGHTS:
	 * most calls are answered, some not, a few reach voicemail or a busy line.
	 */
	outcomes?: Partial<Record<CallEndOutcome, number>>;
	/** A number in [0, 1), Math.random by default; tests give their own to fix the draws. */
	random?: () => number;
}

export const DEFAULT_OUTCOME_WEIGHTS: Readonly<Record<CallEndOutcome, number>> = {
	completed: 6,
	'no-answer': 2,
	voicemail: 1,
	busy: 1,
};

/** What dev:sandbox and the demo use unless told otherwise: 15–45 s, the default spread. */
export const DEV_CALL_ENDING: CallEndingOptions = { minMs: 15_000, maxMs: 45_000 };

/** Throws on options that could never end a call (negative or reversed times, no outcome). */
export function checkCallEnding(options: CallEndingOptions): void {
	const { minMs, maxMs } = options;
	if (!(Number.isFinite(minMs) && Number.isFinite(maxMs) && minMs >= 0 && maxMs >= minMs))
		throw new Error('call ending needs 0 <= minMs <= maxMs');
	const weights = Object.entries(options.outcomes ?? DEFAULT_OUTCOME_WEIGHTS);
	for (const [outcome, weight] of weights) {
		if (!CALL_END_OUTCOMES.includes(outcome as CallEndOutcome))
			throw new Error(`unknown call outcome "${outcome}" (${CALL_END_OUTCOMES.join(', ')})`);
		if (!(Number.isFinite(weight) && weight >= 0))
			throw new Error(`the weight of "${outcome}" must be a number >= 0`);
	}
	if (!weights.some(([, weight]) => weight > 0))
		throw new Error('call ending needs at least one outcome with a weight above 0');
}

/** When (ms after placing) and how the next call ends. */
export function drawCallEnding(options: CallEndingOptions): {
	afterMs: number;
	outcome: CallEndOutcome;
} {
	const random = options.random ?? Math.random;
	const afterMs = Math.round(options.minMs + (options.maxMs - options.minMs) * random());
	const weights = CALL_END_OUTCOMES.map(
		(outcome) => [outcome, (options.outcomes ?? DEFAULT_OUTCOME_WEIGHTS)[outcome] ?? 0] as const,
	).filter(([, weight]) => weight > 0);
	const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
	let point = random() * total;
	for (const [outcome, weight] of weights) {
		if (point < weight) return { afterMs, outcome };
		point -= weight;
	}
	return { afterMs, outcome: weights[weights.length - 1][0] };
}

/**
 * `15-45` (seconds) or `20` → { minMs, maxMs }; `completed=6,no-answer=2` → weights. For the
 * command-line options of dev:sandbox, the demo and the sandbox CLI.
 */
export function parseCallSeconds(text: string): { minMs: number; maxMs: number } {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*$/.exec(text);
	if (!match) throw new Error(`"${text}" is not a number of seconds or a range such as 15-45`);
	const min = Number(match[1]);
	const max = match[2] === undefined ? min : Number(match[2]);
	if (max < min)
		throw new Error(`"${text}": the range must go from the shorter to the longer time`);
	return { minMs: Math.round(min * 1000), maxMs: Math.round(max * 1000) };
}

export function parseOutcomeWeights(text: string): Partial<Record<CallEndOutcome, number>> {
	const weights: Partial<Record<CallEndOutcome, number>> = {};
	for (const part of text
		.split(',')
		.map((p) => p.trim())
		.filter(Boolean)) {
		const [name, value = '1'] = part.split('=').map((p) => p.trim());
		if (!CALL_END_OUTCOMES.includes(name as CallEndOutcome))
			throw new Error(`unknown call outcome "${name}" (${CALL_END_OUTCOMES.join(', ')})`);
		const weight = Number(value);
		if (!(Number.isFinite(weight) && weight >= 0))
			throw new Error(`the weight of "${name}" must be a number >= 0`);
		weights[name as CallEndOutcome] = weight;
	}
	return weights;
}
