import type { INodeProperties } from 'n8n-workflow';

export function toNumberProperty(description: string): INodeProperties {
	return {
		displayName: 'To Number',
		name: 'toNumber',
		type: 'string',
		required: true,
		default: '',
		placeholder: '+15559876543',
		description: `${description}. E.164 format; spaces, dashes and brackets are removed, the country code is required.`,
	};
}
