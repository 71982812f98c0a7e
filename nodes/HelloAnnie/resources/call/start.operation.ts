import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { pick } from '../../../shared/endedCall';
import { compact, optional, phoneNumber, text } from '../../../shared/schema';
import type { ApiRequest, Operation, ValidationEnv } from '../../../shared/types';
import { describeConversation } from '../../callOutcome';
import type { AnnieEnvelope } from '../../provider';
import {
	appointmentInfoProperty,
	appointmentInfoSchema,
	patientInfoProperty,
	patientInfoSchema,
} from '../patientAndAppointment';
import { fromNumberLocator } from '../locators';
import { toNumberProperty } from '../numbers';

const properties: INodeProperties[] = [
	fromNumberLocator('The Annie phone number to call from (must be configured in HelloAnnie)'),
	toNumberProperty("The phone number to call (must be on the organization's allowlist)"),
	patientInfoProperty,
	appointmentInfoProperty,
	{
		displayName: 'Context',
		name: 'context',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		placeholder: 'Confirming upcoming cleaning appointment scheduled for March 10th at 3:00 PM',
		description:
			'Context about the call for Annie, e.g. appointment confirmation details (max 500 characters)',
	},
	{
		displayName: 'Voicemail Message',
		name: 'voicemailMessage',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		description: 'Message Annie leaves when the call reaches voicemail (max 500 characters)',
	},
];

const schema = (env: ValidationEnv) =>
	z
		.object({
			fromNumber: phoneNumber(env),
			toNumber: phoneNumber(env),
			patientInfo: patientInfoSchema(env),
			appointmentInfo: appointmentInfoSchema(env),
			context: optional(text({ max: 500 })),
			voicemailMessage: optional(text({ max: 500 })),
		})
		.transform((body) => compact(body));

/**
 * One read of a conversation, as Wait for Call to End needs it: the fields that say how it went
 * (describeConversation reads whether it ended: OPEN and CLOSING are a call going on).
 */
async function readConversation(
	request: <T>(request: ApiRequest) => Promise<T>,
	conversationId: string,
): Promise<IDataObject> {
	const conversation = await request<AnnieEnvelope<IDataObject>>({
		method: 'GET',
		path: `/conversations/${encodeURIComponent(conversationId)}`,
		idempotent: true,
	});
	return pick(conversation.data ?? {}, [
		'status',
		'duration',
		'summary',
		'topic',
		'conversationTags',
		'actionsNeeded',
		'startTime',
		'endTime',
	]);
}

export const startCall: Operation<ReturnType<typeof schema>> = {
	value: 'start',
	name: 'Start',
	action: 'Start an outbound call',
	description: 'Place an outbound AI call to a patient. This dials a real phone number.',
	properties,
	schema,
	phoneFields: true,
	dials: { places: 'call', idField: 'conversationId' },
	// HelloAnnie documents no per-call callback, so its calls are waited for by polling.
	waits: { idField: 'conversationId', read: readConversation, describe: describeConversation },
	async execute(ctx, body) {
		const response = await ctx.request<AnnieEnvelope<{ conversationId: string }>>({
			method: 'POST',
			path: '/calls',
			body,
			idempotent: false,
			checkHint: 'Check with Conversation → Get Many before running this item again.',
		});
		const created: IDataObject = { ...response.data };
		return ctx.waiter ? ctx.waiter.watch(ctx.itemIndex, created) : created;
	},
};
