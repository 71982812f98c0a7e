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

	icon: Icon = {
		light: 'file:../nodes/HelloAnnie/helloannie.svg',
		dark: 'file:../nodes/HelloAnnie/helloannie.dark.svg',
	};

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
			// n8n's form shows the hint under the field, the description as the label's tooltip.
			hint: "Generate it in HelloAnnie's Developer Portal, in your organization settings. It starts with annie-sk-.",
			description:
				"Created in HelloAnnie's Developer Portal (it starts with annie-sk-). HelloAnnie receives it as Authorization: Bearer <key>.",
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.helloannie.com/v1',
			description:
				'Change only to use another HelloAnnie environment or a local sandbox. If the connection test answers with a code such as ECONNREFUSED, ENOTFOUND or ETIMEDOUT, n8n could not reach this address: check it, or put the default back.',
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

	// A read-only request: saving the credential never creates anything at HelloAnnie. The rules
	// turn a refused key into what to do; a network failure n8n reports by its code (see Base URL).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/phone-numbers',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						"HelloAnnie refused the API key (HTTP 401): copy a valid key from HelloAnnie's Developer Portal (it starts with annie-sk-) into API Key",
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						"HelloAnnie refused the API key for this organization (HTTP 403): check in HelloAnnie's Developer Portal that the key is active, or create a new one and paste it into API Key",
				},
			},
		],
	};
}
