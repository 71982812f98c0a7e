import type { IDataObject } from 'n8n-workflow';
import { pick } from '../../../shared/endedCall';
import type { ApiRequest, CallbackSupport, Operation, ValidationEnv } from '../../../shared/types';
import { describePhoneCall } from '../../callOutcome';
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

const schema = (env: ValidationEnv) => phoneCallSchema(env);

/**
 * One read of a phone call by its ID: the fields that say how it went, under AICaller's own names
 * (describePhoneCall reads them).
 */
async function readPhoneCallById(
	request: <T>(request: ApiRequest) => Promise<T>,
	id: string,
): Promise<IDataObject> {
	const call = await request<AiCallerEnvelope<IDataObject>>({
		method: 'GET',
		path: `/v1/phoneCalls/${encodeURIComponent(id)}`,
		idempotent: true,
	});
	return withoutWebhookSecrets(
		pick(call.data ?? {}, [
			'_id',
			'status',
			'callDuration',
			'statusExtraInfo',
			'resultValues',
			'recordingUrl',
			'callStartedAt',
			'callEndedAt',
		]),
	);
}

const COMPLETED_EVENT = 'phoneCall.completed';

/** A webhook subscription of the call itself (`phoneCallWebhooks`) for phoneCall.completed. */
const aiCallerCallback: CallbackSupport = {
	how: `POSTs ${COMPLETED_EVENT} to a webhook of the call`,
	attach: (body, url) => ({
		...body,
		phoneCallWebhooks: [
			...((body.phoneCallWebhooks as IDataObject[] | undefined) ?? []),
			{ url, subscribedEvent: COMPLETED_EVENT },
		],
	}),
	identify: (payload) => {
		const data = payload.data as IDataObject | undefined;
		const id = data?._id;
		return {
			callId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
			final: payload.event === COMPLETED_EVENT,
		};
	},
};

export const createPhoneCall: Operation<ReturnType<typeof schema>> = {
	value: 'create',
	name: 'Create',
	action: 'Create a phone call',
	description:
		'Have the AI call a person now or at a scheduled time. This dials a real phone number.',
	properties: [...phoneCallProperties, webhookSecretProperty],
	schema,
	phoneFields: true,
	dials: phoneCallDialing,
	doNotCall: phoneCallDoNotCall,
	readInput: readPhoneCallInput,
	waits: {
		idField: '_id',
		read: readPhoneCallById,
		describe: describePhoneCall,
		callback: aiCallerCallback,
	},
	async execute(ctx, body) {
		// The secret goes on the user's webhooks only; the resume URL carries n8n's own token.
		const withSecret = await withWebhookSecret(ctx.fn, body);
		const resumeUrl = ctx.waiter?.callbackUrl(ctx.itemIndex);
		const response = await ctx.request<AiCallerEnvelope<IDataObject>>({
			method: 'POST',
			path: '/v1/phoneCalls',
			body: resumeUrl ? aiCallerCallback.attach(withSecret, resumeUrl) : withSecret,
			idempotent: false,
			checkHint: 'Check with Phone Call → Get Many before running this item again.',
		});
		const created = withoutWebhookSecrets({ ...response.data });
		// The call echoes its webhooks; the one pointing at the resume URL (with n8n's resume token)
		// is the node's own and is left out of the output.
		if (resumeUrl && Array.isArray(created.phoneCallWebhooks)) {
			created.phoneCallWebhooks = (created.phoneCallWebhooks as IDataObject[]).filter(
				(webhook) => webhook.url !== resumeUrl,
			);
		}
		return ctx.waiter ? ctx.waiter.watch(ctx.itemIndex, created) : created;
	},
};
