import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import type { Operation } from '../../../shared/types';
import type { AiCallerEnvelope } from '../../provider';
import { withoutWebhookSecrets } from '../../webhookSecret';
import { aiCallerId } from './fields';

const properties: INodeProperties[] = [
	{
		displayName: 'Phone Call ID',
		name: 'phoneCallId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '12345678901234567890',
		description: 'The _id of the phone call, as Create or Get Many output it',
	},
];

const schema = () => z.object({ phoneCallId: aiCallerId() });

export const getPhoneCall: Operation<ReturnType<typeof schema>> = {
	value: 'get',
	name: 'Get',
	action: 'Get a phone call',
	description: 'Get a phone call with its status, result values, duration and recording link',
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AiCallerEnvelope<IDataObject>>({
			method: 'GET',
			path: `/v1/phoneCalls/${encodeURIComponent(input.phoneCallId)}`,
			idempotent: true,
		});
		// AICaller echoes each webhook with its secret: never output.
		return withoutWebhookSecrets({ ...response.data });
	},
};
