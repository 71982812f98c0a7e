/**
 * A node's `execute`: finds the operation the node is set to, and runs it for every item through
 * the shared item loop, with the campaign guard and the waiting where the operation declares them.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { findOperation } from './description';
import { DoNotCallList } from './doNotCall';
import { PreDialGuard, type Checked } from './guard';
import { ItemWithFiles, runItems, type ItemPlan, type ItemResult } from './items';
import { readFields } from './fields';
import { defaultCountryCode, requestsInParallel, transportOptions } from './options';
import { OUTCOME_UNCERTAIN, RequestSession } from './transport';
import type { Operation, ProviderDefinition, Resource, ValidationEnv } from './types';
import { CallWaiter } from './wait';
import { collectLabels, parseInput } from './validate';

/** Everything a node's `execute` does: find the operation, then run it for every item. */
export async function executeOperation(
	fn: IExecuteFunctions,
	provider: ProviderDefinition,
	resources: Resource[],
): Promise<INodeExecutionData[][]> {
	const resource = fn.getNodeParameter('resource', 0) as string;
	const operationName = fn.getNodeParameter('operation', 0) as string;
	const operation = findOperation(resources, resource, operationName);
	if (!operation) {
		throw new NodeOperationError(
			fn.getNode(),
			`Operation (operation) "${operationName}" is not one this node has for Resource "${resource}": choose the operation again from the list`,
		);
	}
	const session = new RequestSession(fn, provider, transportOptions(fn));
	const env: ValidationEnv = {
		timeZone: fn.getTimezone(),
		now: Date.now(),
		defaultCountryCode: operation.phoneFields ? defaultCountryCode(fn) : undefined,
	};
	const schema = operation.schema(env);
	const labels = collectLabels(operation.properties);

	// An operation reads its own panel fields unless it reshapes them (e.g. two input modes into one object).
	const readInput = (itemIndex: number) =>
		operation.readInput
			? operation.readInput(fn, itemIndex)
			: readFields(fn, itemIndex, operation.properties);
	const dials = operation.dials;
	const guard = dials ? new PreDialGuard(fn, dials) : undefined;
	const doNotCall = DoNotCallList.forRun(fn, operation);
	// Wait for Call to End: read once for the run; On Provider Callback with many items is refused here.
	const waiter =
		operation.waits && !operation.batch
			? CallWaiter.forRun(
					fn,
					provider.displayName,
					operation.waits,
					(itemIndex) => async (request) => await session.send(request, itemIndex),
				)
			: undefined;

	const plan: ItemPlan<Checked<unknown>> = {
		async prepare(itemIndex) {
			const input = parseInput(fn, itemIndex, schema, await readInput(itemIndex), labels);
			if (!guard) return { input: { itemIndex, input } };
			const checked = await guard.check(itemIndex, input);
			const forgotten = await doNotCall?.forget(itemIndex, input, checked);
			if (forgotten) return { output: forgotten };
			return 'output' in checked ? { output: checked.output } : { input: checked };
		},
		// Keys of all items are claimed together, before the first request goes out; a number on
		// the do-not-call list is held back first, so that it claims no key.
		claim: guard
			? async (items) => {
					const checked = items.map((item) => item.input);
					const held =
						(await doNotCall?.check(checked.filter((c) => guard.places(c.input)))) ??
						new Map<number, IDataObject>();
					const rest = checked.filter((c) => !held.has(c.itemIndex));
					return new Map([...held, ...(await guard.claim(rest))]);
				}
			: undefined,
		unitSize: operation.execute ? 1 : operation.batch.size(fn),
		rows: operation.batch !== undefined,
		concurrency: requestsInParallel(fn),
		beforeSend: guard
			? async (_itemIndex, checked) => {
					const now = await guard.recheckHours(checked);
					return 'output' in now ? { output: now.output } : { input: now };
				}
			: undefined,
		send: markedSent(
			operation.execute
				? sendEach(fn, operation.execute, session, waiter)
				: sendBatch(fn, operation.batch, session, provider.displayName),
			guard,
		),
		accepted: guard ? (itemIndexes) => guard.accepted(itemIndexes) : undefined,
		notNow:
			guard && dials?.notNow
				? async (itemIndexes, error) => {
						const rule = dials.notNow?.find(
							({ status }) => error instanceof NodeApiError && error.httpCode === String(status),
						);
						return rule ? await guard.holdBack(itemIndexes, rule.skipReason) : undefined;
					}
				: undefined,
		settleFailure: guard
			? async (itemIndexes, error) => await guard.settleFailure(itemIndexes, error)
			: undefined,
		releaseUnsent: guard ? async () => await guard.releaseAllUnsent() : undefined,
		places: dials
			? {
					what: dials.places,
					idOf: (json) => {
						const id = json[dials.idField];
						return typeof id === 'string' || typeof id === 'number'
							? `${dials.idField} ${id}`
							: undefined;
					},
					applies: (checked) => guard?.places(checked.input) ?? true,
				}
			: undefined,
	};
	const output = await runItems(fn, plan);
	// Every call of the run was placed first; now they are waited for together.
	const final = waiter ? await waiter.finish(output) : output;
	await doNotCall?.record(final);
	return [final];
}

type Send = (itemIndexes: number[], inputs: Array<Checked<unknown>>) => Promise<ItemResult[]>;

/**
 * For an operation that places calls or sends SMS: the result of each item that placed one
 * carries the guard's sent fields (`skipped: false, skipReason: null`, and in an editor run where
 * its key was recorded), like a skipped item carries `skipped: true`. Set on the result object
 * itself, not a copy: Wait for Call to End finds the placed call's item by that object.
 */
function markedSent(send: Send, guard: PreDialGuard | undefined): Send {
	if (!guard) return send;
	return async (itemIndexes, inputs) => {
		const results = await send(itemIndexes, inputs);
		results.forEach((result, k) => {
			if (!guard.places(inputs[k].input)) return;
			const jsons =
				result instanceof ItemWithFiles ? [result.json] : Array.isArray(result) ? result : [result];
			const fields = guard.sentFields(inputs[k]);
			for (const json of jsons) Object.assign(json, fields);
		});
		return results;
	};
}

/** An operation's request for one item. */
function sendEach(
	fn: IExecuteFunctions,
	execute: NonNullable<Operation['execute']>,
	session: RequestSession,
	waiter: CallWaiter | undefined,
) {
	return async (
		[itemIndex]: number[],
		[checked]: Array<Checked<unknown>>,
	): Promise<ItemResult[]> => [
		await execute(
			{ fn, itemIndex, request: async (request) => await session.send(request, itemIndex), waiter },
			checked.input,
		),
	];
}

/** A batch operation's request for the items of one batch, checked to answer one result per item. */
function sendBatch(
	fn: IExecuteFunctions,
	batch: NonNullable<Operation['batch']>,
	session: RequestSession,
	provider: string,
) {
	return async (itemIndexes: number[], inputs: Array<Checked<unknown>>): Promise<IDataObject[]> => {
		const results = await batch.send(
			{ fn, itemIndexes, request: async (request) => await session.send(request, itemIndexes[0]) },
			inputs.map((checked) => checked.input),
		);
		if (!Array.isArray(results) || results.length !== inputs.length) {
			const mismatch = new NodeApiError(
				fn.getNode(),
				{ message: 'result count mismatch' } as JsonObject,
				{
					message: `${provider} answered ${Array.isArray(results) ? results.length : 'no'} results for a batch of ${inputs.length}`,
					description:
						'The calls of this batch may or may not have been created; they were not sent again. Check with Get Many before running these items again.',
					itemIndex: itemIndexes[0],
				},
			);
			mismatch.context[OUTCOME_UNCERTAIN] = true;
			throw mismatch;
		}
		return results;
	};
}
