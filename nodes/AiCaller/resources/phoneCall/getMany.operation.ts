/**
 * Phone Call → Get Many. GET /v1/phoneCalls documents one query parameter, callTemplateId, and no paging: the list comes
 * in one answer. Return All outputs all of it; Limit keeps the first calls of that answer, in
 * AICaller's order (nothing about a limit is sent).
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { returnAllAndLimit } from '../../../shared/description';
import { compact, optional } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import { describedPhoneCall } from '../../callOutcome';
import type { AiCallerEnvelope } from '../../provider';
import { withoutWebhookSecrets } from '../../webhookSecret';
import { aiCallerId, phoneCallDoNotCall } from './fields';

const properties: INodeProperties[] = [
	...returnAllAndLimit().map((property) =>
		property.name === 'limit'
			? {
					...property,
					description:
						"Max number of results to return. AICaller's list has no paging: the whole list is read in one request and its first calls are kept.",
				}
			: property,
	),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Call Template ID',
				name: 'callTemplateId',
				type: 'string',
				default: '',
				placeholder: '363573667364666473667332',
				description: 'Only the calls made with this call template',
			},
		],
	},
];

const schema = () =>
	z.object({
		returnAll: z.boolean(),
		limit: z.number().int().min(1),
		filters: z
			.object({ callTemplateId: optional(aiCallerId()) })
			.strict()
			.default({}),
	});

export const getManyPhoneCalls: Operation<ReturnType<typeof schema>> = {
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many phone calls',
	description: 'List phone calls',
	properties,
	schema,
	doNotCall: phoneCallDoNotCall,
	async execute(ctx, input) {
		const qs = compact({ callTemplateId: input.filters.callTemplateId });
		const response = await ctx.request<AiCallerEnvelope<IDataObject[]>>({
			method: 'GET',
			path: '/v1/phoneCalls',
			...(qs ? { qs } : {}),
			idempotent: true,
		});
		// AICaller echoes each webhook with its secret: never output.
		const calls = Array.isArray(response?.data) ? withoutWebhookSecrets(response.data) : [];
		return (input.returnAll ? calls : calls.slice(0, input.limit)).map(describedPhoneCall);
	},
};
