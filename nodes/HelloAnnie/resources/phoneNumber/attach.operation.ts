import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import type { AnnieEnvelope } from '../../provider';
import { botLocator } from '../locators';

const properties: INodeProperties[] = [
	{
		displayName: 'Phone Number ID',
		name: 'phoneNumberId',
		type: 'string',
		required: true,
		default: '',
		description: 'UUID of the phone number (the ID from Phone Number → Get Many)',
	},
	botLocator('The bot to attach the phone number to'),
];

const schema = () => z.object({ phoneNumberId: uuid(), botId: uuid() });

export const attachPhoneNumber: Operation<ReturnType<typeof schema>> = {
	value: 'attach',
	name: 'Attach to Bot',
	action: 'Attach a phone number to a bot',
	description: 'Attach an existing phone number to a bot',
	properties,
	schema,
	async execute(ctx, input) {
		const response = await ctx.request<AnnieEnvelope<IDataObject>>({
			method: 'POST',
			path: `/phone-numbers/${encodeURIComponent(input.phoneNumberId)}/attach`,
			body: { botId: input.botId },
			// Treated like every POST: not resent after an uncertain failure.
			idempotent: false,
			checkHint: 'Check with Phone Number → Get Many which bot the number is attached to.',
		});
		return { ...response.data };
	},
};
