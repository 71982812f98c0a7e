import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { findOperation } from './description';
import { forEachBatch } from './batch';
import { guardOptions, PreDialGuard, type Checked } from './guard';
import { forEachItem } from './items';
import { readFields } from './fields';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession, type TransportOptions } from './transport';
import { COUNTRY_CODE_RULE, parseCountryCode } from './phone';
import type { Operation, ProviderDefinition, Resource, ValidationEnv } from './types';
import { CallWaiter } from './wait';
import { collectLabels, parseInput } from './validate';

const requestOptions: INodeProperties[] = [
	{
		displayName: 'Max Requests per Minute',
		name: 'maxPerMinute',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Cap on requests this node sends per minute in one execution, e.g. to pace a campaign. 0 means only the provider\'s own limit applies.',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: 30000,
		description:
			'How long to wait for an answer. A create request that times out is not sent again: it may or may not have been processed.',
	},
];

const defaultCountryCodeOption: INodeProperties = {
	displayName: 'Default Country Code',
	name: 'defaultCountryCode',
	type: 'string',
	default: '',
	placeholder: '+1',
	description:
		'Country calling code for phone numbers written without one, as spreadsheets and EHR exports often store them (e.g. +1 for the US and Canada: 555 123 4567 becomes +15551234567). Numbers starting with + or 00 are used as they are. Empty: every number must include its country code.',
};

function optionsCollection(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Options', name: 'requestOptions', type: 'collection', placeholder: 'Add Option', default: {}, options };
}

/** The "Options" collection every operation of every node gets; with Default Country Code where it has phone fields. */
export function requestOptionsProperties(operation: Operation): INodeProperties[] {
	const options = [
		...requestOptions,
		...(operation.phoneFields ? [defaultCountryCodeOption] : []),
		...(operation.dials ? guardOptions(operation.dials) : []),
	];
	return [optionsCollection([...options].sort((a, b) => a.displayName.localeCompare(b.displayName)))];
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
	const prepare = async (itemIndex: number) => parseInput(fn, itemIndex, schema, await readInput(itemIndex), labels);

	const guard = operation.dials ? new PreDialGuard(fn, operation.dials) : undefined;

	if (operation.batch) {
		const batch = operation.batch;
		const output = await forEachBatch<Checked<unknown>>(fn, {
			size: batch.size(fn),
			provider: provider.displayName,
			prepare: async (itemIndex) => {
				const input = await prepare(itemIndex);
				if (!guard) return { input: { itemIndex, input } };
				const checked = await guard.check(itemIndex, input);
				return 'output' in checked ? { output: checked.output } : { input: checked };
			},
			// Keys of all rows are claimed together, before the first batch goes out.
			claim: guard ? async (inputs) => await guard.claim(inputs) : undefined,
			send: async ({ itemIndexes }, inputs) =>
				await batch.send(
					{ fn, itemIndexes, request: async (request) => await session.send(request, itemIndexes[0]) },
					inputs.map((checked) => checked.input),
				),
			settleFailure: guard ? async (itemIndexes, error) => await guard.settleFailure(itemIndexes, error) : undefined,
			releaseUnsent: guard ? async (itemIndexes) => await guard.releaseUnsent(itemIndexes) : undefined,
		});
		return [output];
	}

	// Wait for Call to End: read once for the run; On Provider Callback with many items is refused here.
	const waiter = operation.waits
		? CallWaiter.forRun(fn, provider.displayName, operation.waits.callback !== undefined)
		: undefined;
	const execute = operation.execute;
	const output = await forEachItem(fn, async (itemIndex) => {
		const input = await prepare(itemIndex);
		const admission = guard ? await guard.admit(itemIndex, input) : { input };
		if ('output' in admission) return admission.output;
		try {
			return await execute(
				{ fn, itemIndex, request: async (request) => await session.send(request, itemIndex), waiter },
				admission.input,
			);
		} catch (error) {
			throw guard ? await guard.settleFailure([itemIndex], error) : error;
		}
	});
	// Every call of the run was placed first; now they are waited for together.
	return [waiter ? await waiter.finish(output) : output];
}
