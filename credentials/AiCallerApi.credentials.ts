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

	icon: Icon = {
		light: 'file:../nodes/AiCaller/aicaller.svg',
		dark: 'file:../nodes/AiCaller/aicaller.dark.svg',
	};

	documentationUrl = 'https://docs.aicaller.io';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			// n8n's form shows the hint under the field, the description as the label's tooltip.
			// AICaller's pages show neither where the account shows the key nor what it looks like.
			hint: 'The API key of your AICaller account. AICaller receives it in the aicaller-api-key header.',
			description: 'The API key of your AICaller account (sent in the aicaller-api-key header)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.aicaller.io',
			description:
				'Change only to use another AICaller environment or a local sandbox. If the connection test answers with a code such as ECONNREFUSED, ENOTFOUND or ETIMEDOUT, n8n could not reach this address: check it, or put the default back.',
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

	// A read-only request: saving the credential never creates a call. The rules turn a refused
	// key into what to do; a network failure n8n reports by its code (see Base URL).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/phoneCalls',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'AICaller refused the API key (HTTP 401): copy the API key of your AICaller account into API Key',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'AICaller refused the API key for this team (HTTP 403): check in your AICaller account that the key is active, or create a new one and paste it into API Key',
				},
			},
		],
	};
}
