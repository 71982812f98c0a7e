import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { CallbackSupport, DialSupport, Operation, ValidationEnv } from '../../../shared/types';
import { pick, waitProperties, type CallState } from '../../../shared/wait';
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

/** A phone call as AICaller returns it → its state, under AICaller's own field names. */
function phoneCallState(data: IDataObject): CallState {
	return {
		ended: TERMINAL_STATUSES.has(String(data.status)),
		call: withoutWebhookSecrets(
			pick(data, ['_id', 'status', 'callDuration', 'statusExtraInfo', 'resultValues', 'recordingUrl', 'callStartedAt', 'callEndedAt']),
		),
	};
}

const COMPLETED_EVENT = 'phoneCall.completed';

/**
 * A webhook subscription of the call itself (`phoneCallWebhooks`) for phoneCall.completed,
 * whose payload carries the call (`{ event, data }`), so no read is needed after it.
 */
const aiCallerCallback: CallbackSupport = {
	how: `POSTs ${COMPLETED_EVENT} to a webhook of the call`,
	idField: '_id',
	attach: (body, url) => ({
		...body,
		phoneCallWebhooks: [...((body.phoneCallWebhooks as IDataObject[] | undefined) ?? []), { url, subscribedEvent: COMPLETED_EVENT }],
	}),
	read: (payload) => {
		const data = payload.data as IDataObject | undefined;
		const id = data?._id;
		return {
			callId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
			final: payload.event === COMPLETED_EVENT,
		};
	},
	outcome: async (_request, payload) => {
		const state = phoneCallState((payload.data as IDataObject | undefined) ?? {});
		// phoneCall.completed reports the end whatever status the payload's call shows.
		return { ...state, ended: true };
	},
};

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
	waits: { callback: aiCallerCallback },
	extraProperties: waitProperties({ callback: { provider: 'AICaller', how: aiCallerCallback.how } }),
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
			created.phoneCallWebhooks = (created.phoneCallWebhooks as IDataObject[]).filter((webhook) => webhook.url !== resumeUrl);
		}
		if (!ctx.waiter) return created;
		return ctx.waiter.watch(ctx.itemIndex, {
			created,
			idField: aiCallerCallback.idField,
			check: async () => {
				const call = await ctx.request<AiCallerEnvelope<IDataObject>>({
					method: 'GET',
					path: `/v1/phoneCalls/${encodeURIComponent(String(created._id))}`,
					idempotent: true,
				});
				return phoneCallState(call.data ?? {});
			},
		});
	},
};
