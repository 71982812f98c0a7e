/**
 * Bot → Update: PATCH /bots/{botId} (https://docs.helloannie.com/api-reference/bots/update-bot):
 * only the fields set are sent; the page adds `modelVersion` to the create page's fields and makes
 * every field optional. The answer's `data` is the bot.
 */
import type { INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { optional, text, uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { botLocator } from '../locators';
import {
	BOT_FIELDS_IN_PAGE_ORDER,
	greetingProperty,
	inOrder,
	nameProperty,
	optionalBotFields,
	optionalBotSchema,
} from './fields';

/** The page's field order. */
const ORDER = [...BOT_FIELDS_IN_PAGE_ORDER, 'modelVersion'] as const;

const modelVersion: INodeProperties = {
	displayName: 'Model Version',
	name: 'modelVersion',
	type: 'string',
	default: '',
	description: 'The model version for the bot, as HelloAnnie names it',
};

// Listed alphabetically, as n8n lists a collection's options.
const updateFields: INodeProperties[] = [
	...optionalBotFields,
	greetingProperty(false),
	modelVersion,
	nameProperty(false),
].sort((a, b) => a.displayName.localeCompare(b.displayName));

const properties: INodeProperties[] = [
	botLocator('The bot to update'),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: updateFields,
	},
];

const schema = () =>
	z
		.object({
			botId: uuid(),
			updateFields: z
				.object({
					name: optional(text()),
					greeting: optional(text()),
					modelVersion: optional(text()),
					...optionalBotSchema,
				})
				.strict()
				.default({}),
		})
		.transform(({ botId, updateFields }) => ({ botId, body: inOrder(ORDER, updateFields) }));

export const updateBot: Operation<ReturnType<typeof schema>> = {
	value: 'update',
	name: 'Update',
	action: 'Update a bot',
	description: "Change a bot's name, greetings, industry or outbound setting",
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AnnieEnvelope<Record<string, unknown>>>({
			method: 'PATCH',
			path: `/bots/${encodeURIComponent(input.botId)}`,
			body: input.body,
			// Setting the same fields again leaves the bot as it is.
			idempotent: true,
		});
		return { ...response.data } as Record<string, string>;
	},
};
