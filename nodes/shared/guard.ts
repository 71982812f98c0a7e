/**
 * The pre-dial guard of every operation that places a call or sends an SMS (Options →
 * Deduplication Key, Calling Hours). It runs after an item's fields passed validation and
 * before anything is sent:
 * - Calling Hours: an item outside its window is not sent; it comes out as a skipped item with
 *   `nextAllowedAt`, or, where the provider can schedule a call (e.g. AICaller), goes out scheduled
 *   for that moment.
 * - Deduplication Key: the key is claimed in n8n's own deduplication store (the one behind the
 *   Remove Duplicates node, kept in n8n's database, scoped to this node) before the request is
 *   sent. A create the provider definitely refused releases it, so the item can be run again; a
 *   create that may have reached the provider keeps it, so the item is never dialed twice.
 * A skipped item is never dropped and never an error: it is an output item paired to its input,
 * `{ skipped: true, skipReason, … }`, which an IF node can route. An item that was sent carries
 * `skipped: false, skipReason: null` (NOT_SKIPPED).
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import {
	checkCallingHours,
	isTimeZone,
	parseClock,
	WEEKDAYS,
	type CallingHours,
} from './callingHours';
import { errorText } from './errors';
import { nodeParameter } from './fields';
import { OUTCOME_UNCERTAIN } from './transport';
import type { DialSupport } from './types';

/**
 * How many entries n8n's store keeps for this node (its `entries` mode; the oldest are forgotten
 * first). A key that is dialed takes three entries (the key, its claim marker and the claim's
 * token, see PreDialGuard.claim); a key met again writes nothing. Chosen from `npm run bench`
 * ("Deduplication store"): n8n reads and writes a node's whole list on every claim, so its cost
 * grows with this number (docs/benchmarks.md).
 */
export const STORE_ENTRIES = 300_000;

/** Entries per key dialed: the key, its claim marker and the claim's token. */
const ENTRIES_PER_KEY = 3;

/** The keys the store keeps at least: what the option's description and the README promise. */
export const KEYS_KEPT = STORE_ENTRIES / ENTRIES_PER_KEY;

const STORE_OPTIONS = { mode: 'entries', maxEntries: STORE_ENTRIES } as const;

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
				"Time zone of the person reached, as a name such as America/New_York or Europe/Paris. Map it from the input to use each item's own zone. Empty: the workflow's time zone.",
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
	const schedule = dials.schedule;
	if (schedule) {
		hours.push({
			displayName: 'Outside Calling Hours',
			name: 'outsideHours',
			type: 'options',
			options: [
				{
					name: 'Skip Item',
					value: 'skip',
					description: 'Send nothing; output the item as skipped with nextAllowedAt',
				},
				{
					name: 'Schedule for Next Allowed Time',
					value: 'schedule',
					description: `Create the call now, set to dial at the next allowed moment (${schedule.field})`,
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
			description: `A value that identifies what this ${placed} is for, e.g. the appointment ID. A key this node already used for an accepted ${placed}, in this or an earlier execution, is skipped. The node remembers its last ${KEYS_KEPT.toLocaleString('en-US')} keys; an older key is forgotten and could be sent again. Runs started in the editor record their keys apart (the item says deduplicationScope: editorRuns): testing with a real appointment does not use up its key for the live workflow, and a key a live run already used is still skipped. Empty: off.`,
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
	return only
		? options.map((option) => ({
				...option,
				displayOptions: { show: { [`/${only.field}`]: [only.value] } },
			}))
		: options;
}

/**
 * What the item of a call or SMS that was sent carries besides the provider's answer: the skipped
 * item's first two fields, as "not skipped". Every item of a run then has them, whether or not one
 * was skipped, so that n8n's field list, an IF node on `skipped` and a sheet's columns find them.
 */
export const NOT_SKIPPED: Readonly<IDataObject> = { skipped: false, skipReason: null };

/** An item that passed the guard's checks, with the key it still has to claim. */
export interface Checked<T> {
	itemIndex: number;
	input: T;
	key?: string;
}

/** An item the guard holds back: its output, paired to it. */
export interface HeldBack {
	itemIndex: number;
	output: IDataObject;
}

/**
 * How long a claim settles before it is checked. n8n's store reads a node's keys and writes them
 * back; two executions doing that at the same moment (two workers, one duplicate webhook each)
 * both see the key as new, and the later write drops the earlier one's. Each claim therefore
 * records a marker of the key with a token of its own, waits, and reads again: only the claim
 * whose token survived goes on. This holds as long as every read-and-write of the store takes
 * less than this.
 */
const CLAIM_SETTLE_MS = 1000;
const CLAIM_ROUNDS = 8;
const CLAIM_CONTENDED =
	'Options → Deduplication Key (deduplicationKey) could not be recorded, because other executions kept recording keys at the same moment: run the node again';

/** What the store holds for a key: the key itself, and the marker its claim is decided on. */
const CLAIM_MARKER = '\u001fclaim\u001f';

/**
 * Where runs started in the editor (manual executions) record their keys: apart from the
 * production runs' (trigger, webhook, schedule). A builder who tests with a real appointment
 * does not use up its key: the live workflow still calls that patient. Editor runs still skip a
 * key a production run already used, and one an earlier editor run used.
 */
const EDITOR_RUNS = '\u001feditor\u001f';

interface PendingClaim {
	itemIndex: number;
	key: string;
	marker: string;
	token: string;
}

/** One guard per node run; it remembers which item claimed which key. */
export class PreDialGuard {
	private readonly claimed = new Map<number, PendingClaim>();

	/** Whether this run was started in the editor: its keys are recorded apart (EDITOR_RUNS). */
	private readonly editorRun: boolean;

	constructor(
		private readonly fn: IExecuteFunctions,
		private readonly dials: DialSupport,
	) {
		this.editorRun = fn.getMode() === 'manual';
	}

	/** Which runs' keys an item's key counts against: what the item says of it. */
	private get scope(): string {
		return this.editorRun ? 'editorRuns' : 'production';
	}

	/** A value as this run stores it. */
	private stored(value: string): string {
		return this.editorRun ? `${EDITOR_RUNS}${value}` : value;
	}

	/**
	 * What the item of a call or SMS that was sent carries besides the provider's answer:
	 * NOT_SKIPPED, and in an editor run the key and where it was recorded.
	 */
	sentFields(checked: Checked<unknown>): IDataObject {
		if (!this.editorRun || checked.key === undefined) return NOT_SKIPPED;
		return { ...NOT_SKIPPED, deduplicationKey: checked.key, deduplicationScope: this.scope };
	}

	private duplicate(key: string, scope = this.scope): IDataObject {
		return this.editorRun
			? { ...duplicateOutput(key), deduplicationScope: scope }
			: duplicateOutput(key);
	}

	private option<T>(name: string, itemIndex: number, fallback: T): T {
		return nodeParameter(this.fn, `requestOptions.${name}`, itemIndex, fallback) as T;
	}

	private fail(itemIndex: number, message: string): NodeOperationError {
		return new NodeOperationError(this.fn.getNode(), message, {
			itemIndex,
			description: 'Nothing was sent for this item.',
		});
	}

	private readKey(itemIndex: number): string | undefined {
		const raw = this.option<unknown>('deduplicationKey', itemIndex, '');
		if (raw === undefined || raw === null) return undefined;
		if (typeof raw === 'object') {
			throw this.fail(
				itemIndex,
				'Options → Deduplication Key (deduplicationKey) is a group of fields or a list: map a text or a number to it, such as the appointment ID',
			);
		}
		const key = String(raw).trim();
		return key === '' ? undefined : key;
	}

	private readHours(itemIndex: number): (CallingHours & { schedule: boolean }) | undefined {
		const raw = this.option<IDataObject>('callingHours.hours', itemIndex, {});
		if (!raw || typeof raw !== 'object' || Object.keys(raw).length === 0) return undefined;
		const zone = String(raw.timeZone ?? '').trim() || this.fn.getTimezone();
		if (!isTimeZone(zone)) {
			throw this.fail(
				itemIndex,
				"Calling Hours → Time Zone (timeZone) is not a time zone name: enter one such as America/New_York or Europe/Paris, or leave it empty for the workflow's time zone",
			);
		}
		const earliest = parseClock(String(raw.earliest ?? '09:00'));
		const latest = parseClock(String(raw.latest ?? '20:00'));
		if (earliest === undefined)
			throw this.fail(
				itemIndex,
				'Calling Hours → Earliest (earliest) is not a time of day: enter one such as 09:00 (24-hour clock)',
			);
		if (latest === undefined)
			throw this.fail(
				itemIndex,
				'Calling Hours → Latest (latest) is not a time of day: enter one such as 20:00 (24-hour clock)',
			);
		if (earliest === latest)
			throw this.fail(
				itemIndex,
				'Calling Hours → Latest (latest) is the same as Earliest, which leaves no time to call: set Latest later than Earliest',
			);
		const days = new Set(
			(Array.isArray(raw.days) ? raw.days : [])
				.map((day) => WEEKDAYS.indexOf(String(day) as (typeof WEEKDAYS)[number]))
				.filter((d) => d >= 0),
		);
		if (days.size === 0)
			throw this.fail(
				itemIndex,
				'Calling Hours → Days (days) has no day selected: select at least one day',
			);
		return {
			timeZone: zone,
			earliest,
			latest,
			days,
			schedule: raw.outsideHours === 'schedule' && Boolean(this.dials.schedule),
		};
	}

	/** Whether the item places nothing (a chat conversation): no key to claim, no hours to keep. */
	private placesNothing(input: unknown): boolean {
		const only = this.dials.onlyWhen;
		return only !== undefined && (input as IDataObject)[only.field] !== only.value;
	}

	/** Whether the item places a call or sends an SMS. */
	places(input: unknown): boolean {
		return !this.placesNothing(input);
	}

	/**
	 * Calling hours at the moment `now`: the item as it may be sent (possibly scheduled for the
	 * window's next opening), or its skipped output.
	 */
	private applyHours<T>(
		itemIndex: number,
		input: T,
		key: string | undefined,
		now: number,
	): Checked<T> | HeldBack {
		const hours = this.readHours(itemIndex);
		if (!hours) return { itemIndex, input, key };
		const planned = this.dials.schedule?.plannedAt(input as IDataObject);
		// A call set for a later moment is checked at that moment (one set in the past goes out now).
		const plannedMs = planned ? Date.parse(planned) : NaN;
		const window = checkCallingHours(
			hours,
			Number.isFinite(plannedMs) ? Math.max(plannedMs, now) : now,
		);
		if (window.open) return { itemIndex, input, key };
		const nextAllowedAt = new Date(window.nextAllowedAt).toISOString();
		if (hours.schedule && this.dials.schedule) {
			return {
				itemIndex,
				input: this.dials.schedule.setPlannedAt(input as IDataObject, nextAllowedAt) as T,
				key,
			};
		}
		const output: IDataObject = {
			skipped: true,
			skipReason: 'outsideCallingHours',
			nextAllowedAt,
			timeZone: hours.timeZone,
		};
		if (key) output.deduplicationKey = key;
		return { itemIndex, output };
	}

	/**
	 * Before anything is sent: forget mode and calling hours, for one item. Returns the item with
	 * the key it will claim, or its output when it is not to be sent.
	 */
	async check<T>(itemIndex: number, input: T): Promise<Checked<T> | HeldBack> {
		const key = this.readKey(itemIndex);
		if (this.option('forgetDeduplicationKeys', itemIndex, false)) {
			if (!key)
				throw this.fail(
					itemIndex,
					'Options → Deduplication Key (deduplicationKey) is empty: give the key to forget, or turn off Forget Deduplication Keys',
				);
			// Forgotten for production and editor runs alike: forgetting is done from the editor.
			const values = [key, markerOf(key)];
			await this.fn.helpers.removeProcessed(
				[...values, ...values.map((value) => `${EDITOR_RUNS}${value}`)],
				'node',
				STORE_OPTIONS,
			);
			return { itemIndex, output: { deduplicationKey: key, keyForgotten: true } };
		}
		if (this.placesNothing(input)) return { itemIndex, input };
		return this.applyHours(itemIndex, input, key, Date.now());
	}

	/**
	 * Just before an item is sent, which in a long paced run can be well after `check`: its
	 * calling hours again. An item whose window closed meanwhile is held back and its key given
	 * back, so that a later run sends it.
	 */
	async recheckHours<T>(checked: Checked<T>): Promise<Checked<T> | HeldBack> {
		if (this.placesNothing(checked.input)) return checked;
		const now = this.applyHours(checked.itemIndex, checked.input, checked.key, Date.now());
		if ('output' in now) await this.releaseUnsent([checked.itemIndex]);
		return now;
	}

	/**
	 * Claims the keys of these items together (one settle time for all). Returns the outputs of
	 * the items that are duplicates: of an earlier claim, or of an earlier item in this list.
	 *
	 * 1. The keys alone are recorded: a key the store already holds writes nothing new (so a
	 *    sheet re-read every hour does not push the node's keys out of the store) and its item
	 *    is a duplicate.
	 * 2. Each new key's marker is recorded with a token of this claim; after the settle time
	 *    the claim whose token survived next to the marker places the call. A marker that was
	 *    there already belongs to another claim: a duplicate.
	 * If the claim cannot finish, everything it recorded is removed again: no key stays taken by
	 * an item that was not sent.
	 */
	async claim<T>(items: Array<Checked<T>>): Promise<Map<number, IDataObject>> {
		const duplicates = new Map<number, IDataObject>();
		const byKey = new Map<string, PendingClaim>();
		for (const { itemIndex, key } of items) {
			if (key === undefined) continue;
			if (byKey.has(key)) duplicates.set(itemIndex, this.duplicate(key));
			else
				byKey.set(key, {
					itemIndex,
					key,
					marker: markerOf(key),
					token: `${key}\u001f${this.fn.getExecutionId()}:${itemIndex}:${Math.random().toString(36).slice(2)}`,
				});
		}
		if (byKey.size === 0) return duplicates;

		const recorded: string[] = [];
		try {
			if (this.editorRun) {
				for (const key of await this.usedInProduction([...byKey.keys()])) {
					const claim = byKey.get(key);
					if (claim) duplicates.set(claim.itemIndex, this.duplicate(key, 'production'));
					byKey.delete(key);
				}
			}
			const known = await this.record([...byKey.keys()]);
			for (const claim of byKey.values()) {
				if (known.has(claim.key)) {
					duplicates.set(claim.itemIndex, this.duplicate(claim.key));
					byKey.delete(claim.key);
				} else recorded.push(claim.key);
			}
			const pending = new Map([...byKey.values()].map((claim) => [claim.marker, claim]));
			for (let round = 0; pending.size > 0; round++) {
				if (round > CLAIM_ROUNDS) throw new NodeOperationError(this.fn.getNode(), CLAIM_CONTENDED);
				if (round > 0) await sleep(CLAIM_SETTLE_MS);
				const values = [...pending.values()].flatMap((claim) => [claim.marker, claim.token]);
				const there = await this.record(values);
				recorded.push(...values);
				for (const claim of [...pending.values()]) {
					if (round === 0 && there.has(claim.marker)) {
						// Another claim holds the marker: a duplicate. (Its token was recorded with it.)
						duplicates.set(claim.itemIndex, this.duplicate(claim.key));
						pending.delete(claim.marker);
					} else if (round > 0 && there.has(claim.token)) {
						this.claimed.set(claim.itemIndex, claim);
						pending.delete(claim.marker);
					} else if (round > 0 && there.has(claim.marker)) {
						// Another execution claimed the same key at the same moment and its write won.
						duplicates.set(claim.itemIndex, this.duplicate(claim.key));
						pending.delete(claim.marker);
					}
					// Neither: a concurrent write dropped both; this round recorded them again.
				}
			}
		} catch (error) {
			// Nothing of this claim may stay: an item that was not sent must be sendable again.
			const claimedNow = [...this.claimed.values()].filter((claim) =>
				recorded.includes(claim.token),
			);
			for (const claim of claimedNow) this.claimed.delete(claim.itemIndex);
			await this.fn.helpers
				.removeProcessed(
					recorded.map((value) => this.stored(value)),
					'node',
					STORE_OPTIONS,
				)
				.catch(() => undefined);
			const reason = error instanceof NodeOperationError ? undefined : errorText(error);
			const message =
				reason === undefined
					? CLAIM_CONTENDED
					: `Options → Deduplication Key (deduplicationKey) could not be recorded in n8n's deduplication store (${reason}): run the node again`;
			throw new NodeOperationError(this.fn.getNode(), message, {
				itemIndex: items[0].itemIndex,
				description: 'Nothing was sent for any item, and none of their keys stays recorded.',
			});
		}
		return duplicates;
	}

	/** Records the values (as this run stores them); returns those that were already there. */
	private async record(values: string[]): Promise<Set<string>> {
		const known = await this.recordAsIs(values.map((value) => this.stored(value)));
		return new Set(values.filter((value) => known.has(this.stored(value))));
	}

	private async recordAsIs(values: string[]): Promise<Set<string>> {
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
	 * An editor run: the keys a production run already recorded. n8n's store has no read-only
	 * check, so the keys are recorded and those that were new removed again at once; a production
	 * run probing the same key in that instant would take it for used and skip its item (never
	 * dial it twice), a risk only while a builder runs the same key in the editor.
	 */
	private async usedInProduction(keys: string[]): Promise<string[]> {
		if (keys.length === 0) return [];
		const known = await this.recordAsIs(keys);
		const added = keys.filter((key) => !known.has(key));
		if (added.length) await this.fn.helpers.removeProcessed(added, 'node', STORE_OPTIONS);
		return keys.filter((key) => known.has(key));
	}

	/** The claim of an item, taken off the list of claims still open. */
	private take(itemIndexes: number[]): PendingClaim[] {
		return itemIndexes.flatMap((itemIndex) => {
			const claim = this.claimed.get(itemIndex);
			this.claimed.delete(itemIndex);
			return claim ? [claim] : [];
		});
	}

	/** Gives keys back: what their claims recorded is removed from the store. */
	private async release(claims: PendingClaim[]): Promise<void> {
		if (claims.length === 0) return;
		await this.fn.helpers.removeProcessed(
			claims.flatMap((claim) => [claim.key, claim.marker, claim.token].map((v) => this.stored(v))),
			'node',
			STORE_OPTIONS,
		);
	}

	/** The items sent and accepted: their keys stay. */
	accepted(itemIndexes: number[]): void {
		this.take(itemIndexes);
	}

	/**
	 * After a failed send of these items (one item, or one batch): a definite refusal releases
	 * their keys; an uncertain outcome keeps them, and the error says so. Returns the error to throw.
	 */
	async settleFailure(itemIndexes: number[], error: unknown): Promise<unknown> {
		const claims = this.take(itemIndexes);
		if (claims.length === 0) return error;
		const refused = isDefiniteRefusal(error);
		if (refused) await this.release(claims);
		if (error instanceof NodeApiError || error instanceof NodeOperationError) {
			const note = refused
				? `${claims.length > 1 ? 'Their Deduplication Keys were' : 'Its Deduplication Key was'} released, so ${claims.length > 1 ? 'they' : 'it'} can be run again.`
				: `${claims.length > 1 ? 'Their Deduplication Keys stay' : 'Its Deduplication Key stays'} recorded, so this node will not send ${claims.length > 1 ? 'them' : 'it'} again. Once you have checked with the provider that nothing went out, run this node for ${claims.length > 1 ? 'these items' : 'the item'} with Options → Forget Deduplication Keys on, then run ${claims.length > 1 ? 'them' : 'it'} again.`;
			error.description = error.description ? `${error.description}\n${note}` : note;
		}
		return error;
	}

	/**
	 * Items the provider refused for now, as its pages describe (e.g. a send to the number still
	 * in progress): their keys are given back, so a later run sends them, and they come out
	 * skipped with the reason, like the guard's own.
	 */
	async holdBack(itemIndexes: number[], skipReason: string): Promise<Map<number, IDataObject>> {
		const outputs = new Map<number, IDataObject>();
		for (const itemIndex of itemIndexes) {
			const key = this.claimed.get(itemIndex)?.key;
			outputs.set(itemIndex, {
				skipped: true,
				skipReason,
				nextAllowedAt: null,
				...(key === undefined ? {} : { deduplicationKey: key }),
			});
		}
		await this.releaseUnsent(itemIndexes);
		return outputs;
	}

	/** Items claimed but never sent (the node stopped first) give their keys back. */
	async releaseUnsent(itemIndexes: number[]): Promise<void> {
		await this.release(this.take(itemIndexes));
	}

	/** Every claim not settled yet is given back (the node stops before sending them). */
	async releaseAllUnsent(): Promise<void> {
		await this.release(this.take([...this.claimed.keys()]));
	}
}

const markerOf = (key: string) => `${CLAIM_MARKER}${key}`;

const duplicateOutput = (key: string): IDataObject => ({
	skipped: true,
	skipReason: 'duplicate',
	deduplicationKey: key,
});

/** A provider's 4xx answer, or a failure before sending: nothing was placed. */
function isDefiniteRefusal(error: unknown): boolean {
	// The transport marks every create failure that may have reached the provider (5xx, timeout,
	// reset, unreadable answer); the rest were refused (4xx) or never sent (connection refused).
	if (error instanceof NodeApiError || error instanceof NodeOperationError)
		return !error.context?.[OUTCOME_UNCERTAIN];
	return false;
}
