/**
 * Bot → Get Webhook: GET /bots/{botId}/webhook, HelloAnnie's "Get bot webhook" (listed in its
 * documentation index, https://docs.helloannie.com/llms.txt, one webhook per bot). The page's body
 * could not be read: the path and the answer's shape are the ones the HelloAnnie Trigger registers
 * with (docs/provider-contracts.md, "HelloAnnie: left open"). HelloAnnie never returns the token.
 * Tells a user which URL HelloAnnie sends a bot's conversations to, e.g. whether a trigger still
 * holds the bot.
 */
import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { botLocator } from '../locators';

const properties = [botLocator('The bot whose webhook to read')];

const schema = () => z.object({ botId: uuid() });

export const getBotWebhook: Operation<ReturnType<typeof schema>> = {
	value: 'getWebhook',
	name: 'Get Webhook',
	action: "Get a bot's webhook",
	description:
		"Get the URL HelloAnnie sends a bot's conversation events to, and whether it carries a token (the token itself is never returned)",
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AnnieEnvelope<IDataObject>>({
			method: 'GET',
			path: `/bots/${encodeURIComponent(input.botId)}/webhook`,
			idempotent: true,
		});
		return { ...response.data };
	},
};
