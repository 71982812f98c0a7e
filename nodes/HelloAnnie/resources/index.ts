import type { Resource } from '../../shared/types';
import { createBot } from './bot/create';
import { getBot } from './bot/get';
import { getManyBots } from './bot/getMany';
import { updateBot } from './bot/update';
import { startCall } from './call/start';
import { closeConversation } from './conversation/close';
import { createConversation } from './conversation/create';
import { getConversation } from './conversation/get';
import { getManyConversations } from './conversation/getMany';
import { getConversationMessages } from './conversation/getMessages';
import { attachPhoneNumber } from './phoneNumber/attach';
import { createPhoneNumber } from './phoneNumber/create';
import { getManyPhoneNumbers } from './phoneNumber/getMany';
import { startSmsConversation } from './sms/startConversation';

export const helloAnnieResources: Resource[] = [
	{ value: 'call', name: 'Call', operations: [startCall] },
	{ value: 'sms', name: 'SMS', operations: [startSmsConversation] },
	{ value: 'phoneNumber', name: 'Phone Number', operations: [createPhoneNumber, getManyPhoneNumbers, attachPhoneNumber] },
	{
		value: 'conversation',
		name: 'Conversation',
		operations: [getConversation, getManyConversations, getConversationMessages, closeConversation, createConversation],
	},
	{ value: 'bot', name: 'Bot', operations: [getManyBots, getBot, createBot, updateBot] },
];
