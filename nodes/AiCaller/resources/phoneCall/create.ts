import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { DialSupport, Operation, ValidationEnv } from '../../../shared/types';
import { pick, waitForCallEnd, waitProperties } from '../../../shared/wait';
import type { AiCallerEnvelope } from '../../provider';
import { checkWebhookSecret, webhookSecretProperty, withoutWebhookSecrets, withWebhookSecret } from '../../webhookSecret';
import { phoneCallProperties, phoneCallSchema, readPhoneCall } from './fields';

/** Documented statuses after which a call does not change any more ("canceled" is spelled both ways). */
const TERMINAL_STATUSES = new Set(['completed', 'busy', 'failed', 'noAnswer', 'cancelled', 'canceled']);

const schema = (env: ValidationEnv) => phoneCallSchema(env);

/** AICaller can hold a call until callDelayedUntil, so calling hours may schedule instead of skipping. */
export const phoneCallDialing: DialSupport = {
	places: 'call',
	schedule: {
		plannedAt: (body) => (typeof body.callDelayedUntil === 'string' ? body.callDelayedUntil : undefined),
		setPlannedAt: (body, utcIso) => ({ ...body, callDelayedUntil: utcIso }),
	},
};

/** Reads a phone call's fields and checks Add Webhook Secret before anything is sent (Create and Create Many). */
export async function readPhoneCallInput(fn: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const input = readPhoneCall(fn, itemIndex, phoneCallProperties);
	await checkWebhookSecret(fn, input);
	return input;
}

export const createPhoneCall: Operation<ReturnType<typeof schema>> = {
	value: 'create',
	name: 'Create',
	action: 'Create a phone call',
	description: 'Have the AI call a person now or at a scheduled time. This dials a real phone number.',
	properties: [...phoneCallProperties, webhookSecretProperty],
	schema,
	phoneFields: true,
	dials: phoneCallDialing,
	readInput: readPhoneCallInput,
	extraProperties: waitProperties,
	async execute(ctx, body) {
		const response = await ctx.request<AiCallerEnvelope<IDataObject>>({
			method: 'POST',
			path: '/v1/phoneCalls',
			body: await withWebhookSecret(ctx.fn, body),
			idempotent: false,
			checkHint: 'Check with Phone Call → Get Many before running this item again.',
		});
		// AICaller echoes each webhook with its secret: never output.
		const created = withoutWebhookSecrets({ ...response.data });
		const result = await waitForCallEnd(ctx, created, async () => {
			const call = await ctx.request<AiCallerEnvelope<IDataObject>>({
				method: 'GET',
				path: `/v1/phoneCalls/${encodeURIComponent(String(created._id))}`,
				idempotent: true,
			});
			const data = call.data ?? {};
			return {
				ended: TERMINAL_STATUSES.has(String(data.status)),
				outcome: pick(data, ['status', 'callDuration', 'statusExtraInfo', 'resultValues', 'recordingUrl', 'callStartedAt', 'callEndedAt']),
			};
		});
		return withoutWebhookSecrets(result);
	},
};
