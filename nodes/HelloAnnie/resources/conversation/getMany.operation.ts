/**
 * Conversation → Get Many: GET /conversations
 * (https://docs.helloannie.com/api-reference/conversations), with `offset`, `limit` (1–100,
 * default 20), `orgId`, `botId`, `includeArchived`, `includeChildren`.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import { collectPages } from '../../../shared/paging';
import { compact, optional, uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import { describedConversation } from '../../callOutcome';
import type { AnnieEnvelope } from '../../provider';

/** The largest `limit` the page allows: the fewest requests for Return All. */
const PAGE_SIZE = 100;

const properties: INodeProperties[] = [
	...returnAllAndLimit(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Bot ID',
				name: 'botId',
				type: 'string',
				default: '',
				description: 'Only conversations of this bot (UUID)',
			},
			{
				displayName: 'Include Archived',
				name: 'includeArchived',
				type: 'boolean',
				default: false,
				description: 'Whether to include archived conversations',
			},
			{
				displayName: 'Include Children',
				name: 'includeChildren',
				type: 'boolean',
				default: false,
				description:
					'Whether to include the conversations of child organizations (applies only to account organizations)',
			},
			{
				displayName: 'Organization ID',
				name: 'orgId',
				type: 'string',
				default: '',
				description: 'Only conversations of this organization (UUID)',
			},
		],
	},
];

const schema = () =>
	z.object({
		returnAll: z.boolean(),
		limit: z.number().int().min(1),
		filters: z
			.object({
				orgId: optional(uuid()),
				botId: optional(uuid()),
				includeArchived: z.boolean().optional(),
				includeChildren: z.boolean().optional(),
			})
			.strict()
			.default({}),
	});

interface ConversationPage {
	conversations: IDataObject[];
	pagination?: { offset: number; limit: number; totalCount: number };
}

export const getManyConversations: Operation<ReturnType<typeof schema>> = {
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many conversations',
	description: 'List conversations, newest first, with optional filters',
	properties,
	schema,
	async execute(ctx, input) {
		const filters = compact(input.filters) ?? {};
		const conversations = await collectPages(
			async ({ offset, size: pageSize }) => {
				const response = await ctx.request<AnnieEnvelope<ConversationPage>>({
					method: 'GET',
					path: '/conversations',
					qs: { offset, limit: pageSize, ...filters },
					idempotent: true,
				});
				const conversations = response.data?.conversations ?? [];
				const total = response.data?.pagination?.totalCount;
				return {
					items: conversations,
					hasMore:
						total === undefined
							? conversations.length === pageSize
							: offset + conversations.length < total,
				};
			},
			{ returnAll: input.returnAll, limit: input.limit, pageSize: PAGE_SIZE },
		);
		return conversations.map(describedConversation);
	},
};
