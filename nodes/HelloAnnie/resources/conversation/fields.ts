import type { INodeProperties } from 'n8n-workflow';

export const conversationIdProperty: INodeProperties = {
	displayName: 'Conversation ID',
	name: 'conversationId',
	type: 'string',
	required: true,
	default: '',
	placeholder: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
	description:
		'The conversationId returned by Call → Start, SMS → Start Conversation or Conversation → Create',
};
