import type { IDataObject, INodeProperties } from 'n8n-workflow';
import type { Operation, ValidationEnv } from '../../../shared/types';
import type { AiCallerEnvelope } from '../../provider';
import {
	webhookSecretProperty,
	withoutWebhookSecrets,
	withWebhookSecret,
} from '../../webhookSecret';
import {
	phoneCallDialing,
	phoneCallDoNotCall,
	phoneCallProperties,
	phoneCallSchema,
	readPhoneCallInput,
} from './fields';

const DEFAULT_BATCH_SIZE = 100;

const batchSizeProperty: INodeProperties = {
	displayName: 'Batch Size',
	name: 'batchSize',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 1000 },
	default: 100,
	description: 'How many calls go out in one request. Every input item still gets its own result.',
};

const schema = (env: ValidationEnv) => phoneCallSchema(env);

export const createManyPhoneCalls: Operation<ReturnType<typeof schema>> = {
	value: 'createMany',
	name: 'Create Many',
	action: 'Create many phone calls',
	description:
		'Create one phone call per input item, sent in batches. This dials real phone numbers: each item is one call.',
	properties: [...phoneCallProperties, webhookSecretProperty, batchSizeProperty],
	schema,
	phoneFields: true,
	dials: phoneCallDialing,
	doNotCall: phoneCallDoNotCall,
	readInput: readPhoneCallInput,
	batch: {
		size: (fn) =>
			Number(fn.getNodeParameter('batchSize', 0, DEFAULT_BATCH_SIZE)) || DEFAULT_BATCH_SIZE,
		async send(ctx, inputs) {
			const response = await ctx.request<AiCallerEnvelope<IDataObject[]>>({
				method: 'POST',
				path: '/v1/phoneCalls/batch',
				body: {
					phoneCalls: await Promise.all(
						inputs.map(async (input) => await withWebhookSecret(ctx.fn, input)),
					),
				},
				idempotent: false,
				checkHint: 'Check with Phone Call → Get Many before running these items again.',
			});
			// AICaller echoes each webhook with its secret: never output.
			return Array.isArray(response?.data) ? withoutWebhookSecrets(response.data) : [];
		},
	},
};
