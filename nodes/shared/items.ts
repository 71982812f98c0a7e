/**
 * The item loop shared by every operation of every node, single requests and batches alike:
 *
 * 1. Every item is read and checked (its fields, then the campaign guard's forget mode and
 *    calling hours) before the first request leaves. Without "Continue On Fail" one invalid item
 *    stops the node with nothing sent for any item; with it, that item becomes its own error item
 *    and the others go on.
 * 2. The Deduplication Keys of all items are claimed together (one settle time for the run).
 * 3. The items are sent in input order, one request per item or per batch. A failed request
 *    without "Continue On Fail" stops the node: no further request is started, the keys of the
 *    items not sent are given back, and the error names every call placed before it (item index
 *    and the provider's ID), since n8n keeps only the error of a failed execution.
 *
 * Every input item yields its own output items, each paired to it; no item is dropped.
 */
import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { asNodeError } from './errors';

/** One output item that carries files (n8n binary data) besides its json, e.g. a call with its recording. */
export class ItemWithFiles {
	constructor(
		readonly json: IDataObject,
		readonly binary: IBinaryKeyData,
	) {}
}

export type ItemResult = IDataObject | IDataObject[] | ItemWithFiles;

/**
 * An error item: `{ error, details }`. n8n routes an item to the error output ("Continue (using
 * error output)") when its json holds only `error`, `message` and `details`, so the description
 * and HTTP status go into `details`. (Setting `item.error` instead would make n8n reduce the json
 * to the message alone.)
 */
function errorItem(
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
): INodeExecutionData {
	const details: IDataObject = {};
	if (error.description) details.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) details.httpCode = error.httpCode;
	const json: IDataObject = { error: error.message };
	if (Object.keys(details).length) json.details = details;
	return { json, pairedItem: { item: itemIndex } };
}

function resultItems(result: ItemResult, itemIndex: number): INodeExecutionData[] {
	if (result instanceof ItemWithFiles) {
		const item: INodeExecutionData = { json: result.json, pairedItem: { item: itemIndex } };
		if (Object.keys(result.binary).length) item.binary = result.binary;
		return [item];
	}
	const list = Array.isArray(result) ? result : [result];
	return list.map((json) => ({ json, pairedItem: { item: itemIndex } }));
}

/** Adds a paragraph to an error's description. */
function describeFurther(error: NodeApiError | NodeOperationError, paragraph: string): void {
	error.description = error.description ? `${error.description}\n${paragraph}` : paragraph;
}

/** A call (or SMS) this run placed, for the error that stops the run after it. */
interface Placed {
	itemIndex: number;
	id: string | undefined;
}

export interface ItemPlan<T> {
	/** Reads and checks one item: its input to send, or its output when it is not sent. */
	prepare(itemIndex: number): Promise<{ input: T } | { output: IDataObject }>;
	/** Claims what must be claimed before anything is sent; returns the outputs of items not to send. */
	claim?(items: Array<{ itemIndex: number; input: T }>): Promise<Map<number, IDataObject>>;
	/** Items per request: 1 for one request per item, more for a batch operation. */
	unitSize: number;
	/**
	 * A batch operation (Create Many): its items are the rows of one list, a sheet or a CSV file,
	 * so the error that stops the run names the row, counted from 1 as people count rows, besides
	 * n8n's item index, counted from 0.
	 */
	rows?: boolean;
	/** Requests in flight at most (Options → Requests in Parallel); 1 when unset. */
	concurrency?: number;
	/** Just before an item goes out: the input to send now, or its output when it is held back after all. */
	beforeSend?(itemIndex: number, input: T): Promise<{ input: T } | { output: IDataObject }>;
	/** Sends one request for these items; returns exactly one result per item, in order. */
	send(itemIndexes: number[], inputs: T[]): Promise<ItemResult[]>;
	/** The items were accepted by the provider. */
	accepted?(itemIndexes: number[]): void;
	/** After a failed request: settles what was claimed for its items; returns the error to report. */
	settleFailure?(itemIndexes: number[], error: NodeApiError | NodeOperationError): Promise<unknown>;
	/**
	 * After a failed request: the outputs of its items when the failure is a refusal the provider
	 * documents as "not now" (they come out skipped, not as errors), else undefined.
	 */
	notNow?(
		itemIndexes: number[],
		error: NodeApiError | NodeOperationError,
	): Promise<Map<number, IDataObject> | undefined>;
	/** The run stops: everything claimed for items not sent is given back. */
	releaseUnsent?(): Promise<void>;
	/** For operations that place calls or send SMS: what one is called, and its ID in a result. */
	places?: {
		what: string;
		idOf(result: IDataObject): string | undefined;
		/** Whether this item places one (a conversation created as chat places nothing). */
		applies(input: T): boolean;
	};
}

function placedId(
	result: ItemResult,
	idOf: (json: IDataObject) => string | undefined,
): string | undefined {
	if (result instanceof ItemWithFiles) return idOf(result.json);
	return idOf(Array.isArray(result) ? (result[0] ?? {}) : result);
}

/** The sentence naming every call placed before an error stopped the run. */
function placedNote(placed: Placed[], what: string): string {
	const list = placed
		.map(({ itemIndex, id }) => `item ${itemIndex}${id ? ` (${id})` : ''}`)
		.join(', ');
	return `Before this error, this run placed ${placed.length} ${what}${placed.length === 1 ? '' : 's'}, which will not be sent again: ${list}.`;
}

export async function runItems<T>(
	fn: IExecuteFunctions,
	plan: ItemPlan<T>,
): Promise<INodeExecutionData[]> {
	const items = fn.getInputData();
	const outputs = new Map<number, INodeExecutionData[]>();
	let toSend: Array<{ itemIndex: number; input: T }> = [];

	// 1. Every item is read and checked before anything is sent.
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const prepared = await plan.prepare(itemIndex);
			if ('output' in prepared) outputs.set(itemIndex, resultItems(prepared.output, itemIndex));
			else toSend.push({ itemIndex, input: prepared.input });
		} catch (error) {
			const nodeError = asNodeError(fn, error, itemIndex);
			if (!fn.continueOnFail()) {
				if (plan.rows)
					nodeError.message = `In row ${itemIndex + 1} (item ${itemIndex}), ${nodeError.message}`;
				if (items.length > 1)
					describeFurther(
						nodeError,
						plan.rows
							? `Nothing was sent for any row: every row is checked before the first batch goes out.`
							: `Nothing was sent for any item: every item is checked before the first request.`,
					);
				throw nodeError;
			}
			outputs.set(itemIndex, [errorItem(nodeError, itemIndex)]);
		}
	}

	// 2. The keys of every item to send, claimed together.
	if (plan.claim && toSend.length > 0) {
		const notSent = await plan.claim(toSend);
		for (const [itemIndex, json] of notSent) outputs.set(itemIndex, resultItems(json, itemIndex));
		toSend = toSend.filter((entry) => !notSent.has(entry.itemIndex));
	}

	// 3. The requests, in input order, at most `concurrency` in flight.
	const placed: Placed[] = [];
	const size = Math.max(1, Math.floor(plan.unitSize));
	const units: Array<Array<{ itemIndex: number; input: T }>> = [];
	for (let start = 0; start < toSend.length; start += size)
		units.push(toSend.slice(start, start + size));
	let next = 0;
	/** The error that stops the run: no request starts after it; those in flight finish. */
	let stopping: NodeApiError | NodeOperationError | undefined;

	/** Sends one unit (one request) and records what became of its items. */
	const sendUnit = async (entries: Array<{ itemIndex: number; input: T }>): Promise<void> => {
		const unit: Array<{ itemIndex: number; input: T }> = [];
		for (const entry of entries) {
			const now = plan.beforeSend
				? await plan.beforeSend(entry.itemIndex, entry.input)
				: { input: entry.input };
			if ('output' in now) outputs.set(entry.itemIndex, resultItems(now.output, entry.itemIndex));
			else unit.push({ itemIndex: entry.itemIndex, input: now.input });
		}
		if (unit.length === 0) return;
		const itemIndexes = unit.map((entry) => entry.itemIndex);
		try {
			const results = await plan.send(
				itemIndexes,
				unit.map((entry) => entry.input),
			);
			plan.accepted?.(itemIndexes);
			results.forEach((result, k) => {
				outputs.set(itemIndexes[k], resultItems(result, itemIndexes[k]));
				if (plan.places?.applies(unit[k].input))
					placed.push({ itemIndex: itemIndexes[k], id: placedId(result, plan.places.idOf) });
			});
		} catch (error) {
			let nodeError = asNodeError(fn, error, itemIndexes[0]);
			const heldBack = await plan.notNow?.(itemIndexes, nodeError);
			if (heldBack) {
				for (const [itemIndex, json] of heldBack)
					outputs.set(itemIndex, resultItems(json, itemIndex));
				return;
			}
			if (plan.settleFailure)
				nodeError = asNodeError(
					fn,
					await plan.settleFailure(itemIndexes, nodeError),
					itemIndexes[0],
				);
			if (!fn.continueOnFail()) {
				// The first failure stops the run; a later one (in flight meanwhile) is settled above.
				stopping ??= nodeError;
				return;
			}
			for (const itemIndex of itemIndexes)
				outputs.set(itemIndex, [errorItem(nodeError, itemIndex)]);
		}
	};

	/** One of the `concurrency` lanes: takes the next unit in input order until none is left or the run stops. */
	const lane = async (): Promise<void> => {
		while (next < units.length && !stopping) {
			if (fn.getExecutionCancelSignal?.()?.aborted) {
				stopping ??= new NodeOperationError(
					fn.getNode(),
					'The execution was stopped before every item was sent',
					{
						description:
							'The items not sent yet were not sent; their Deduplication Keys were given back.',
					},
				);
				return;
			}
			const unit = units[next++];
			try {
				await sendUnit(unit);
			} catch (error) {
				// Unexpected (a claim that could not be settled, say): it stops the run like a failed
				// request, after the requests in flight in the other lanes have ended.
				stopping ??= asNodeError(fn, error, unit[0].itemIndex);
			}
		}
	};
	const lanes = Math.max(1, Math.min(Math.floor(plan.concurrency ?? 1), units.length));
	await Promise.all(Array.from({ length: lanes }, async () => await lane()));
	if (stopping) {
		// Every request in flight has ended: the calls they placed are in `placed`, in the order
		// their answers came; the note lists them in input order.
		await plan.releaseUnsent?.();
		placed.sort((a, b) => a.itemIndex - b.itemIndex);
		if (plan.places && placed.length > 0)
			describeFurther(stopping, placedNote(placed, plan.places.what));
		throw stopping;
	}

	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const forItem = outputs.get(itemIndex);
		if (!forItem) {
			// Unreachable by construction; an item must never silently disappear.
			throw new NodeOperationError(
				fn.getNode(),
				`No result for item ${itemIndex}: check with the provider whether it was sent before running it again`,
				{
					itemIndex,
				},
			);
		}
		output.push(...forItem);
	}
	return output;
}
