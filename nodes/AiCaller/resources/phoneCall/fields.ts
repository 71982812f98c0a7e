/**
 * The fields of one phone call, shared by Create and Create Many (the documentation example:
 * AICaller's Create Phone Call page).
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { z } from 'zod';
import { readFields } from '../../../shared/fields';
import {
	checkedOncePerValue,
	compact,
	httpUrl,
	optional,
	phoneNumber,
	text,
	utcDateTime,
} from '../../../shared/schema';
import type { DialSupport, DoNotCallSupport, ValidationEnv } from '../../../shared/types';
import { checkWebhookSecret } from '../../webhookSecret';

const STATUSES = [
	'queued',
	'ringing',
	'inProgress',
	'busy',
	'failed',
	'noAnswer',
	'cancelled',
	'completed',
] as const;
const TELEPHONY_PROVIDERS = ['twilio', 'plivo', 'telnyx'] as const;

/**
 * An AICaller ID (team, call template, phone number, call). The pages document no format: their
 * example call `_id` is 12345678901234567890 (20 digits), the other example IDs 24 hexadecimal
 * characters. So any non-empty text is sent as it is, and AICaller answers for it.
 */
export const aiCallerId = () => text();

export const phoneCallProperties: INodeProperties[] = [
	{
		displayName: 'Team ID',
		name: 'teamId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '363573667364666473667332',
		description: 'ID of the team the phone call belongs to',
	},
	{
		displayName: 'Call Template ID',
		name: 'callTemplateId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '363573667364666473667332',
		description: 'ID of the call template used for the call',
	},
	{
		displayName: 'Name of Human',
		name: 'nameOfHuman',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'John',
		description: 'Name of the person being called',
	},
	{
		displayName: 'To Phone Number',
		name: 'toPhoneNumber',
		type: 'string',
		required: true,
		default: '',
		placeholder: '+12345678901',
		description:
			'The phone number to call, in E.164 format. Spaces, dashes and brackets are removed; the country code is required.',
	},
	{
		displayName: 'Prompt Variable Values',
		name: 'promptVariableValues',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Prompt Variable',
		default: {},
		description:
			"Values for the call template's prompt variables (sent as a list, empty when none)",
		options: [
			{
				displayName: 'Variable',
				name: 'variable',
				values: [
					{
						displayName: 'Key',
						name: 'key',
						type: 'string',
						default: '',
						placeholder: 'customer_name',
					},
					{ displayName: 'Value', name: 'value', type: 'string', default: '', placeholder: 'John' },
				],
			},
		],
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Call Delayed Until',
				name: 'callDelayedUntil',
				type: 'dateTime',
				default: '',
				description:
					'Schedule the call for later. Sent as ISO 8601 in UTC (…Z), as AICaller requires. Without an offset the workflow time zone applies. A time in the past is sent as it is: AICaller decides what it means. To call back a person who asked for it, map the callBackAt field of a call that ended with endReason call_later; with Calling Hours and Outside Calling Hours set to Schedule for Next Allowed Time, a time outside them moves to their next opening.',
			},
			{
				displayName: 'From Phone Number',
				name: 'fromPhoneNumber',
				type: 'string',
				default: '',
				placeholder: '+12345678901',
				description:
					'Number to call from (E.164). Without it AICaller uses a number from the telephony settings.',
			},
			{
				displayName: 'Phone Number ID',
				name: 'phoneNumberId',
				type: 'string',
				default: '',
				description: 'ID of the phone number associated with the call',
			},
			{
				displayName: 'Record',
				name: 'record',
				type: 'boolean',
				default: false,
				description: 'Whether to record the call',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: STATUSES.map((value) => ({ name: value, value })),
				default: 'queued',
				description: 'Initial status of the phone call',
			},
			{
				displayName: 'Telephony Provider',
				name: 'telephonyProvider',
				type: 'options',
				options: [
					{ name: 'Plivo', value: 'plivo' },
					{ name: 'Telnyx', value: 'telnyx' },
					{ name: 'Twilio', value: 'twilio' },
				],
				default: 'twilio',
			},
			{
				displayName: 'To Email Address',
				name: 'toEmailAddress',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'Email address of the person being called',
			},
		],
	},
	{
		displayName: 'Webhooks',
		name: 'phoneCallWebhooks',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Webhook',
		default: {},
		description:
			'URLs AICaller notifies about this call, e.g. when it is completed. Their secret comes from a credential: see Add Webhook Secret.',
		options: [
			{
				displayName: 'Webhook',
				name: 'webhook',
				values: [
					{
						displayName: 'URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://hooks.example.com/',
					},
					{
						displayName: 'Subscribed Event',
						name: 'subscribedEvent',
						type: 'string',
						default: 'phoneCall.completed',
						description: 'Event that triggers the webhook. AICaller documents phoneCall.completed.',
					},
					// Where earlier versions kept a secret typed in (stored in clear with the workflow). Hidden,
					// but kept so that such a workflow is refused with a message (readPhoneCall) instead of
					// n8n dropping the unknown field and the calls going out without their secret.
					{
						displayName: 'Secret (No Longer Supported)',
						name: 'secret',
						type: 'hidden',
						default: '',
					},
				],
			},
		],
	},
];

/** The n8n lists (`{ variable: [...] }`, `{ webhook: [...] }`) become the documented arrays. */
function readPhoneCall(
	fn: IExecuteFunctions,
	itemIndex: number,
	properties: INodeProperties[],
): IDataObject {
	const raw = readFields(fn, itemIndex, properties);
	const variables = (raw.promptVariableValues as IDataObject | undefined)?.variable;
	const webhooks = (raw.phoneCallWebhooks as IDataObject | undefined)?.webhook;
	// A workflow built with an earlier version may still hold a secret typed into a webhook (in
	// clear, in the workflow). Refused rather than dropped: a call without it would be refused by
	// the trigger, long after this node reported success.
	if (
		Array.isArray(webhooks) &&
		webhooks.some(
			(webhook) =>
				typeof webhook === 'object' &&
				webhook !== null &&
				'secret' in webhook &&
				webhook.secret !== '' &&
				webhook.secret !== undefined,
		)
	) {
		throw new NodeOperationError(
			fn.getNode(),
			'Webhooks → Secret is no longer supported: a secret typed into a node is stored in the workflow in clear',
			{
				description:
					'Delete this webhook and add it again (the secret stays in the workflow until you do), put the secret into an AICaller Webhook Secret API credential, and turn on Add Webhook Secret. See the CHANGELOG. Nothing was sent.',
			},
		);
	}
	return {
		...raw,
		promptVariableValues: Array.isArray(variables) ? variables : [],
		phoneCallWebhooks: Array.isArray(webhooks) ? webhooks : undefined,
	};
}

export function phoneCallSchema(env: ValidationEnv) {
	return z
		.object({
			teamId: aiCallerId(),
			callTemplateId: aiCallerId(),
			nameOfHuman: text(),
			toPhoneNumber: phoneNumber(env),
			// The lists and collections are usually typed in, the same for every row of a Create Many:
			// each different value is checked once per run.
			promptVariableValues: checkedOncePerValue(
				z.array(
					z.object({
						key: text(),
						value: z.preprocess(
							(v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
							z.string(),
						),
					}),
				),
			),
			additionalFields: checkedOncePerValue(
				z
					.object({
						phoneNumberId: optional(aiCallerId()),
						fromPhoneNumber: optional(phoneNumber(env)),
						toEmailAddress: optional(z.string().trim().email()),
						status: optional(z.enum(STATUSES)),
						telephonyProvider: optional(z.enum(TELEPHONY_PROVIDERS)),
						record: z.boolean().optional(),
						callDelayedUntil: optional(utcDateTime(env)),
					})
					.strict()
					.default({}),
			),
			phoneCallWebhooks: checkedOncePerValue(
				optional(
					z
						.array(
							z.object({
								url: httpUrl(),
								// Only phoneCall.completed is documented, not how other event names look.
								subscribedEvent: text(),
							}),
						)
						.min(1),
				),
			),
		})
		.transform(({ additionalFields, phoneCallWebhooks, ...required }) => {
			const extra = compact(additionalFields) ?? {};
			// Field order of the documentation example (AICaller's Create Phone Call page), which also
			// always carries `record` (default false).
			return compact({
				teamId: required.teamId,
				phoneNumberId: extra.phoneNumberId,
				callTemplateId: required.callTemplateId,
				nameOfHuman: required.nameOfHuman,
				fromPhoneNumber: extra.fromPhoneNumber,
				toPhoneNumber: required.toPhoneNumber,
				toEmailAddress: extra.toEmailAddress,
				status: extra.status,
				telephonyProvider: extra.telephonyProvider,
				promptVariableValues: required.promptVariableValues,
				record: extra.record ?? false,
				callDelayedUntil: extra.callDelayedUntil,
				phoneCallWebhooks: phoneCallWebhooks?.map((w) => compact(w)),
			}) as IDataObject;
		});
}

/** AICaller can hold a call until callDelayedUntil, so calling hours may schedule instead of skipping. */
export const phoneCallDialing: DialSupport = {
	places: 'call',
	idField: '_id',
	schedule: {
		field: 'callDelayedUntil',
		plannedAt: (body) =>
			typeof body.callDelayedUntil === 'string' ? body.callDelayedUntil : undefined,
		setPlannedAt: (body, utcIso) => ({ ...body, callDelayedUntil: utcIso }),
	},
};

/**
 * A call AICaller marked DO_NOT_CALL (endReason do_not_call) was placed to its toPhoneNumber: the
 * field of Create's input and of every phone call Get, Get Many and the wait output.
 */
export const phoneCallDoNotCall: DoNotCallSupport = { field: 'toPhoneNumber' };

/** Reads a phone call's fields and checks Add Webhook Secret before anything is sent (Create and Create Many). */
export async function readPhoneCallInput(
	fn: IExecuteFunctions,
	itemIndex: number,
): Promise<IDataObject> {
	const input = readPhoneCall(fn, itemIndex, phoneCallProperties);
	await checkWebhookSecret(fn, input);
	return input;
}
