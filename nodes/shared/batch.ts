/**
 * The item loop for batch operations (AICaller Create Many). Every input item gets exactly its
 * own result, paired to it:
 * - all items are validated first; without "Continue On Fail" one invalid item stops the node
 *   before anything is sent, with it an invalid item becomes its own error item and the
 *   others still go out;
 * - valid items go out in batches of `size`, in input order; a batch the provider rejects (or
 *   whose outcome is uncertain) marks each of its items with that error.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { asNodeError, errorItem, resultItems } from './items';
import { OUTCOME_UNCERTAIN } from './transport';
import type { BatchContext } from './types';

type Prepared<T> =
	| { itemIndex: number; input: T }
	| { itemIndex: number; output: IDataObject }
	| { itemIndex: number; error: NodeApiError | NodeOperationError };

export async function forEachBatch<T>(
	fn: IExecuteFunctions,
	options: {
		size: number;
		provider: string;
		/** An item's input to send, or its output when it is not sent (the pre-dial guard skipped it). */
		prepare(itemIndex: number): Promise<{ input: T } | { output: IDataObject }>;
		send(ctx: Omit<BatchContext, 'request'>, inputs: T[]): Promise<IDataObject[]>;
		/** Claims what must be claimed before sending (deduplication keys); returns the outputs of items not to send. */
		claim?(inputs: T[]): Promise<Map<number, IDataObject>>;
		/** Called with the items of a batch that failed; returns the error to report. */
		settleFailure?(itemIndexes: number[], error: NodeApiError | NodeOperationError): Promise<unknown>;
		/** Called with the items that were claimed but will not be sent, when the node stops. */
		releaseUnsent?(itemIndexes: number[]): Promise<void>;
	},
): Promise<INodeExecutionData[]> {
	const items = fn.getInputData();
	const prepared: Array<Prepared<T>> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			prepared.push({ itemIndex, ...(await options.prepare(itemIndex)) });
		} catch (error) {
			const nodeError = asNodeError(fn, error, itemIndex);
			if (!fn.continueOnFail()) throw nodeError;
			prepared.push({ itemIndex, error: nodeError });
		}
	}

	const outputs = new Map<number, INodeExecutionData[]>();
	for (const entry of prepared) {
		if ('error' in entry) outputs.set(entry.itemIndex, [errorItem(entry.error, entry.itemIndex)]);
		if ('output' in entry) outputs.set(entry.itemIndex, resultItems(entry.output, entry.itemIndex));
	}
	let valid = prepared.filter((p): p is { itemIndex: number; input: T } => 'input' in p);
	if (options.claim) {
		const notSent = await options.claim(valid.map((v) => v.input));
		for (const [itemIndex, json] of notSent) outputs.set(itemIndex, resultItems(json, itemIndex));
		valid = valid.filter((v) => !notSent.has(v.itemIndex));
	}
	const size = Math.max(1, Math.floor(options.size));
	let sent = 0;
	for (let start = 0; start < valid.length; start += size) {
		const chunk = valid.slice(start, start + size);
		const itemIndexes = chunk.map((c) => c.itemIndex);
		try {
			const results = await options.send({ fn, itemIndexes }, chunk.map((c) => c.input));
			if (!Array.isArray(results) || results.length !== chunk.length) {
				const mismatch = new NodeApiError(fn.getNode(), { message: 'result count mismatch' } as JsonObject, {
					message: `${options.provider} answered ${Array.isArray(results) ? results.length : 'no'} results for a batch of ${chunk.length}`,
					description: `The calls of this batch may or may not have been created; they were not sent again. Check with Get Many before running these items again.`,
					itemIndex: itemIndexes[0],
				});
				mismatch.context[OUTCOME_UNCERTAIN] = true;
				throw mismatch;
			}
			results.forEach((json, k) => outputs.set(itemIndexes[k], resultItems(json, itemIndexes[k])));
			sent += chunk.length;
		} catch (error) {
			let nodeError = asNodeError(fn, error, itemIndexes[0]);
			if (options.settleFailure) nodeError = asNodeError(fn, await options.settleFailure(itemIndexes, nodeError), itemIndexes[0]);
			if (!fn.continueOnFail()) {
				if (sent > 0) {
					nodeError.description = `${nodeError.description ? `${nodeError.description}\n` : ''}Items before item ${itemIndexes[0]} were already sent in earlier batches (${sent} items).`;
				}
				await options.releaseUnsent?.(valid.slice(start + size).map((v) => v.itemIndex));
				throw nodeError;
			}
			for (const itemIndex of itemIndexes) outputs.set(itemIndex, [errorItem(nodeError, itemIndex)]);
		}
	}

	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const forItem = outputs.get(itemIndex);
		if (!forItem) {
			// Unreachable by construction; an item must never silently disappear.
			throw new NodeOperationError(
				fn.getNode(),
				`${options.provider} gave no result for item ${itemIndex}: check with Get Many whether it was created before running it again`,
				{ itemIndex },
			);
		}
		output.push(...forItem);
	}
	return output;
}
