import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class HelloAnnieApi implements ICredentialType {
	name = 'helloAnnieApi';

	displayName = 'HelloAnnie API';

	icon: Icon = { light: 'file:../nodes/HelloAnnie/helloannie.svg', dark: 'file:../nodes/HelloAnnie/helloannie.dark.svg' };

	documentationUrl = 'https://docs.helloannie.com/api-reference/introduction';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'annie-sk-v1-…',
			description: 'Created in HelloAnnie\'s Developer Portal',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.helloannie.com/v1',
			description: 'Change only to use another HelloAnnie environment or a local sandbox',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// A read-only request: saving the credential never creates anything at HelloAnnie.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/phone-numbers',
			method: 'GET',
		},
	};
}
