/**
 * A bot's fields as the Create bot and Update bot pages document them
 * (https://docs.helloannie.com/api-reference/bots/create-bot, …/update-bot; the version with the
 * `{ success, data }` envelope, like every other HelloAnnie page). The pages state no length limits
 * for these fields. `isRagEnabled` is left out: both pages mark it deprecated (ignored on create,
 * only false accepted on update).
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { optional, text, uuid } from '../../../shared/schema';
import type { OperationContext } from '../../../shared/types';
import { listEntries, type AnnieEnvelope } from '../../provider';
import { constantOptions } from '../../../shared/description';

const INDUSTRIES = [
	'DENTAL',
	'CHIROPRACTIC',
	'OPTOMETRY',
	'WELLNESS',
	'PEDIATRIC',
	'PEDIATRIC_DENTISTRY',
	'ORTHODONTIST',
	'SLEEP_MEDICINE',
	'BUSINESS_CONSULTANT',
	'MARKETING_COMPANY',
] as const;

const textField = (
	displayName: string,
	name: string,
	description: string,
	rows = 1,
): INodeProperties => ({
	displayName,
	name,
	type: 'string',
	...(rows > 1 ? { typeOptions: { rows } } : {}),
	default: '',
	description,
});

export const nameProperty = (required: boolean): INodeProperties => ({
	...textField('Name', 'name', "The bot's name, e.g. Annie"),
	...(required ? { required: true } : {}),
});

export const greetingProperty = (required: boolean): INodeProperties => ({
	...textField('Greeting', 'greeting', 'The greeting message for the bot', 2),
	...(required ? { required: true } : {}),
});

/** The optional fields both pages document, by label (n8n lists a collection's options alphabetically). */
export const optionalBotFields: INodeProperties[] = [
	textField('Closed Chat Greeting', 'closedChatGreeting', 'The closed chat greeting message', 2),
	textField('Closed Phone Greeting', 'closedPhoneGreeting', 'The closed phone greeting message', 2),
	textField('Company Name', 'companyName', 'The company name associated with the bot'),
	{
		displayName: 'Industry',
		name: 'industry',
		type: 'options',
		options: constantOptions(INDUSTRIES),
		default: 'DENTAL',
	},
	{
		displayName: 'Integration ID',
		name: 'integrationId',
		type: 'string',
		default: '',
		placeholder: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
		description: 'UUID of the integration for the bot',
	},
	textField('Internal Name', 'internalName', 'Internal name for the bot'),
	{
		displayName: 'Is Guardian Enabled',
		name: 'isGuardianEnabled',
		type: 'boolean',
		default: true,
		description: 'Whether Guardian is enabled for the bot',
	},
	{
		displayName: 'Outbound',
		name: 'outbound',
		type: 'boolean',
		default: false,
		description:
			'Whether the bot is used to make outbound (recare) calls. Call → Start needs a From Number attached to such a bot.',
	},
	textField('Phone Greeting', 'phoneGreeting', 'The phone greeting message for the bot', 2),
];

/** Schemas of the optional fields, in the pages' order (the order the request carries them). */
export const optionalBotSchema = {
	internalName: optional(text()),
	companyName: optional(text()),
	industry: optional(z.enum(INDUSTRIES)),
	phoneGreeting: optional(text()),
	closedChatGreeting: optional(text()),
	closedPhoneGreeting: optional(text()),
	outbound: z.boolean().optional(),
	isGuardianEnabled: z.boolean().optional(),
	integrationId: optional(uuid()),
};

/**
 * The bot fields Create and Update share, in the order both pages list them (Create adds `orgId`
 * before them, Update `modelVersion` after them).
 */
export const BOT_FIELDS_IN_PAGE_ORDER = [
	'name',
	'greeting',
	'internalName',
	'companyName',
	'industry',
	'phoneGreeting',
	'closedChatGreeting',
	'closedPhoneGreeting',
	'outbound',
	'isGuardianEnabled',
	'integrationId',
] as const;

/** Every field set on `fields`, in the order of `order` (the page's), leaving out what was not set. */
export function inOrder(order: readonly string[], fields: Record<string, unknown>): IDataObject {
	const body: IDataObject = {};
	for (const name of order)
		if (fields[name] !== undefined) body[name] = fields[name] as IDataObject[string];
	return body;
}

/**
 * The account's bots: GET /bots, the request HelloAnnie's introduction and authentication pages
 * show. Its answer is not documented: `data.bots`, or `data` when it is the array itself.
 */
export async function listBots(ctx: OperationContext): Promise<IDataObject[]> {
	const response = await ctx.request<AnnieEnvelope<unknown>>({
		method: 'GET',
		path: '/bots',
		idempotent: true,
	});
	return listEntries(response?.data, 'bots');
}
