import type { IDataObject } from 'n8n-workflow';
import type { Operation, ValidationEnv } from '../../../shared/types';
import type { AiCallerEnvelope } from '../../provider';
import { phoneCallProperties, phoneCallSchema, readPhoneCall } from './fields';

const schema = (env: ValidationEnv) => phoneCallSchema(env);

export const createPhoneCall: Operation<ReturnType<typeof schema>> = {
	value: 'create',
	name: 'Create',
	action: 'Create a phone call',
	description: 'Have the AI call a person now or at a scheduled time. This dials a real phone number.',
	properties: phoneCallProperties,
	schema,
	readInput: (fn, itemIndex) => readPhoneCall(fn, itemIndex, phoneCallProperties),
	async execute(ctx, body) {
		const response = await ctx.request<AiCallerEnvelope<IDataObject>>({
			method: 'POST',
			path: '/v1/phoneCalls',
			body,
			kind: 'create',
			checkHint: 'Check with Phone Call → Get Many before running this item again.',
		});
		return { ...response.data };
	},
};
