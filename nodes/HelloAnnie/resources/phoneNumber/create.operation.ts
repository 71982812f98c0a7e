import type { INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { constantOptions } from '../../../shared/description';
import { compact, optional, phoneNumber, text, uuid } from '../../../shared/schema';
import type { Operation, ValidationEnv } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { botLocator } from '../locators';

const LANGUAGES = ['ENGLISH', 'SPANISH', 'FRENCH'] as const;
const VOICES = [
	'FRIENDLY_BRIGHT',
	'CALM_REASSURING',
	'POLISHED_PROFESSIONAL',
	'KIND_CURIOUS',
	'CONFIDENT_UPBEAT',
] as const;

/**
 * The name's documented characters (https://docs.helloannie.com/api-reference/phone-numbers/create-phone-number,
 * newer version): 'Use letters, numbers, spaces, and basic punctuation. Names are capped at 100 characters.'
 */
const NAME_PATTERN = /^[A-Za-z0-9 .,_'()&#+/:;-]+$/;
const NAME_RULE =
	"has characters HelloAnnie does not accept: use only letters A-Z, digits, spaces and . , _ ' ( ) & # + / : ; -";

/** An upper-case value as a panel label: PEDIATRIC_DENTISTRY → Pediatric Dentistry. */
const properties: INodeProperties[] = [
	{
		displayName: 'Organization ID',
		name: 'orgId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
		description: 'UUID of the organization that will own this phone number',
	},
	botLocator('The bot to attach the phone number to'),
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'Main Line',
		description:
			"Friendly name for the phone number, at most 100 characters. Letters A-Z, digits, spaces and basic punctuation (. , _ ' ( ) & # + / : ; -) only.",
	},
	{
		displayName: 'Language',
		name: 'language',
		type: 'options',
		required: true,
		options: constantOptions(LANGUAGES),
		default: 'ENGLISH',
		description: 'The language of the phone number',
	},
	{
		displayName: 'Voice',
		name: 'voiceId',
		type: 'options',
		required: true,
		options: constantOptions(VOICES),
		default: 'FRIENDLY_BRIGHT',
		description: 'The voice of the phone number',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Area Code',
				name: 'areaCode',
				type: 'string',
				default: '',
				placeholder: '512',
				description:
					'Three-digit US area code to buy the number in. Without one, HelloAnnie uses a default area code.',
			},
			{
				displayName: 'Callback Forwarding Number',
				name: 'callbackForwardingNumber',
				type: 'string',
				default: '',
				placeholder: '+15551230000',
				description:
					'If a recipient calls an outbound number back, the call is forwarded here (outbound numbers only). E.164 format.',
			},
			{
				displayName: 'Verified Caller ID',
				name: 'verifiedCallerId',
				type: 'string',
				default: '',
				description: 'Verified caller ID for outbound calls',
			},
		],
	},
];

const schema = (env: ValidationEnv) =>
	z
		.object({
			orgId: uuid(),
			botId: uuid(),
			name: z.preprocess(
				(value) => (typeof value === 'number' ? String(value) : value),
				z.string().trim().min(1).max(100).regex(NAME_PATTERN, NAME_RULE),
			),
			language: z.enum(LANGUAGES),
			voiceId: z.enum(VOICES),
			additionalFields: z
				.object({
					verifiedCallerId: optional(text()),
					callbackForwardingNumber: optional(phoneNumber(env)),
					areaCode: optional(
						z.preprocess(
							(value) => (typeof value === 'number' ? String(value) : value),
							z
								.string()
								.trim()
								.regex(/^\d{3}$/, 'is not an area code: enter three digits, like 512'),
						),
					),
				})
				.strict()
				.default({}),
		})
		.transform(({ additionalFields, ...required }) => ({
			...required,
			...compact(additionalFields),
		}));

export const createPhoneNumber: Operation<ReturnType<typeof schema>> = {
	value: 'create',
	name: 'Create',
	action: 'Create a phone number',
	description: 'Buy a new phone number and attach it to a bot. This purchases a number.',
	properties,
	schema,
	phoneFields: true,
	async execute(ctx, body) {
		const response = await ctx.request<AnnieEnvelope<Record<string, unknown>>>({
			method: 'POST',
			path: '/phone-numbers',
			body,
			idempotent: false,
			checkHint: 'Check with Phone Number → Get Many before running this item again.',
		});
		return { ...response.data } as Record<string, string>;
	},
};
