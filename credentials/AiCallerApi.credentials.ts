import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class AiCallerApi implements ICredentialType {
	name = 'aiCallerApi';

	displayName = 'AICaller API';

	icon: Icon = { light: 'file:../nodes/AiCaller/aicaller.svg', dark: 'file:../nodes/AiCaller/aicaller.dark.svg' };

	documentationUrl = 'https://docs.aicaller.io';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Your AICaller API key, sent in the aicaller-api-key header',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.aicaller.io',
			description: 'Change only to use another AICaller environment or a local sandbox',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'aicaller-api-key': '={{$credentials.apiKey}}',
			},
		},
	};

	// A read-only request: saving the credential never creates a call.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/phoneCalls',
			method: 'GET',
		},
	};
}
