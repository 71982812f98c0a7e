import type { INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { compact, optional, phoneNumber, text } from '../../../shared/schema';
import type { Operation, ValidationEnv } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { fromNumberLocator } from '../locators';
import { toNumberProperty } from '../numbers';
import {
	appointmentInfoProperty,
	appointmentInfoSchema,
	patientInfoProperty,
	patientInfoSchema,
} from '../patientAndAppointment';

const properties: INodeProperties[] = [
	fromNumberLocator(
		'The Annie phone number to send the SMS from (must be configured in HelloAnnie)',
	),
	toNumberProperty('The phone number to send the SMS to'),
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'Hi Sarah, this is Annie from Bright Smiles Dental…',
		description: 'The first SMS message sent to the patient (1–500 characters)',
	},
	patientInfoProperty,
	appointmentInfoProperty,
	{
		displayName: 'Context',
		name: 'context',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		description: 'Context about the SMS conversation for Annie (max 500 characters)',
	},
];

const schema = (env: ValidationEnv) =>
	z
		.object({
			fromNumber: phoneNumber(env),
			toNumber: phoneNumber(env),
			message: text({ max: 500 }),
			patientInfo: patientInfoSchema(env),
			appointmentInfo: appointmentInfoSchema(env),
			context: optional(text({ max: 500 })),
		})
		.transform((body) => compact(body));

export const startSmsConversation: Operation<ReturnType<typeof schema>> = {
	value: 'startConversation',
	name: 'Start Conversation',
	action: 'Start an outbound SMS conversation',
	description:
		'Send a first SMS to a patient; Annie carries on the conversation. This texts a real phone number.',
	properties,
	schema,
	phoneFields: true,
	dials: {
		places: 'SMS',
		idField: 'conversationId',
		// The Start Outbound SMS page: "Returns 409 Conflict if a send to the same number is already
		// in progress." The only refusal of HelloAnnie's contact rules its pages tell apart.
		notNow: [{ status: 409, skipReason: 'sendInProgress' }],
	},
	async execute(ctx, body) {
		const response = await ctx.request<AnnieEnvelope<{ conversationId: string }>>({
			method: 'POST',
			path: '/sms',
			body,
			idempotent: false,
			checkHint: 'Check with Conversation → Get Many before running this item again.',
		});
		return { ...response.data };
	},
};
