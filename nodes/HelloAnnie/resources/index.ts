import type { Resource } from '../../shared/types';
import { createBot } from './bot/create.operation';
import { getBot } from './bot/get.operation';
import { getManyBots } from './bot/getMany.operation';
import { getBotWebhook } from './bot/getWebhook.operation';
import { updateBot } from './bot/update.operation';
import { startCall } from './call/start.operation';
import { closeConversation } from './conversation/close.operation';
import { createConversation } from './conversation/create.operation';
import { getConversation } from './conversation/get.operation';
import { getManyConversations } from './conversation/getMany.operation';
import { getConversationMessages } from './conversation/getMessages.operation';
import { attachPhoneNumber } from './phoneNumber/attach.operation';
import { createPhoneNumber } from './phoneNumber/create.operation';
import { getManyPhoneNumbers } from './phoneNumber/getMany.operation';
import { startSmsConversation } from './sms/startConversation.operation';

export const helloAnnieResources: Resource[] = [
	{ value: 'call', name: 'Call', operations: [startCall] },
	{ value: 'sms', name: 'SMS', operations: [startSmsConversation] },
	{
		value: 'phoneNumber',
		name: 'Phone Number',
		operations: [createPhoneNumber, getManyPhoneNumbers, attachPhoneNumber],
	},
	{
		value: 'conversation',
		name: 'Conversation',
		operations: [
			getConversation,
			getManyConversations,
			getConversationMessages,
			closeConversation,
			createConversation,
		],
	},
	{
		value: 'bot',
		name: 'Bot',
		operations: [getManyBots, getBot, createBot, updateBot, getBotWebhook],
	},
];
