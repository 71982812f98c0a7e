import type { Resource } from '../../shared/types';
import { startCall } from './call/start';
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
		operations: [getConversation, getManyConversations, getConversationMessages],
	},
];
