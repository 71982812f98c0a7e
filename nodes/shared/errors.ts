/**
 * What a thrown value becomes in a node. The nodes' own errors are NodeApiErrors (the provider
 * failed) and NodeOperationErrors (the input or the setup is wrong), which n8n shows with their
 * message and description; anything else thrown on the way (a TypeError, a string) is wrapped in
 * a NodeOperationError, so n8n shows it the same way and an error item can be made of it.
 */
import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** The error's own text: an Error's message, or whatever else was thrown, as text. */
export function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * `error` as a NodeApiError or NodeOperationError. With an `itemIndex`, the error names that
 * item unless it already names one.
 */
export function asNodeError(
	fn: { getNode(): INode },
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (itemIndex !== undefined && error.context.itemIndex === undefined)
			error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(fn.getNode(), error instanceof Error ? error : String(error), {
		itemIndex,
	});
}
