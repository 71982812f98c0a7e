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

/**
 * In the order n8n lists them, in the panel and as actions in the nodes panel: what a clinic does
 * every day (call, text, read what came of it) before the setup of numbers and bots. The first
 * resource and each resource's first operation are the defaults: moving them would change what a
 * saved workflow that kept a default does.
 */
export const helloAnnieResources: Resource[] = [
	{ value: 'call', name: 'Call', operations: [startCall] },
	{ value: 'sms', name: 'SMS', operations: [startSmsConversation] },
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
		value: 'phoneNumber',
		name: 'Phone Number',
		operations: [createPhoneNumber, getManyPhoneNumbers, attachPhoneNumber],
	},
	{
		value: 'bot',
		name: 'Bot',
		operations: [getManyBots, getBot, createBot, updateBot, getBotWebhook],
	},
];
