/**
 * Bot → Get Many: GET /bots, the request of HelloAnnie's introduction and authentication pages.
 * No page documents paging for it: the whole list comes in one answer and Limit keeps its first bots.
 */
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import type { Operation } from '../../../shared/types';
import { listBots } from './fields';

const properties = returnAllAndLimit();

const schema = () => z.object({ returnAll: z.boolean(), limit: z.number().int().min(1) });

export const getManyBots: Operation<ReturnType<typeof schema>> = {
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many bots',
	description: "List the organization's bots",
	properties,
	schema,
	async execute(ctx, input) {
		const bots = await listBots(ctx);
		return input.returnAll ? bots : bots.slice(0, input.limit);
	},
};
