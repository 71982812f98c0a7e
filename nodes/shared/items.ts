/**
 * The item loop shared by every node: each input item yields its own output items, each
 * paired to it; a failing item either stops the node (with its index) or, under "Continue On
 * Fail", becomes an error item paired to it while the other items go on. No item is dropped.
 */
import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** One output item that carries files (n8n binary data) besides its json, e.g. a call with its recording. */
export class ItemWithFiles {
	constructor(
		readonly json: IDataObject,
		readonly binary: IBinaryKeyData,
	) {}
}

export type ItemResult = IDataObject | IDataObject[] | ItemWithFiles;

export function asNodeError(fn: IExecuteFunctions, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(fn.getNode(), error instanceof Error ? error : String(error), { itemIndex });
}

/**
 * An error item: `{ error, details }`. n8n routes an item to the error output ("Continue (using
 * error output)") when its json holds only `error`, `message` and `details`, so the description
 * and HTTP status go into `details`. (Setting `item.error` instead would make n8n reduce the json
 * to the message alone.)
 */
export function errorItem(error: NodeApiError | NodeOperationError, itemIndex: number): INodeExecutionData {
	const details: IDataObject = {};
	if (error.description) details.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) details.httpCode = error.httpCode;
	const json: IDataObject = { error: error.message };
	if (Object.keys(details).length) json.details = details;
	return { json, pairedItem: { item: itemIndex } };
}

export function resultItems(result: ItemResult, itemIndex: number): INodeExecutionData[] {
	if (result instanceof ItemWithFiles) {
		const item: INodeExecutionData = { json: result.json, pairedItem: { item: itemIndex } };
		if (Object.keys(result.binary).length) item.binary = result.binary;
		return [item];
	}
	const list = Array.isArray(result) ? result : [result];
	return list.map((json) => ({ json, pairedItem: { item: itemIndex } }));
}

export async function forEachItem(
	fn: IExecuteFunctions,
	handle: (itemIndex: number) => Promise<ItemResult>,
): Promise<INodeExecutionData[]> {
	const items = fn.getInputData();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			output.push(...resultItems(await handle(itemIndex), itemIndex));
		} catch (error) {
			const nodeError = asNodeError(fn, error, itemIndex);
			if (!fn.continueOnFail()) throw nodeError;
			output.push(errorItem(nodeError, itemIndex));
		}
	}
	return output;
}
