import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { findOperation } from './description';
import { guardOptions, PreDialGuard, type Checked } from './guard';
import { runItems, type ItemPlan } from './items';
import { readFields } from './fields';
import { DEFAULT_TRANSPORT_OPTIONS, OUTCOME_UNCERTAIN, RequestSession, type TransportOptions } from './transport';
import { COUNTRY_CODE_RULE, parseCountryCode } from './phone';
import type { Operation, ProviderDefinition, Resource, ValidationEnv } from './types';
import { CallWaiter, waitProperties } from './wait';
import { collectLabels, parseInput } from './validate';

const requestOptions: INodeProperties[] = [
	{
		displayName: 'Max Requests per Minute',
		name: 'maxPerMinute',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 0,
		description:
			'Cap on requests this node sends per minute in one execution, e.g. to pace a campaign; below 1 paces slower (0.5: one request every 2 minutes). 0 means only the provider\'s own limit applies.',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: 30000,
		description:
			'How long to wait for an answer (for a file download, for the whole file). A create request that times out is not sent again: it may or may not have been processed.',
	},
];

const defaultCountryCodeOption: INodeProperties = {
	displayName: 'Default Country Code',
	name: 'defaultCountryCode',
	type: 'string',
	default: '',
	placeholder: '+1',
	description:
		'Country calling code for phone numbers written without one, as spreadsheets and EHR exports often store them (e.g. +1 for the US and Canada: 555 987 6543 becomes +15559876543). Numbers starting with + or 00 are used as they are. Empty: every number must include its country code.',
};

function optionsCollection(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Options', name: 'requestOptions', type: 'collection', placeholder: 'Add Option', default: {}, options };
}

/** The "Options" collection every operation of every node gets; with Default Country Code where it has phone fields. */
function requestOptionsProperties(operation: Operation): INodeProperties[] {
	const options = [
		...requestOptions,
		...(operation.phoneFields ? [defaultCountryCodeOption] : []),
		...(operation.dials ? guardOptions(operation.dials) : []),
	];
	return [optionsCollection([...options].sort((a, b) => a.displayName.localeCompare(b.displayName)))];
}

/**
 * The fields every operation gets after its own, from what it declares: Wait for Call to End
 * where it can wait (`waits`), then Options (with the campaign guard where it `dials`).
 */
export function sharedProperties(provider: ProviderDefinition): (operation: Operation) => INodeProperties[] {
	return (operation) => [
		...(operation.waits ? waitProperties(operation.waits, provider.displayName) : []),
		...requestOptionsProperties(operation),
	];
}

function readRequestOptions(fn: IExecuteFunctions): IDataObject {
	return fn.getNodeParameter('requestOptions', 0, {}) as IDataObject;
}

function transportOptions(fn: IExecuteFunctions): TransportOptions {
	const raw = readRequestOptions(fn);
	const timeoutMs = Number(raw.timeoutMs);
	const maxPerMinute = Number(raw.maxPerMinute);
	return {
		...DEFAULT_TRANSPORT_OPTIONS,
		timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_TRANSPORT_OPTIONS.timeoutMs,
		maxPerMinute: Number.isFinite(maxPerMinute) && maxPerMinute > 0 ? maxPerMinute : 0,
	};
}

/** Options → Default Country Code as digits (`1` for `+1`); a value that is not one stops the node. */
function defaultCountryCode(fn: IExecuteFunctions): string | undefined {
	const raw = readRequestOptions(fn).defaultCountryCode;
	if (raw === undefined || raw === null || String(raw).trim() === '') return undefined;
	const digits = parseCountryCode(String(raw));
	if (digits === undefined) {
		throw new NodeOperationError(fn.getNode(), `Options → Default Country Code (defaultCountryCode) ${COUNTRY_CODE_RULE}`, {
			description: 'Nothing was sent.',
		});
	}
	return digits;
}

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
		operation.readInput ? operation.readInput(fn, itemIndex) : readFields(fn, itemIndex, operation.properties);
	const guard = operation.dials ? new PreDialGuard(fn, operation.dials) : undefined;
	// Wait for Call to End: read once for the run; On Provider Callback with many items is refused here.
	const waiter =
		operation.waits && !operation.batch
			? CallWaiter.forRun(fn, provider.displayName, operation.waits, (itemIndex) => async (request) => await session.send(request, itemIndex))
			: undefined;

	const plan: ItemPlan<Checked<unknown>> = {
		async prepare(itemIndex) {
			const input = parseInput(fn, itemIndex, schema, await readInput(itemIndex), labels);
			if (!guard) return { input: { itemIndex, input } };
			const checked = await guard.check(itemIndex, input);
			return 'output' in checked ? { output: checked.output } : { input: checked };
		},
		// Keys of all items are claimed together, before the first request goes out.
		claim: guard ? async (items) => await guard.claim(items.map((item) => item.input)) : undefined,
		unitSize: operation.batch ? operation.batch.size(fn) : 1,
		beforeSend: guard
			? async (_itemIndex, checked) => {
					const now = await guard.recheckHours(checked);
					return 'output' in now ? { output: now.output } : { input: now };
				}
			: undefined,
		send: operation.batch
			? sendBatch(fn, operation.batch, session, provider.displayName)
			: async ([itemIndex], [checked]) => [
					await operation.execute!(
						{ fn, itemIndex, request: async (request) => await session.send(request, itemIndex), waiter },
						checked.input,
					),
				],
		accepted: guard ? (itemIndexes) => guard.accepted(itemIndexes) : undefined,
		settleFailure: guard ? async (itemIndexes, error) => await guard.settleFailure(itemIndexes, error) : undefined,
		releaseUnsent: guard ? async () => await guard.releaseAllUnsent() : undefined,
		places: operation.dials
			? {
					what: operation.dials.places,
					idOf: (json) => {
						const id = json[operation.dials!.idField];
						return typeof id === 'string' || typeof id === 'number' ? `${operation.dials!.idField} ${id}` : undefined;
					},
					applies: (checked) => guard?.places(checked.input) ?? true,
				}
			: undefined,
	};
	const output = await runItems(fn, plan);
	// Every call of the run was placed first; now they are waited for together.
	return [waiter ? await waiter.finish(output) : output];
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
			const mismatch = new NodeApiError(fn.getNode(), { message: 'result count mismatch' } as JsonObject, {
				message: `${provider} answered ${Array.isArray(results) ? results.length : 'no'} results for a batch of ${inputs.length}`,
				description: 'The calls of this batch may or may not have been created; they were not sent again. Check with Get Many before running these items again.',
				itemIndex: itemIndexes[0],
			});
			mismatch.context[OUTCOME_UNCERTAIN] = true;
			throw mismatch;
		}
		return results;
	};
}
