/**
 * The pre-dial guard of every operation that places a call or sends an SMS (Options →
 * Deduplication Key, Calling Hours). It runs after an item's fields passed validation and
 * before anything is sent:
 * - Calling Hours: an item outside its window is not sent; it comes out as a skipped item with
 *   `nextAllowedAt`, or, where the provider can schedule a call (AICaller), goes out scheduled
 *   for that moment.
 * - Deduplication Key: the key is claimed in n8n's own deduplication store (the one behind the
 *   Remove Duplicates node, kept in n8n's database, scoped to this node) before the request is
 *   sent. A create the provider definitely refused releases it, so the item can be run again; a
 *   create that may have reached the provider keeps it, so the item is never dialed twice.
 * A skipped item is never dropped and never an error: it is an output item paired to its input,
 * `{ skipped: true, skipReason, … }`, which an IF node can route.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import { checkCallingHours, isTimeZone, parseClock, WEEKDAYS, type CallingHours } from './callingHours';
import { OUTCOME_UNCERTAIN } from './transport';
import type { DialSupport } from './types';

/**
 * Entries kept per node; the oldest are forgotten first (n8n's store prunes them). Each claim
 * keeps its key and a token (see claim), so this keeps the last 5,000 keys at least.
 */
export const KEYS_KEPT = 10_000;

const STORE_OPTIONS = { mode: 'entries', maxEntries: KEYS_KEPT } as const;


const titleCase = (day: string) => day[0].toUpperCase() + day.slice(1);

export function guardOptions(dials: DialSupport): INodeProperties[] {
	const placed = dials.places === 'SMS' ? 'SMS' : 'call';
	const hours: INodeProperties[] = [
		{
			displayName: 'Time Zone',
			name: 'timeZone',
			type: 'string',
			default: '',
			placeholder: 'America/New_York',
			description:
				'Time zone of the person reached, as a name such as America/New_York or Europe/Paris. Map it from the input to use each item\'s own zone. Empty: the workflow\'s time zone.',
		},
		{
			displayName: 'Earliest',
			name: 'earliest',
			type: 'string',
			default: '09:00',
			placeholder: '09:00',
			description: 'Local time (24-hour, HH:MM) from which sending is allowed',
		},
		{
			displayName: 'Latest',
			name: 'latest',
			type: 'string',
			default: '20:00',
			placeholder: '20:00',
			description:
				'Local time (24-hour, HH:MM) until which sending is allowed. Earlier than Earliest means the window runs past midnight.',
		},
		{
			displayName: 'Days',
			name: 'days',
			type: 'multiOptions',
			options: WEEKDAYS.map((day) => ({ name: titleCase(day), value: day })),
			default: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
			description: 'Days on which the window opens',
		},
	];
	if (dials.schedule) {
		hours.push({
			displayName: 'Outside Calling Hours',
			name: 'outsideHours',
			type: 'options',
			options: [
				{ name: 'Skip Item', value: 'skip', description: 'Send nothing; output the item as skipped with nextAllowedAt' },
				{
					name: 'Schedule for Next Allowed Time',
					value: 'schedule',
					description: 'Create the call now, set to dial at the next allowed moment (callDelayedUntil)',
				},
			],
			default: 'skip',
		});
	}
	const options: INodeProperties[] = [
		{
			displayName: 'Calling Hours',
			name: 'callingHours',
			type: 'fixedCollection',
			placeholder: 'Add Calling Hours',
			default: {},
			description: `Only send a ${placed} inside these local hours`,
			options: [{ displayName: 'Hours', name: 'hours', values: hours }],
		},
		{
			displayName: 'Deduplication Key',
			name: 'deduplicationKey',
			type: 'string',
			default: '',
			placeholder: '{{ $json.appointmentId }}',
			description: `A value that identifies what this ${placed} is for, e.g. the appointment ID. A key this node already used for an accepted ${placed}, in this or an earlier execution, is skipped. Empty: off.`,
		},
		{
			displayName: 'Forget Deduplication Keys (Send Nothing)',
			name: 'forgetDeduplicationKeys',
			type: 'boolean',
			default: false,
			description: `Whether to forget each item's Deduplication Key instead of sending, so that a later run may send a ${placed} for it again. Nothing is sent while this is on.`,
		},
	];
	const only = dials.onlyWhen;
	// A leading slash points at the operation's own field from inside the Options collection.
	return only ? options.map((option) => ({ ...option, displayOptions: { show: { [`/${only.field}`]: [only.value] } } })) : options;
}

export type Admission<T> = { input: T } | { output: IDataObject };

/** An item that passed the guard's checks, with the key it still has to claim. */
export interface Checked<T> {
	itemIndex: number;
	input: T;
	key?: string;
}

/**
 * How long a claim settles before it is checked. n8n's store reads a node's keys and writes them
 * back; two executions doing that at the same moment (two workers, one duplicate webhook each)
 * both see the key as new, and the later write drops the earlier one's. Each claim therefore
 * records the key with a token of its own, waits, and reads again: only the claim whose token
 * survived goes on. This holds as long as every read-and-write of the store takes less than this.
 */
export const CLAIM_SETTLE_MS = 1000;
const CLAIM_ROUNDS = 8;

/** One guard per node run; it remembers which item claimed which key. */
export class PreDialGuard {
	private readonly claimed = new Map<number, string>();

	constructor(
		private readonly fn: IExecuteFunctions,
		private readonly dials: DialSupport,
	) {}

	private option<T>(name: string, itemIndex: number, fallback: T): T {
		return this.fn.getNodeParameter(`requestOptions.${name}`, itemIndex, fallback) as T;
	}

	private fail(itemIndex: number, message: string): NodeOperationError {
		return new NodeOperationError(this.fn.getNode(), message, { itemIndex, description: 'Nothing was sent for this item.' });
	}

	private readKey(itemIndex: number): string | undefined {
		const raw = this.option<unknown>('deduplicationKey', itemIndex, '');
		if (raw === undefined || raw === null) return undefined;
		if (typeof raw === 'object') {
			throw this.fail(itemIndex, 'Options → Deduplication Key (deduplicationKey) is a group of fields or a list: map a text or a number to it, such as the appointment ID');
		}
		const key = String(raw).trim();
		return key === '' ? undefined : key;
	}

	private readHours(itemIndex: number): (CallingHours & { schedule: boolean }) | undefined {
		const raw = this.option<IDataObject>('callingHours.hours', itemIndex, {});
		if (!raw || typeof raw !== 'object' || Object.keys(raw).length === 0) return undefined;
		const zone = String(raw.timeZone ?? '').trim() || this.fn.getTimezone();
		if (!isTimeZone(zone)) {
			throw this.fail(itemIndex, 'Calling Hours → Time Zone (timeZone) is not a time zone name: enter one such as America/New_York or Europe/Paris, or leave it empty for the workflow\'s time zone');
		}
		const earliest = parseClock(String(raw.earliest ?? '09:00'));
		const latest = parseClock(String(raw.latest ?? '20:00'));
		if (earliest === undefined) throw this.fail(itemIndex, 'Calling Hours → Earliest (earliest) is not a time of day: enter one such as 09:00 (24-hour clock)');
		if (latest === undefined) throw this.fail(itemIndex, 'Calling Hours → Latest (latest) is not a time of day: enter one such as 20:00 (24-hour clock)');
		if (earliest === latest) throw this.fail(itemIndex, 'Calling Hours → Latest (latest) is the same as Earliest, which leaves no time to call: set Latest later than Earliest');
		const days = new Set(
			(Array.isArray(raw.days) ? raw.days : []).map((day) => WEEKDAYS.indexOf(String(day) as (typeof WEEKDAYS)[number])).filter((d) => d >= 0),
		);
		if (days.size === 0) throw this.fail(itemIndex, 'Calling Hours → Days (days) has no day selected: select at least one day');
		return { timeZone: zone, earliest, latest, days, schedule: raw.outsideHours === 'schedule' && Boolean(this.dials.schedule) };
	}

	/** Forget mode and calling hours: whether the item may go on to claim its key and be sent. */
	async check<T>(itemIndex: number, input: T): Promise<Checked<T> | { itemIndex: number; output: IDataObject }> {
		const key = this.readKey(itemIndex);
		if (this.option('forgetDeduplicationKeys', itemIndex, false)) {
			if (!key) throw this.fail(itemIndex, 'Options → Deduplication Key (deduplicationKey) is empty: give the key to forget, or turn off Forget Deduplication Keys');
			await this.fn.helpers.removeProcessed([key], 'node', STORE_OPTIONS);
			return { itemIndex, output: { deduplicationKey: key, keyForgotten: true } };
		}
		const only = this.dials.onlyWhen;
		// An item that places nothing (a chat conversation) has no key to claim and no hours to keep.
		if (only && (input as IDataObject)[only.field] !== only.value) return { itemIndex, input };
		let admitted = input;
		const hours = this.readHours(itemIndex);
		if (hours) {
			const planned = this.dials.schedule?.plannedAt(input as IDataObject);
			// A call set for a later moment is checked at that moment (one set in the past goes out now).
			const plannedMs = planned ? Date.parse(planned) : NaN;
			const window = checkCallingHours(hours, Number.isFinite(plannedMs) ? Math.max(plannedMs, Date.now()) : Date.now());
			if (!window.open) {
				const nextAllowedAt = new Date(window.nextAllowedAt).toISOString();
				if (!hours.schedule || !this.dials.schedule) {
					const output: IDataObject = { skipped: true, skipReason: 'outsideCallingHours', nextAllowedAt, timeZone: hours.timeZone };
					if (key) output.deduplicationKey = key;
					return { itemIndex, output };
				}
				admitted = this.dials.schedule.setPlannedAt(input as IDataObject, nextAllowedAt) as T;
			}
		}
		return { itemIndex, input: admitted, key };
	}

	/** One item: check, then claim its key. */
	async admit<T>(itemIndex: number, input: T): Promise<Admission<T>> {
		const checked = await this.check(itemIndex, input);
		if ('output' in checked) return checked;
		const duplicates = await this.claim([checked]);
		return duplicates.get(itemIndex) ? { output: duplicates.get(itemIndex)! } : { input: checked.input };
	}

	/**
	 * Claims the keys of these items together (one settle time for all). Returns the outputs of
	 * the items that are duplicates: of an earlier claim, or of an earlier item in this list.
	 */
	async claim<T>(items: Array<Checked<T>>): Promise<Map<number, IDataObject>> {
		const duplicates = new Map<number, IDataObject>();
		const pending = new Map<string, { itemIndex: number; token: string }>();
		for (const { itemIndex, key } of items) {
			if (key === undefined) continue;
			if (pending.has(key)) duplicates.set(itemIndex, duplicateOutput(key));
			// Tokens stay in the store (removing one is another write that could drop others' keys);
			// they are hashed like the keys and leave the store with the oldest entries.
			else pending.set(key, { itemIndex, token: `${key}\u001f${this.fn.getExecutionId()}:${itemIndex}:${Math.random().toString(36).slice(2)}` });
		}
		let round = await this.record(pending);
		for (let attempt = 0; pending.size > 0; attempt++) {
			for (const [key, { itemIndex, token }] of pending) {
				if (attempt === 0 && round.has(key)) {
					// Recorded before this run: a duplicate. Its token was recorded with it.
					duplicates.set(itemIndex, duplicateOutput(key));
					pending.delete(key);
				} else if (attempt > 0 && round.has(token)) {
					this.claimed.set(itemIndex, key);
					pending.delete(key);
				} else if (attempt > 0 && round.has(key)) {
					// Another execution claimed the same key at the same moment and its write won.
					duplicates.set(itemIndex, duplicateOutput(key));
					pending.delete(key);
				}
				// Neither: a concurrent write dropped both; the check just recorded them again.
			}
			if (pending.size === 0) break;
			if (attempt >= CLAIM_ROUNDS) {
				const [{ itemIndex }] = pending.values();
				throw this.fail(itemIndex, 'Options → Deduplication Key (deduplicationKey) could not be recorded, because other executions kept recording keys at the same moment: run the item again');
			}
			await sleep(CLAIM_SETTLE_MS);
			round = await this.record(pending);
		}
		return duplicates;
	}

	/** Records the pending keys and tokens; returns those that were already there. */
	private async record(pending: Map<string, { token: string }>): Promise<Set<string>> {
		if (pending.size === 0) return new Set();
		const values = [...pending].flatMap(([key, { token }]) => [key, token]);
		let result;
		try {
			result = await this.fn.helpers.checkProcessedAndRecord(values, 'node', STORE_OPTIONS);
		} catch {
			// The node's first keys: two executions creating its entry at once, one of them fails. Once more.
			await sleep(Math.round(CLAIM_SETTLE_MS * Math.random()));
			result = await this.fn.helpers.checkProcessedAndRecord(values, 'node', STORE_OPTIONS);
		}
		return new Set(result.processed.map(String));
	}

	/**
	 * After a failed send of these items (one item, or one batch): a definite refusal releases
	 * their keys; an uncertain outcome keeps them, and the error says so. Returns the error to throw.
	 */
	async settleFailure(itemIndexes: number[], error: unknown): Promise<unknown> {
		const keys = itemIndexes.flatMap((itemIndex) => {
			const key = this.claimed.get(itemIndex);
			this.claimed.delete(itemIndex);
			return key === undefined ? [] : [key];
		});
		if (keys.length === 0) return error;
		const refused = isDefiniteRefusal(error);
		if (refused) await this.fn.helpers.removeProcessed(keys, 'node', STORE_OPTIONS);
		if (error instanceof NodeApiError || error instanceof NodeOperationError) {
			const note = refused
				? 'Its Deduplication Key was released, so it can be run again.'
				: 'Its Deduplication Key stays recorded, so this node will not send it again. Once you have checked with the provider that nothing went out, run this node for the item with Options → Forget Deduplication Keys on, then run it again.';
			error.description = error.description ? `${error.description}\n${note}` : note;
		}
		return error;
	}

	/** Items claimed but never sent (the node stopped first) give their keys back. */
	async releaseUnsent(itemIndexes: number[]): Promise<void> {
		const keys = itemIndexes.flatMap((itemIndex) => {
			const key = this.claimed.get(itemIndex);
			this.claimed.delete(itemIndex);
			return key === undefined ? [] : [key];
		});
		if (keys.length) await this.fn.helpers.removeProcessed(keys, 'node', STORE_OPTIONS);
	}
}

const duplicateOutput = (key: string): IDataObject => ({ skipped: true, skipReason: 'duplicate', deduplicationKey: key });

/** A provider's 4xx answer, or a failure before sending: nothing was placed. */
export function isDefiniteRefusal(error: unknown): boolean {
	// The transport marks every create failure that may have reached the provider (5xx, timeout,
	// reset, unreadable answer); the rest were refused (4xx) or never sent (connection refused).
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return !error.context?.[OUTCOME_UNCERTAIN];
	return false;
}
