/**
 * Conversation → Create: POST /conversations
 * (https://docs.helloannie.com/api-reference/conversations/create-conversation): `medium`* (CHAT or
 * SMS), `botId`* (UUID), `toNumber`, `messages` (initial messages, order preserved; the example's
 * entries are `{ role, input }`), `idleTimeoutMinutes` and `maxOpenMinutes` (whole numbers ≥ 1;
 * larger values are clamped by HelloAnnie). The answer's `data` is the new conversation.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { readFields } from '../../../shared/fields';
import { compact, optional, phoneNumber, text, uuid } from '../../../shared/schema';
import type { Operation, ValidationEnv } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { botLocator } from '../locators';

const MEDIUMS = ['CHAT', 'SMS'] as const;

const minutes = (
	displayName: string,
	name: string,
	description: string,
	defaultValue: number,
): INodeProperties => ({
	displayName,
	name,
	type: 'number',
	typeOptions: { minValue: 1, numberPrecision: 0 },
	default: defaultValue,
	description,
});

const properties: INodeProperties[] = [
	{
		displayName: 'Medium',
		name: 'medium',
		type: 'options',
		required: true,
		options: [
			{ name: 'Chat', value: 'CHAT' },
			{ name: 'SMS', value: 'SMS', description: 'Texts the phone number in To Number' },
		],
		default: 'CHAT',
		description: 'How the conversation is held. SMS texts a real phone number.',
	},
	botLocator('The bot to use for this conversation'),
	{
		displayName: 'To Number',
		name: 'toNumber',
		type: 'string',
		default: '',
		placeholder: '+15559876543',
		description:
			'The phone number the conversation is to. E.164 format; spaces, dashes and brackets are removed, the country code is required.',
	},
	{
		displayName: 'Messages',
		name: 'messages',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Message',
		default: {},
		description: 'Initial messages to seed the conversation, attached in this order',
		options: [
			{
				displayName: 'Message',
				name: 'message',
				values: [
					{
						displayName: 'Role',
						name: 'role',
						type: 'string',
						default: 'user',
						placeholder: 'user',
						description:
							"Who the message is from, as HelloAnnie names it; its documentation's example is user and lists no other values",
					},
					{
						displayName: 'Input',
						name: 'input',
						type: 'string',
						typeOptions: { rows: 2 },
						default: '',
						description: 'The text of the message',
					},
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
			minutes(
				'Idle Timeout Minutes',
				'idleTimeoutMinutes',
				"Close the conversation after this many minutes without inbound or outbound activity. Without it, the conversation stays open until HelloAnnie's maximum; larger values are reduced to that maximum.",
				30,
			),
			minutes(
				'Max Open Minutes',
				'maxOpenMinutes',
				"Longest time the conversation may stay open, counted from its creation. Without it, HelloAnnie's maximum applies; larger values are reduced to that maximum.",
				1440,
			),
		],
	},
];

/** The Messages entries as the list the request carries (the panel keeps them under `message`). */
function readInput(fn: IExecuteFunctions, itemIndex: number): IDataObject {
	const raw = readFields(fn, itemIndex, properties);
	const messages = (raw.messages as IDataObject | undefined)?.message;
	return { ...raw, messages };
}

const wholeMinutes = () => optional(z.number().int().min(1));

const schema = (env: ValidationEnv) =>
	z
		.object({
			medium: z.enum(MEDIUMS),
			botId: uuid(),
			toNumber: optional(phoneNumber(env)),
			// The page states no rule for an entry's fields: what is filled in is sent.
			messages: z
				.array(z.object({ role: optional(text()), input: optional(text()) }).strict())
				.optional(),
			additionalFields: z
				.object({ idleTimeoutMinutes: wholeMinutes(), maxOpenMinutes: wholeMinutes() })
				.strict()
				.default({}),
		})
		.transform(({ messages, additionalFields, ...required }) => {
			// An entry left entirely empty carries nothing to send.
			const entries = (messages ?? [])
				.map((message) => compact(message))
				.filter((message) => message !== undefined);
			// In the page's order: medium, botId, toNumber, messages, idleTimeoutMinutes, maxOpenMinutes.
			return {
				...compact(required),
				...(entries.length ? { messages: entries } : {}),
				...compact(additionalFields),
			} as IDataObject & { medium: (typeof MEDIUMS)[number]; botId: string };
		});

export const createConversation: Operation<ReturnType<typeof schema>> = {
	value: 'create',
	name: 'Create',
	action: 'Create a conversation',
	description:
		'Start a chat or SMS conversation with a bot, optionally seeded with messages. SMS texts a real phone number.',
	properties,
	schema,
	readInput,
	phoneFields: true,
	// With SMS, a patient is texted: the campaign guard applies to those items, as to SMS → Start Conversation.
	dials: { places: 'SMS', idField: 'conversationId', onlyWhen: { field: 'medium', value: 'SMS' } },
	async execute(ctx, body) {
		const response = await ctx.request<AnnieEnvelope<IDataObject>>({
			method: 'POST',
			path: '/conversations',
			body,
			// Creating twice makes two conversations (and, for SMS, may text twice).
			idempotent: false,
			checkHint: 'Check with Conversation → Get Many before running this item again.',
		});
		return { ...response.data };
	},
};
