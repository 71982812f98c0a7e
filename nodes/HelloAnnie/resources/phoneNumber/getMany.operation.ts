import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';

const properties = returnAllAndLimit();

const schema = () => z.object({ returnAll: z.boolean(), limit: z.number().int().min(1) });

export const getManyPhoneNumbers: Operation<ReturnType<typeof schema>> = {
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many phone numbers',
	description: "List the organization's phone numbers",
	properties,
	schema,
	async execute(ctx, input) {
		// GET /phone-numbers documents no paging: the whole list comes in one answer.
		const response = await ctx.request<AnnieEnvelope<{ phoneNumbers: IDataObject[] }>>({
			method: 'GET',
			path: '/phone-numbers',
			idempotent: true,
		});
		const numbers = response.data?.phoneNumbers ?? [];
		return input.returnAll ? numbers : numbers.slice(0, input.limit);
	},
};
