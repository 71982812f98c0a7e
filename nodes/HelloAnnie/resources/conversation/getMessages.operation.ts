import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { conversationIdProperty } from './fields';

const properties = [conversationIdProperty, ...returnAllAndLimit()];

const schema = () =>
	z.object({ conversationId: uuid(), returnAll: z.boolean(), limit: z.number().int().min(1) });

export const getConversationMessages: Operation<ReturnType<typeof schema>> = {
	value: 'getMessages',
	name: 'Get Messages',
	action: 'Get the messages of a conversation',
	description:
		'Get the messages of a conversation, one item per message (how an SMS exchange is read)',
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AnnieEnvelope<IDataObject[]>>({
			method: 'GET',
			path: `/conversations/${encodeURIComponent(input.conversationId)}/messages`,
			idempotent: true,
		});
		const messages = Array.isArray(response.data) ? response.data : [];
		return input.returnAll ? messages : messages.slice(0, input.limit);
	},
};
