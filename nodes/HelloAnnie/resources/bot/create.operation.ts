/**
 * Bot → Create: POST /bots (https://docs.helloannie.com/api-reference/bots/create-bot): `orgId`*
 * (UUID), `name`*, `greeting`*, and the optional fields of fields.ts. The answer's `data` is the bot.
 */
import type { INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { text, uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import {
	BOT_FIELDS_IN_PAGE_ORDER,
	greetingProperty,
	inOrder,
	nameProperty,
	optionalBotFields,
	optionalBotSchema,
} from './fields';

/** The page's field order. */
const ORDER = ['orgId', ...BOT_FIELDS_IN_PAGE_ORDER] as const;

const properties: INodeProperties[] = [
	{
		displayName: 'Organization ID',
		name: 'orgId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
		description: 'UUID of the organization the bot belongs to',
	},
	nameProperty(true),
	greetingProperty(true),
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: optionalBotFields,
	},
];

const schema = () =>
	z
		.object({
			orgId: uuid(),
			name: text(),
			greeting: text(),
			additionalFields: z.object(optionalBotSchema).strict().default({}),
		})
		.transform(({ additionalFields, ...required }) =>
			inOrder(ORDER, { ...required, ...additionalFields }),
		);

export const createBot: Operation<ReturnType<typeof schema>> = {
	value: 'create',
	name: 'Create',
	action: 'Create a bot',
	description: 'Create a bot in an organization',
	properties,
	schema,
	async execute(ctx, body) {
		const response = await ctx.request<AnnieEnvelope<Record<string, unknown>>>({
			method: 'POST',
			path: '/bots',
			body,
			idempotent: false,
			checkHint: 'Check with Bot → Get Many before running this item again.',
		});
		return { ...response.data } as Record<string, string>;
	},
};
