/**
 * Bot → Get: one bot by its ID. HelloAnnie publishes no page for reading a single bot, so the node
 * sends only the documented GET /bots and picks the bot from that list.
 */
import { NodeOperationError } from 'n8n-workflow';
import { z } from 'zod';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import { botLocator } from '../locators';
import { listBots } from './fields';

const properties = [botLocator('The bot to get')];

const schema = () => z.object({ botId: uuid() });

export const getBot: Operation<ReturnType<typeof schema>> = {
	value: 'get',
	name: 'Get',
	action: 'Get a bot',
	description: 'Get a bot: its name, greetings, industry and whether it makes outbound calls',
	properties,
	schema,
	async execute(ctx, input) {
		const bot = (await listBots(ctx)).find((entry) => entry.id === input.botId);
		if (!bot) {
			throw new NodeOperationError(
				ctx.fn.getNode(),
				"Bot (botId) is not one of the bots this API key's organization has: choose the bot from the list, or check the ID",
				{ itemIndex: ctx.itemIndex, description: 'HelloAnnie listed the bots; none has this ID.' },
			);
		}
		return bot;
	},
};
