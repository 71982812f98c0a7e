import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import { describedConversation } from '../../callOutcome';
import type { AnnieEnvelope } from '../../provider';
import { conversationIdProperty } from './fields';

const properties = [conversationIdProperty];

const schema = () => z.object({ conversationId: uuid() });

export const getConversation: Operation<ReturnType<typeof schema>> = {
	value: 'get',
	name: 'Get',
	action: 'Get a conversation',
	description: 'Get a call or SMS conversation: status, summary, topic, duration, tags',
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AnnieEnvelope<IDataObject>>({
			method: 'GET',
			path: `/conversations/${encodeURIComponent(input.conversationId)}`,
			idempotent: true,
		});
		return describedConversation({ ...response.data });
	},
};
