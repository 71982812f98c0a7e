import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import { collectPages } from '../../../shared/paging';
import { readFields } from '../../../shared/fields';
import { compact, optional, text, utcDateTime } from '../../../shared/schema';
import type { Operation, ValidationEnv } from '../../../shared/types';
import { describedAlloMiaCall } from '../../callOutcome';

/**
 * https://docs.allomia.com/api-reference/endpoint/list-calls: the newer version of the page says
 * `limit` 1–50 (default 20), the older one at most 20 (default 10): pages of 20 are accepted by
 * both.
 */
const PAGE_SIZE = 20;

const properties: INodeProperties[] = [
	{
		displayName: 'Organization ID',
		name: 'organizationId',
		type: 'string',
		default: '',
		description:
			'ID of the organization whose calls to list. Leave empty to use the Organization ID of the credential.',
	},
	...returnAllAndLimit(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Agent Name',
				name: 'agentName',
				type: 'string',
				default: '',
				description: 'Only calls whose agent (assistant) name contains this text',
			},
			{
				displayName: 'Call Type',
				name: 'callType',
				type: 'options',
				options: [
					{ name: 'Inbound', value: 'Inbound' },
					{ name: 'Outbound', value: 'Outbound' },
					{ name: 'Web', value: 'Web' },
				],
				default: 'Outbound',
			},
			{
				displayName: 'From',
				name: 'from',
				type: 'dateTime',
				default: '',
				description: 'Only calls from this date-time on (must not be after To)',
			},
			{
				displayName: 'Sort',
				name: 'sort',
				type: 'options',
				options: [
					{ name: 'Longest First', value: 'duration_desc' },
					{ name: 'Newest First', value: 'desc' },
					{ name: 'Oldest First', value: 'asc' },
					{ name: 'Shortest First', value: 'duration_asc' },
				],
				default: 'desc',
			},
			{
				displayName: 'To',
				name: 'to',
				type: 'dateTime',
				default: '',
				description: 'Only calls up to this date-time',
			},
		],
	},
];

async function readInput(fn: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const input = readFields(fn, itemIndex, properties);
	if (!String(input.organizationId ?? '').trim()) {
		const credentials = await fn.getCredentials('alloMiaApi', itemIndex);
		input.organizationId = credentials.organizationId ?? '';
	}
	return input;
}

const schema = (env: ValidationEnv) =>
	z.object({
		// list-calls: "The ID of the organization", a string without a documented format.
		organizationId: text(),
		returnAll: z.boolean(),
		limit: z.number().int().min(1),
		filters: z
			.object({
				callType: optional(z.enum(['Inbound', 'Outbound', 'Web'])),
				agentName: optional(text()),
				from: optional(utcDateTime(env)),
				to: optional(utcDateTime(env)),
				sort: optional(z.enum(['asc', 'desc', 'duration_desc', 'duration_asc'])),
			})
			.strict()
			// Documented: "If both from and to are provided, from must be before or equal to to" (else 400).
			.superRefine((filters, ctx) => {
				if (filters.from && filters.to && Date.parse(filters.from) > Date.parse(filters.to)) {
					ctx.addIssue({
						code: z.ZodIssueCode.custom,
						path: ['from'],
						message: 'is after To: enter a From that is not later than To',
					});
				}
			})
			.default({}),
	});

interface CallsPage {
	calls?: IDataObject[];
	pagination?: { page: number; totalPages: number; hasNextPage: boolean };
}

export const getManyCalls: Operation<ReturnType<typeof schema>> = {
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many calls',
	description: "List the organization's calls, with filters by type, agent, dates and sort order",
	properties,
	schema,
	readInput,
	async execute(ctx, input) {
		const filters = compact(input.filters) ?? {};
		const pageSize = input.returnAll ? PAGE_SIZE : Math.min(PAGE_SIZE, input.limit);
		const calls = await collectPages(
			async ({ index }) => {
				const response = await ctx.request<CallsPage>({
					method: 'GET',
					path: '/api/calls',
					// Every page has the same size so that page numbers stay aligned; the surplus is cut.
					qs: {
						organizationId: input.organizationId,
						page: index + 1,
						limit: pageSize,
						...filters,
					},
					idempotent: true,
				});
				const calls = response.calls ?? [];
				return {
					items: calls,
					hasMore: response.pagination?.hasNextPage ?? calls.length === pageSize,
				};
			},
			{ returnAll: input.returnAll, limit: input.limit, pageSize },
		);
		// List items carry callEndedAt and callDurationSeconds, not the outcome or the summary.
		return calls.map(describedAlloMiaCall);
	},
};
