/**
 * From Number and Bot are chosen from lists loaded from the account (searchable), and still
 * accept a typed value or an expression (the second mode).
 */
import type { INodeProperties } from 'n8n-workflow';

export function fromNumberLocator(description: string): INodeProperties {
	return {
		displayName: 'From Number',
		name: 'fromNumber',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: `${description}, in E.164 format`,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchPhoneNumbers', searchable: true },
			},
			{ displayName: 'Number', name: 'number', type: 'string', placeholder: '+15551234567' },
		],
	};
}

export function botLocator(description: string): INodeProperties {
	return {
		displayName: 'Bot',
		name: 'botId',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchBots', searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
			},
		],
	};
}
