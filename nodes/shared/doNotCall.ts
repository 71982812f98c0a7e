/**
 * Numbers the provider marked do-not-call (Options → Remember Do-Not-Call Numbers), remembered so
 * that no later run of the workflow dials them. Off by default.
 *
 * - Recording: when a node with the option on outputs a call that ended with endReason
 *   `do_not_call` (callOutcome.ts), the call's number, in E.164, is recorded in n8n's
 *   deduplication store (the one behind the Deduplication Key and the Remove Duplicates node)
 *   with scope `workflow`: every node of the workflow reads the same list, so Phone Call → Get in
 *   one node and Create in another share it. A value is the number under a prefix, which keeps
 *   it apart from what a Remove Duplicates node with Scope Workflow records in the same list.
 * - Checking: after the items passed validation and before their Deduplication Keys are claimed
 *   (so a number held back claims no key), the numbers of the run are looked up together; an item
 *   whose number is on the list comes out skipped, `skipReason: 'doNotCall'`, nothing sent.
 * - Clearing: the whole list with a Remove Duplicates node of the workflow (Clear Deduplication
 *   History, Scope Workflow), which leaves the Deduplication Keys alone (they are scope `node`);
 *   one number with Options → Forget Do-Not-Call Numbers.
 */
import type {
	DeduplicationItemTypes,
	ICheckProcessedOptions,
	IDataObject,
	IDeduplicationOutput,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';
import type { Checked, HeldBack } from './guard';
import { errorText } from './errors';
import { nodeParameter } from './fields';
import { normalizePhoneNumber } from './phone';
import type { DoNotCallSupport, Operation } from './types';

/**
 * The numbers a workflow's list keeps; the oldest are forgotten first. One entry per number, and
 * a number met again writes nothing new. Providers mark few calls do-not-call, so this is far
 * more than a campaign reaches, while n8n reads and writes the whole list on every look-up
 * (docs/campaign-guard.md, "Why not more").
 */
const DO_NOT_CALL_KEPT = 100_000;

const SCOPE = 'workflow';
const PREFIX = 'doNotCall:';
const DO_NOT_CALL = 'do_not_call';
const RECORD: ICheckProcessedOptions = { mode: 'entries', maxEntries: DO_NOT_CALL_KEPT };
/**
 * A look-up adds the numbers it does not find for a moment (see `lookUp`): without maxEntries,
 * since with it a full list would lose its oldest numbers to a look-up.
 */
const LOOK_UP: ICheckProcessedOptions = { mode: 'entries' };

/**
 * n8n's store reads the list and writes it back without a lock, so a write of another execution
 * at the same moment can drop a number just recorded. A recording is therefore read again after
 * this time (and recorded again if it is gone), as the guard's claim does (guard.ts), for as long
 * as each read-and-write of the store takes less than this.
 */
const SETTLE_MS = 1000;
const VERIFY_ROUNDS = 2;

const entryOf = (number: string) => `${PREFIX}${number}`;

/** The options' names in the Options collection. */
const REMEMBER = 'rememberDoNotCall';
const FORGET = 'forgetDoNotCall';

/** Options → Remember Do-Not-Call Numbers, and on operations that dial, Forget Do-Not-Call Numbers. */
export function doNotCallOptions(provider: string, dials: boolean): INodeProperties[] {
	const kept = DO_NOT_CALL_KEPT.toLocaleString('en-US');
	const where = `The list is kept in n8n's deduplication store for this whole workflow (its last ${kept} numbers), shared by every node of the workflow with this option on. To clear it, run a Remove Duplicates node in this workflow with Operation Clear Deduplication History and Options → Scope Workflow.`;
	const remember: INodeProperties = {
		displayName: 'Remember Do-Not-Call Numbers',
		name: REMEMBER,
		type: 'boolean',
		default: false,
		description: dials
			? `Whether to dial no number of this workflow's do-not-call list (such an item comes out skipped with skipReason doNotCall, nothing sent), and to add the number of a call this node waited for that ${provider} marked do-not-call (endReason do_not_call). ${where}`
			: `Whether to add to this workflow's do-not-call list the number of each call in this node's output that ${provider} marked do-not-call (endReason do_not_call), so that the Create nodes of this workflow with this option on do not dial it again. ${where}`,
	};
	if (!dials) return [remember];
	return [
		remember,
		{
			displayName: 'Forget Do-Not-Call Numbers (Send Nothing)',
			name: FORGET,
			type: 'boolean',
			default: false,
			description:
				"Whether to take each item's number off this workflow's do-not-call list instead of dialing, so that a later run may call it again. Nothing is sent while this is on.",
		},
	];
}

/** The item an output item is paired to. */
function pairedIndex(item: INodeExecutionData): number | undefined {
	const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
	return typeof paired === 'number' ? paired : paired?.item;
}

/** A workflow's do-not-call list, for one run of a node whose operation declares `doNotCall`. */
export class DoNotCallList {
	/** The number each item of this run dials: the item of a waited call does not repeat it. */
	private readonly dialed = new Map<number, string>();

	private constructor(
		private readonly fn: IExecuteFunctions,
		private readonly support: DoNotCallSupport,
		private readonly dials: boolean,
		private readonly remembering: boolean,
	) {}

	/** The run's list, or undefined for an operation that has none. The option is read once per run. */
	static forRun(fn: IExecuteFunctions, operation: Operation): DoNotCallList | undefined {
		if (!operation.doNotCall) return undefined;
		const on = fn.getNodeParameter(`requestOptions.${REMEMBER}`, 0, false) === true;
		return new DoNotCallList(fn, operation.doNotCall, operation.dials !== undefined, on);
	}

	/** The number of a call, in E.164: an item's validated input, or an output item. */
	private numberOf(call: IDataObject): string | undefined {
		const raw = call[this.support.field];
		return typeof raw === 'string' || typeof raw === 'number'
			? normalizePhoneNumber(String(raw))
			: undefined;
	}

	private storeFailed(
		action: string,
		error: unknown,
		description: string,
		advice = 'run the node again',
	): NodeOperationError {
		return new NodeOperationError(
			this.fn.getNode(),
			`Options → Remember Do-Not-Call Numbers (${REMEMBER}): the numbers could not be ${action} n8n's deduplication store (${errorText(error)}): ${advice}`,
			{ description },
		);
	}

	/**
	 * Forget mode, for one item: its number is taken off the list and it comes out as
	 * `{ <number field>, doNotCallForgotten: true }` (with the guard's `keyForgotten` output when
	 * Forget Deduplication Keys is on too). Undefined when the option is off.
	 */
	async forget(
		itemIndex: number,
		input: unknown,
		guarded: Checked<unknown> | HeldBack,
	): Promise<IDataObject | undefined> {
		if (nodeParameter(this.fn, `requestOptions.${FORGET}`, itemIndex, false) !== true)
			return undefined;
		const number = this.numberOf(input as IDataObject);
		if (number !== undefined)
			await this.fn.helpers.removeProcessed([entryOf(number)], SCOPE, RECORD);
		const keyForgotten = 'output' in guarded && guarded.output.keyForgotten ? guarded.output : {};
		return { ...keyForgotten, [this.support.field]: number ?? null, doNotCallForgotten: true };
	}

	/**
	 * Before anything is dialed: the items whose number is on the list, as skipped items, for the
	 * whole run in one look-up. Remembers each item's number for `record`.
	 */
	async check(items: Array<Checked<unknown>>): Promise<Map<number, IDataObject>> {
		const held = new Map<number, IDataObject>();
		if (!this.remembering) return held;
		for (const { itemIndex, input } of items) {
			const number = this.numberOf(input as IDataObject);
			if (number !== undefined) this.dialed.set(itemIndex, number);
		}
		const entries = [...new Set(items.map(({ itemIndex }) => this.dialed.get(itemIndex)))]
			.filter((number): number is string => number !== undefined)
			.map(entryOf);
		if (entries.length === 0) return held;
		const listed = await this.lookUp(entries);
		for (const { itemIndex, key } of items) {
			const number = this.dialed.get(itemIndex);
			if (number === undefined || !listed.has(entryOf(number))) continue;
			held.set(itemIndex, {
				skipped: true,
				skipReason: 'doNotCall',
				[this.support.field]: number,
				...(key === undefined ? {} : { deduplicationKey: key }),
			});
		}
		return held;
	}

	/**
	 * Which entries the list holds. n8n's store has no read-only look-up: the entries are recorded,
	 * and those that were not there are removed again at once, in one call each. Another execution
	 * looking up the same number in that instant takes it for listed and skips its item: the error
	 * is a skip, never a dial.
	 */
	private async lookUp(entries: string[]): Promise<Set<string>> {
		let result: IDeduplicationOutput;
		try {
			result = await this.write(entries, LOOK_UP);
		} catch (error) {
			throw this.storeFailed('looked up in', error, 'Nothing was sent for any item.');
		}
		if (result.new.length > 0) {
			try {
				await this.remove(result.new);
			} catch (error) {
				throw this.storeFailed(
					'looked up in',
					error,
					'Nothing was sent for any item. Numbers of this run that were not on the do-not-call list may be on it now: run these items with Options → Forget Do-Not-Call Numbers on, then run them again.',
				);
			}
		}
		return new Set(result.processed.map(String));
	}

	/**
	 * After the run: the numbers of the output's calls that ended do_not_call are added to the
	 * list, and read again after the settle time (recorded again if a concurrent write dropped
	 * them). A failure stops a node that only reads calls; a node that placed the calls does not
	 * fail after placing them (running it again would dial them again): each such item gets
	 * `doNotCallError` instead.
	 */
	async record(output: INodeExecutionData[]): Promise<void> {
		if (!this.remembering) return;
		const ended = output.filter((item) => item.json.endReason === DO_NOT_CALL);
		const entries = new Set<string>();
		for (const item of ended) {
			const index = pairedIndex(item);
			const number =
				this.numberOf(item.json) ?? (index === undefined ? undefined : this.dialed.get(index));
			if (number !== undefined) entries.add(entryOf(number));
		}
		if (entries.size === 0) return;
		try {
			let pending = [...entries];
			for (let round = 0; pending.length > 0 && round <= VERIFY_ROUNDS; round++) {
				if (round > 0) await sleep(SETTLE_MS);
				const { new: added } = await this.write(pending, RECORD);
				// The first round records; a later one re-reads, and only what it had to record again is read once more.
				if (round > 0) pending = added.map(String);
			}
		} catch (error) {
			const failed = this.storeFailed(
				'recorded in',
				error,
				'The calls were read; their numbers are not on the do-not-call list.',
				// Running Create again would dial again: the call is read again instead.
				this.dials ? 'read the call again with a Get that has this option on' : undefined,
			);
			if (!this.dials) throw failed;
			for (const item of ended) item.json.doNotCallError = failed.message;
		}
	}

	private async write(
		values: DeduplicationItemTypes[],
		options: ICheckProcessedOptions,
	): Promise<IDeduplicationOutput> {
		try {
			return await this.fn.helpers.checkProcessedAndRecord(values, SCOPE, options);
		} catch {
			// The workflow's first entries: two executions creating its list at once, one of them fails. Once more.
			await sleep(Math.round(SETTLE_MS * Math.random()));
			return await this.fn.helpers.checkProcessedAndRecord(values, SCOPE, options);
		}
	}

	private async remove(values: DeduplicationItemTypes[]): Promise<void> {
		try {
			await this.fn.helpers.removeProcessed(values, SCOPE, LOOK_UP);
		} catch {
			await sleep(Math.round(SETTLE_MS * Math.random()));
			await this.fn.helpers.removeProcessed(values, SCOPE, LOOK_UP);
		}
	}
}
