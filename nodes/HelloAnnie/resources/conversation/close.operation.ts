/**
 * Conversation → Close: POST /conversations/{conversationId}/close
 * (https://docs.helloannie.com/api-reference/conversations/close-conversation), body
 * `{ skipNotifications }` (boolean, default false). The page calls the endpoint idempotent: a
 * duplicate close answers the conversation's current status, CLOSING or CLOSED.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { conversationIdProperty } from './fields';

const properties: INodeProperties[] = [
	conversationIdProperty,
	{
		displayName: 'Skip Notifications',
		name: 'skipNotifications',
		type: 'boolean',
		default: false,
		description:
			"Whether to skip sending notifications to the organization's users about this conversation",
	},
];

const schema = () => z.object({ conversationId: uuid(), skipNotifications: z.boolean() });

export const closeConversation: Operation<ReturnType<typeof schema>> = {
	value: 'close',
	name: 'Close',
	action: 'Close a conversation',
	description: 'Close a conversation and run its post-conversation actions',
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AnnieEnvelope<IDataObject>>({
			method: 'POST',
			path: `/conversations/${encodeURIComponent(input.conversationId)}/close`,
			body: { skipNotifications: input.skipNotifications },
			// Documented as idempotent: a repeated close changes nothing, so an uncertain failure may be retried.
			idempotent: true,
		});
		// The answer holds only the status; the ID tells a later node which conversation it is.
		return { conversationId: input.conversationId, ...response.data };
	},
};
