/**
 * The ended-call vocabulary: the same fields, with the same names and values, for the three
 * providers, so that a workflow routes the end of a call with one Switch node whichever provider
 * placed it. Each provider says how its own call reads in these words (its `describe` function,
 * in its own folder); this file holds the words, the list of end reasons, the rules every
 * provider's description follows, and where the fields go in an item. The provider's own fields
 * are never changed or dropped: the vocabulary is added beside them.
 *
 * docs/call-outcomes.md is the user's side: what each value means, and the published page each
 * provider's value comes from.
 */
import type { IDataObject } from 'n8n-workflow';

/**
 * How a call ended, one list for every provider. Each value is what a provider's published pages
 * say of a call (docs/call-outcomes.md maps each provider value to one); `unknown` is an ended
 * call whose provider value the mapping does not know, or whose provider does not say how it ended.
 */
export const END_REASONS = [
	'completed',
	'voicemail',
	'no_answer',
	'busy',
	'failed',
	'cancelled',
	'do_not_call',
	'call_later',
	'transferred',
	'ivr',
	'unknown',
] as const;

export type EndReason = (typeof END_REASONS)[number];

/** A call in the shared words: the fields every item that describes a call carries. */
export interface CallOutcome {
	callEnded: boolean;
	/** Null while the call has not ended; `unknown` rather than a guess once it has. */
	endReason: EndReason | null;
	/** When the person asked to be called back (an ISO time), as the provider gives it. */
	callBackAt: string | null;
	/** The provider's AI-extracted outcome, as the provider words it. */
	outcome: string | null;
	summary: string | null;
	durationSeconds: number | null;
}

/** A provider's reading of one of its calls (a read, a Get answer, a callback payload). */
export type DescribeCall = (call: IDataObject) => CallOutcome;

/** What a provider knows of a call; anything it does not say stays null. */
interface CallFacts {
	ended: boolean;
	/** How it ended, when the provider says it in a way the mapping knows. */
	endReason?: EndReason;
	callBackAt?: string | null;
	outcome?: string | null;
	summary?: string | null;
	durationSeconds?: number | null;
}

/**
 * The vocabulary for what a provider knows of a call, with the rules that hold for all of them:
 * a call that has not ended has no end reason (null), and an ended one whose reason the mapping
 * does not know is `unknown`, never a guess.
 */
export function callOutcome(facts: CallFacts): CallOutcome {
	return {
		callEnded: facts.ended,
		endReason: facts.ended ? (facts.endReason ?? 'unknown') : null,
		callBackAt: facts.callBackAt ?? null,
		outcome: facts.outcome ?? null,
		summary: facts.summary ?? null,
		durationSeconds: facts.durationSeconds ?? null,
	};
}

/** The item of a call the provider was never read about: nothing known, so not ended. */
export const NOTHING_KNOWN: Readonly<CallOutcome> = Object.freeze(callOutcome({ ended: false }));

/** The vocabulary's fields in the order they take in an item. */
const VOCABULARY_FIELDS: ReadonlyArray<keyof CallOutcome> = [
	'callEnded',
	'endReason',
	'callBackAt',
	'outcome',
	'summary',
	'durationSeconds',
];

/**
 * An item describing a call: the `leading` fields of `call` that it has (its ID, its status)
 * first, then the vocabulary, then the rest of the provider's fields in the provider's order.
 * A provider field that shares a vocabulary field's name (HelloAnnie's `summary`) holds the same
 * value, since the provider's description reads it from there.
 */
export function describedCall(
	call: IDataObject,
	outcome: CallOutcome,
	leading: readonly string[],
): IDataObject {
	const item: IDataObject = {};
	for (const key of leading) if (call[key] !== undefined) item[key] = call[key];
	for (const key of VOCABULARY_FIELDS) item[key] = outcome[key];
	for (const [key, value] of Object.entries(call)) if (!(key in item)) item[key] = value;
	return item;
}

/* Reading provider values: each gives null for what is not there or not of the documented kind. */

/** A text as the provider sent it. */
export function textOf(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}

/**
 * A number of seconds from a number or a decimal string (AlloMia documents `callDurationSeconds`
 * as a string): null for anything else, a negative number included.
 */
export function secondsOf(value: unknown): number | null {
	const seconds =
		typeof value === 'number'
			? value
			: typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
				? Number(value)
				: Number.NaN;
	return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** An ISO 8601 date-time with its offset (Z or ±hh:mm), kept as the provider wrote it. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO time as the provider wrote it; null for anything else (a date without its offset is ambiguous). */
export function isoTimeOf(value: unknown): string | null {
	return typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))
		? value
		: null;
}

/** A nested object of a provider's answer (AICaller's `statusExtraInfo`), or an empty one. */
export function objectOf(value: unknown): IDataObject {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as IDataObject)
		: {};
}

/** The value a provider's word maps to, only for the words the table itself lists. */
export function lookUp<T>(table: Readonly<Record<string, T>>, word: unknown): T | undefined {
	return typeof word === 'string' && Object.prototype.hasOwnProperty.call(table, word)
		? table[word]
		: undefined;
}
