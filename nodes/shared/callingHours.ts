/**
 * Calling hours: whether an instant falls inside a weekly window of local times in a time zone
 * (e.g. 09:00–20:00, Monday to Saturday, America/Chicago), and if not, when the window next opens.
 * A window whose latest time is before its earliest crosses midnight (20:00–02:00): it belongs to
 * the day it opens on. Local times are turned into instants with the zone's offset on that date,
 * so daylight-saving changes move the instants, not the local times.
 */
import { toOffsetDateTime, zoneOffsetMinutes } from './dates';

export const WEEKDAYS = [
	'sunday',
	'monday',
	'tuesday',
	'wednesday',
	'thursday',
	'friday',
	'saturday',
] as const;

export interface CallingHours {
	timeZone: string;
	/** Minutes after local midnight. */
	earliest: number;
	latest: number;
	/** Days (0 = Sunday) on which the window opens. */
	days: Set<number>;
}

export type WindowCheck = { open: true } | { open: false; nextAllowedAt: number };

/** `9:00`, `09:00`, `20:30` → minutes after midnight; undefined for anything else. */
export function parseClock(text: string): number | undefined {
	const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
	if (!match) return undefined;
	const [hours, minutes] = [Number(match[1]), Number(match[2])];
	return hours <= 23 && minutes <= 59 ? hours * 60 + minutes : undefined;
}

export function isTimeZone(name: string): boolean {
	if (!name.trim()) return false;
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: name });
		return true;
	} catch {
		return false;
	}
}

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar date (as a UTC midnight, for day arithmetic) of an instant in a zone. */
function localDate(utcMs: number, timeZone: string): number {
	const local = new Date(utcMs + zoneOffsetMinutes(utcMs, timeZone) * 60_000);
	return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
}

/** The instant of a local wall time on a local date in a zone. */
function instantOf(date: number, minutes: number, timeZone: string): number {
	const day = new Date(date);
	const wall = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}T${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00`;
	const parsed = toOffsetDateTime(wall, timeZone);
	// Always parses: the text is built from a real date and a valid clock time.
	return parsed ? parsed.epochMs : date + minutes * 60_000;
}

export function checkCallingHours(hours: CallingHours, at: number): WindowCheck {
	const today = localDate(at, hours.timeZone);
	let next: number | undefined;
	// Yesterday's window may still be open (across midnight); a week ahead always holds one.
	for (let offset = -1; offset <= 8; offset++) {
		const date = today + offset * DAY_MS;
		if (!hours.days.has(new Date(date).getUTCDay())) continue;
		const start = instantOf(date, hours.earliest, hours.timeZone);
		const endDate = hours.latest > hours.earliest ? date : date + DAY_MS;
		const end = instantOf(endDate, hours.latest, hours.timeZone);
		if (start <= at && at < end) return { open: true };
		if (start > at && (next === undefined || start < next)) next = start;
	}
	// Only without any day, which the guard refuses before asking.
	return { open: false, nextAllowedAt: next ?? at };
}
