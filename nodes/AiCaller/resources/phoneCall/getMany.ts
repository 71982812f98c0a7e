import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import { collectPages } from '../../../shared/paging';
import type { Operation } from '../../../shared/types';
import type { AiCallerEnvelope } from '../../provider';

/** Paging of GET /v1/phoneCalls is not documented: page/limit are sent and checked. */
const PAGE_SIZE = 100;

const properties = returnAllAndLimit();

const schema = () => z.object({ returnAll: z.boolean(), limit: z.number().int().min(1) });

export const getManyPhoneCalls: Operation<ReturnType<typeof schema>> = {
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many phone calls',
	description: 'List phone calls',
	properties,
	schema,
	async execute(ctx, input) {
		const pageSize = input.returnAll ? PAGE_SIZE : Math.min(PAGE_SIZE, input.limit);
		let previousFirstId: unknown;
		return await collectPages(
			async ({ index }) => {
				const response = await ctx.request<AiCallerEnvelope<IDataObject[]>>({
					method: 'GET',
					path: '/v1/phoneCalls',
					qs: { page: index + 1, limit: pageSize },
					kind: 'read',
				});
				const calls = Array.isArray(response?.data) ? response.data : [];
				// A server that ignores page/limit answers the same list again: stop instead of
				// repeating it.
				const repeated = index > 0 && calls.length > 0 && calls[0]._id === previousFirstId;
				previousFirstId = calls[0]?._id;
				if (repeated) return { items: [], hasMore: false };
				return { items: calls, hasMore: calls.length >= pageSize };
			},
			{ returnAll: input.returnAll, limit: input.limit, pageSize },
		);
	},
};
