/**
 * The fields every operation gets after its own, declared once and added from what the operation
 * declares: Wait for Call to End where it can wait (`waits`), then the Options collection
 * (timeout and pacing always; Default Country Code where it has phone fields; the campaign guard
 * where it `dials`; Remember Do-Not-Call Numbers where it declares `doNotCall`). And the reading
 * of those options for a run.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { doNotCallOptions } from './doNotCall';
import { guardOptions } from './guard';
import { COUNTRY_CODE_RULE, parseCountryCode } from './phone';
import { DEFAULT_TRANSPORT_OPTIONS, type TransportOptions } from './transport';
import type { Operation, ProviderDefinition } from './types';
import { waitProperties } from './waitFields';

/**
 * Requests a node keeps in flight by default (Options → Requests in Parallel). Chosen from `npm
 * run bench` ("Campaign time at the providers' answer times"): see docs/benchmarks.md.
 */
export const DEFAULT_REQUESTS_IN_PARALLEL = 10;
const MAX_REQUESTS_IN_PARALLEL = 100;

const requestOptions: INodeProperties[] = [
	{
		displayName: 'Requests in Parallel',
		name: 'requestsInParallel',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_REQUESTS_IN_PARALLEL, numberPrecision: 0 },
		default: DEFAULT_REQUESTS_IN_PARALLEL,
		description:
			"How many requests this node keeps on their way at once, each item still paired with its own result in input order, and the provider's rate limit kept across them. 1 sends one after the other. With more than 1, when a request fails without Continue On Fail no further request starts, but up to this number minus one calls may already be on their way and be placed; the error names each call placed.",
	},
	{
		displayName: 'Max Requests per Minute',
		name: 'maxPerMinute',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 0,
		description:
			"Cap on requests this node sends per minute in one execution, e.g. to pace a campaign; below 1 paces slower (0.5: one request every 2 minutes). 0 means only the provider's own limit applies.",
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
	return {
		displayName: 'Options',
		name: 'requestOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}

/** The "Options" collection every operation of every node gets; with Default Country Code where it has phone fields. */
function requestOptionsProperties(operation: Operation, provider: string): INodeProperties[] {
	const options = [
		...requestOptions,
		...(operation.phoneFields ? [defaultCountryCodeOption] : []),
		...(operation.dials ? guardOptions(operation.dials) : []),
		...(operation.doNotCall ? doNotCallOptions(provider, operation.dials !== undefined) : []),
	];
	return [
		optionsCollection([...options].sort((a, b) => a.displayName.localeCompare(b.displayName))),
	];
}

/**
 * The fields every operation gets after its own, from what it declares: Wait for Call to End
 * where it can wait (`waits`), then Options (with the campaign guard where it `dials`).
 */
export function sharedProperties(
	provider: ProviderDefinition,
): (operation: Operation) => INodeProperties[] {
	return (operation) => [
		...(operation.waits ? waitProperties(operation.waits, provider.displayName) : []),
		...requestOptionsProperties(operation, provider.displayName),
	];
}

function readRequestOptions(fn: IExecuteFunctions): IDataObject {
	return fn.getNodeParameter('requestOptions', 0, {}) as IDataObject;
}

export function transportOptions(fn: IExecuteFunctions): TransportOptions {
	const raw = readRequestOptions(fn);
	const timeoutMs = Number(raw.timeoutMs);
	const maxPerMinute = Number(raw.maxPerMinute);
	return {
		...DEFAULT_TRANSPORT_OPTIONS,
		timeoutMs:
			Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_TRANSPORT_OPTIONS.timeoutMs,
		maxPerMinute: Number.isFinite(maxPerMinute) && maxPerMinute > 0 ? maxPerMinute : 0,
	};
}

/** Options → Requests in Parallel, within 1 and its maximum. */
export function requestsInParallel(fn: IExecuteFunctions): number {
	const raw = Number(readRequestOptions(fn).requestsInParallel ?? DEFAULT_REQUESTS_IN_PARALLEL);
	if (!Number.isFinite(raw)) return DEFAULT_REQUESTS_IN_PARALLEL;
	return Math.min(MAX_REQUESTS_IN_PARALLEL, Math.max(1, Math.floor(raw)));
}

/** Options → Default Country Code as digits (`1` for `+1`); a value that is not one stops the node. */
export function defaultCountryCode(fn: IExecuteFunctions): string | undefined {
	const raw = readRequestOptions(fn).defaultCountryCode;
	if (raw === undefined || raw === null || String(raw).trim() === '') return undefined;
	const digits = parseCountryCode(String(raw));
	if (digits === undefined) {
		throw new NodeOperationError(
			fn.getNode(),
			`Options → Default Country Code (defaultCountryCode) ${COUNTRY_CODE_RULE}`,
			{
				description: 'Nothing was sent.',
			},
		);
	}
	return digits;
}
