/**
 * Date handling for the documented wire formats.
 *
 * Values reach a node as ISO strings (typed or from an n8n date-time picker, which gives a
 * wall-clock time without an offset), as JavaScript Dates, or as Luxon DateTimes from
 * expressions such as `{{ $now }}`. Luxon is not a dependency of this package, so its objects
 * are recognised by their `toISO` method.
 */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

interface DateLike {
	toISO(): string | null;
}

function isDateLike(value: unknown): value is DateLike {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as { toISO?: unknown }).toISO === 'function'
	);
}

/** Turns the accepted input shapes into a string, or undefined when it is none of them. */
export function dateInputToString(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim();
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
	if (isDateLike(value)) return value.toISO() ?? undefined;
	return undefined;
}

function isRealDate(year: number, month: number, day: number): boolean {
	if (month < 1 || month > 12 || day < 1) return false;
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return day <= daysInMonth;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A calendar date (a date of birth) in the form of a documentation example (e.g. HelloAnnie's
 * Start Outbound Call page): `1988-03-22T00:00:00.000Z`. The date is taken as written: a time or offset in the input
 * does not move it to another day.
 */
export function toMidnightUtcDate(input: string): string | undefined {
	const match = DATE_ONLY.exec(input) ?? DATE_TIME.exec(input);
	if (!match) return undefined;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (!isRealDate(year, month, day)) return undefined;
	return `${pad(year, 4)}-${pad(month)}-${pad(day)}T00:00:00.000Z`;
}

/** Offset of `timeZone` from UTC, in minutes, at the instant `utcMs`. */
export function zoneOffsetMinutes(utcMs: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
	}).formatToParts(new Date(utcMs));
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	const asUtc = Date.UTC(
		get('year'),
		get('month') - 1,
		get('day'),
		get('hour'),
		get('minute'),
		get('second'),
	);
	return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

function formatOffset(minutes: number): string {
	const sign = minutes < 0 ? '-' : '+';
	const abs = Math.abs(minutes);
	return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export interface OffsetDateTime {
	/** `YYYY-MM-DDTHH:mm:ss[.SSS]±HH:MM` (or `Z` where the input said Z) */
	text: string;
	/** the instant, for ordering checks */
	epochMs: number;
}

/**
 * A date-time with its UTC offset, as in a documentation example's `2025-03-10T15:00:00-06:00`
 * (e.g. HelloAnnie's Start Outbound Call page).
 * An input without an offset is a wall-clock time in `timeZone` (the workflow's time zone),
 * which is what n8n's date-time picker produces.
 */
export function toOffsetDateTime(input: string, timeZone: string): OffsetDateTime | undefined {
	const match = DATE_TIME.exec(input);
	if (!match) return undefined;
	const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
	const second = match[6] ? Number(match[6]) : 0;
	const millis = match[7] ? Number(match[7].padEnd(3, '0').slice(0, 3)) : 0;
	if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;

	const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
	let offsetText: string;
	let offsetMinutes: number;
	const zone = match[8];
	if (zone === undefined) {
		// Two passes settle the offset for wall times next to a DST change.
		let guess = zoneOffsetMinutes(wallAsUtc, timeZone);
		guess = zoneOffsetMinutes(wallAsUtc - guess * 60000, timeZone);
		offsetMinutes = guess;
		offsetText = formatOffset(guess);
	} else if (zone.toUpperCase() === 'Z') {
		offsetMinutes = 0;
		offsetText = 'Z';
	} else {
		const digits = zone.replace(':', '');
		const sign = digits.startsWith('-') ? -1 : 1;
		const hours = Number(digits.slice(1, 3));
		const mins = Number(digits.slice(3, 5));
		if (hours > 14 || mins > 59) return undefined;
		offsetMinutes = sign * (hours * 60 + mins);
		offsetText = formatOffset(offsetMinutes);
	}
	const fraction = millis ? `.${pad(millis, 3)}` : '';
	const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${offsetText}`;
	return { text, epochMs: wallAsUtc - offsetMinutes * 60000 };
}

/** An instant as ISO 8601 in UTC with `Z` (e.g. AICaller's callDelayedUntil). */
export function toUtcIso(
	input: string,
	timeZone: string,
): { text: string; epochMs: number } | undefined {
	const parsed = toOffsetDateTime(input, timeZone);
	if (!parsed) return undefined;
	return { text: new Date(parsed.epochMs).toISOString(), epochMs: parsed.epochMs };
}
