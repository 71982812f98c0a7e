/**
 * Building blocks for operation schemas. n8n hands an empty optional field over as '' (or an
 * empty collection as {}); those mean "not set" and are left out of the request, so that an
 * empty field never sends an empty value to the provider.
 */
import { z } from 'zod';
import { dateInputToString, toMidnightUtcDate, toOffsetDateTime, toUtcIso } from './dates';
import { checkPhoneNumber } from './phone';
import type { ValidationEnv } from './types';
import { WEB_ADDRESS } from './validate';

const isBlank = (value: unknown) =>
	value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** Makes a schema optional where n8n's "not set" ('' / null / undefined) becomes undefined. */
export function optional<T extends z.ZodTypeAny>(schema: T) {
	return z.preprocess((value) => (isBlank(value) ? undefined : value), schema.optional());
}

/** A required text; `max` is the documented maximum length. Surrounding spaces are trimmed. */
export function text(limits: { min?: number; max?: number } = {}) {
	let schema = z
		.string()
		.trim()
		.min(Math.max(1, limits.min ?? 1));
	if (limits.max !== undefined) schema = schema.max(limits.max);
	// Numbers from a spreadsheet column (an ID such as 81260683) are sent as the documented string.
	return z.preprocess((value) => (typeof value === 'number' ? String(value) : value), schema);
}

export function uuid() {
	// min(1) first, so that an empty value reads "is empty" rather than "is not a valid ID".
	return z.string().trim().min(1).uuid();
}

/**
 * A phone number sent in E.164. A number-typed value (a spreadsheet cell) is read exactly like the
 * same digits as text, so a national number is refused whatever its type, unless the run has a
 * Default Country Code (`env.defaultCountryCode`).
 */
export function phoneNumber(env: ValidationEnv) {
	return z.preprocess(
		(value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value),
		z
			.string()
			.min(1)
			.transform((value, ctx) => {
				const checked = checkPhoneNumber(value, env.defaultCountryCode);
				if (!checked.ok) {
					// The reason it gives (no country code, a length the country does not have, …) is the message.
					ctx.addIssue({ code: z.ZodIssueCode.custom, message: checked.problem });
					return z.NEVER;
				}
				return checked.e164;
			}),
	);
}

function dateInput(rule: string) {
	return z.unknown().transform((value, ctx) => {
		const asText = dateInputToString(value);
		if (asText === undefined || asText === '') {
			ctx.addIssue({ code: z.ZodIssueCode.custom, message: rule });
			return z.NEVER;
		}
		return asText;
	});
}

const DATE_OF_BIRTH_RULE =
	'is not a date of birth: enter a date such as 1988-03-22 (year-month-day), not in the future';

/**
 * A date of birth, sent as `YYYY-MM-DDT00:00:00.000Z` like a documentation example (e.g. HelloAnnie's
 * Start Outbound Call page).
 */
export function dateOfBirth(env: ValidationEnv) {
	return dateInput(DATE_OF_BIRTH_RULE).transform((value, ctx) => {
		const date = toMidnightUtcDate(value);
		if (date === undefined || Date.parse(date) > env.now) {
			ctx.addIssue({ code: z.ZodIssueCode.custom, message: DATE_OF_BIRTH_RULE });
			return z.NEVER;
		}
		return date;
	});
}

const DATE_TIME_RULE =
	"is not a date and time: enter one such as 2025-03-10T15:00:00-06:00 (without the -06:00 part, the workflow's time zone applies)";

/** A date-time sent with its UTC offset; the parsed instant is kept for ordering checks. */
export function offsetDateTime(env: ValidationEnv) {
	return dateInput(DATE_TIME_RULE).transform((value, ctx) => {
		const parsed = toOffsetDateTime(value, env.timeZone);
		if (parsed === undefined) {
			ctx.addIssue({ code: z.ZodIssueCode.custom, message: DATE_TIME_RULE });
			return z.NEVER;
		}
		return parsed;
	});
}

const utcRule = (future: boolean) =>
	`is not a${future ? ' future' : ''} date and time: enter one such as 2026-04-01T10:00:00Z (without the Z or a part like -06:00, the workflow's time zone applies)`;

/** An instant sent as ISO 8601 UTC with `Z`. */
export function utcDateTime(env: ValidationEnv, options: { future?: boolean } = {}) {
	const rule = utcRule(Boolean(options.future));
	return dateInput(rule).transform((value, ctx) => {
		const parsed = toUtcIso(value, env.timeZone);
		if (parsed === undefined || (options.future && parsed.epochMs <= env.now)) {
			ctx.addIssue({ code: z.ZodIssueCode.custom, message: rule });
			return z.NEVER;
		}
		return parsed.text;
	});
}

/** Drops undefined members, and the whole object when nothing is left (an empty n8n collection). */
export function compact<T extends Record<string, unknown>>(
	value: T | undefined,
): Partial<T> | undefined {
	if (!value) return undefined;
	const entries = Object.entries(value).filter(([, v]) => v !== undefined);
	return entries.length ? (Object.fromEntries(entries) as Partial<T>) : undefined;
}

export function httpUrl() {
	return z
		.string()
		.trim()
		.url()
		.refine((value) => /^https?:\/\//i.test(value), WEB_ADDRESS);
}

const STRING_MAP_RULE =
	'is not a list of names with values: give each entry a name of its own and a text, number or true/false value (an expression may give a JSON object such as {"patientId": "PAT-10432"})';

/**
 * Key/value pairs sent as an object of strings: from an n8n list of {key, value} or from a JSON
 * object (or its text) given by an expression. Numbers and booleans become their text; nested
 * objects, arrays and nulls are refused rather than guessed.
 */
export function stringMap() {
	return z.unknown().transform((value, ctx) => {
		let source: unknown = value;
		if (typeof source === 'string') {
			try {
				source = JSON.parse(source);
			} catch {
				ctx.addIssue({ code: z.ZodIssueCode.custom, message: STRING_MAP_RULE });
				return z.NEVER;
			}
		}
		const pairs: Array<[unknown, unknown]> = Array.isArray(source)
			? source.map((entry) => [
					(entry as { key?: unknown })?.key,
					(entry as { value?: unknown })?.value,
				])
			: source && typeof source === 'object'
				? Object.entries(source)
				: [];
		if (!Array.isArray(source) && (typeof source !== 'object' || source === null)) {
			ctx.addIssue({ code: z.ZodIssueCode.custom, message: STRING_MAP_RULE });
			return z.NEVER;
		}
		const result: Record<string, string> = {};
		for (const [key, entry] of pairs) {
			const ok =
				typeof key === 'string' &&
				key.trim() !== '' &&
				!(key.trim() in result) &&
				(typeof entry === 'string' || typeof entry === 'number' || typeof entry === 'boolean');
			if (!ok) {
				ctx.addIssue({ code: z.ZodIssueCode.custom, message: STRING_MAP_RULE });
				return z.NEVER;
			}
			result[(key as string).trim()] = String(entry);
		}
		return Object.keys(result).length ? result : undefined;
	});
}

/** How many different values of one field are remembered in a run before it is checked item by item. */
const REMEMBERED_VALUES = 16;

/** Marks `undefined` in a value's key, which JSON would drop. */
const UNDEFINED_MARK = '\u0000undefined';

/**
 * A text key of a value made only of JSON data (text, finite numbers, true/false, null, lists and
 * plain objects), or undefined for anything else (a date object, a class instance, an object
 * with its own toJSON, a cycle), which is then checked as it is rather than by a key that could
 * mistake it for its text.
 */
function plainDataKey(value: unknown): string | undefined {
	let plain = true;
	const visit = function (this: Record<string, unknown>, name: string, seen: unknown): unknown {
		const original = this[name];
		if (original === undefined) return UNDEFINED_MARK;
		if (typeof original === 'string') {
			if (original.startsWith(UNDEFINED_MARK)) plain = false;
		} else if (typeof original === 'number') {
			if (!Number.isFinite(original)) plain = false;
		} else if (typeof original === 'object' && original !== null) {
			const prototype = Object.getPrototypeOf(original) as unknown;
			if (
				!Array.isArray(original) &&
				((prototype !== Object.prototype && prototype !== null) ||
					typeof (original as { toJSON?: unknown }).toJSON === 'function')
			)
				plain = false;
		} else if (typeof original !== 'boolean' && original !== null) plain = false;
		return seen;
	};
	try {
		const key = JSON.stringify(value, visit);
		return plain ? key : undefined;
	} catch {
		return undefined;
	}
}

/**
 * A field that is usually the same for every item (a collection typed into the panel, such as
 * Additional Fields or Webhooks): each different value is checked once per run and the items
 * that hold it get a copy of that answer. zod's checks of every row were the largest share of
 * what a 10,000-row Create Many allocates, and what raised n8n's memory peak (`npm run bench`,
 * memory scenario). The answer is the
 * schema's own, issues and their paths included; a field whose values keep changing (an
 * expression per row) is checked item by item once it has had REMEMBERED_VALUES different ones.
 *
 * Build the schema once per run (as the router does): what it remembers lives as long as it.
 */
export function checkedOncePerValue<T extends z.ZodTypeAny>(
	schema: T,
): z.ZodType<z.output<T>, z.ZodTypeDef, unknown> {
	const answers = new Map<string, z.SafeParseReturnType<unknown, z.output<T>>>();
	// Set once the field has had more different values than are remembered: from then on each
	// item is checked as it comes, without working out a key no answer is kept for.
	let changesPerItem = false;
	return z.unknown().transform((value, ctx) => {
		const key = changesPerItem ? undefined : plainDataKey(value);
		let answer = key === undefined ? undefined : answers.get(key);
		if (!answer) {
			answer = schema.safeParse(value) as z.SafeParseReturnType<unknown, z.output<T>>;
			if (key !== undefined) {
				if (answers.size < REMEMBERED_VALUES) answers.set(key, answer);
				else changesPerItem = true;
			}
		}
		if (!answer.success) {
			for (const issue of answer.error.issues) ctx.addIssue(issue as z.IssueData);
			return z.NEVER;
		}
		const data: z.output<T> = answer.data;
		return data !== null && typeof data === 'object'
			? (structuredClone(data) as z.output<T>)
			: data;
	});
}
