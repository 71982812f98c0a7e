/**
 * AlloMia documents no read-only endpoint that works with a key alone: GET /api/calls needs an
 * organizationId, and n8n's declarative credential test cannot count a documented 404 (from a
 * status lookup of an unknown call) as success. So the credential carries an Organization ID,
 * used by the test (GET /api/calls?organizationId=…&limit=1, which changes nothing) and as the
 * default organization of Call → Get Many.
 */
import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class AlloMiaApi implements ICredentialType {
	name = 'alloMiaApi';

	displayName = 'AlloMia API';

	icon: Icon = {
		light: 'file:../nodes/AlloMia/allomia.svg',
		dark: 'file:../nodes/AlloMia/allomia.dark.svg',
	};

	documentationUrl = 'https://docs.allomia.com/api-reference/authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			// n8n's form shows the hint under the field, the description as the label's tooltip.
			hint: 'In your AlloMia dashboard: Settings > API Keys > Add Key (AlloMia shows the key once). Or a tenant key the AlloMia team issued you.',
			description:
				'A tenant key issued by AlloMia, or an organization key from Settings > API Keys (up to 5 per organization). AlloMia receives it as Authorization: Bearer <key>.',
		},
		{
			displayName: 'Organization ID',
			name: 'organizationId',
			type: 'string',
			default: '',
			// AlloMia's pages do not say where its dashboard shows the ID: only where the API gives it.
			hint: 'The ID of the AlloMia organization whose calls to read (the key must belong to it, or be a tenant key). Every call AlloMia returns carries it as organizationId, e.g. in the output of Call → Get.',
			description:
				'ID of your AlloMia organization. Used to test the key when saving and as the default organization of Call → Get Many.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://allomia.com',
			description:
				'Change only to use another AlloMia environment or a local sandbox. If the connection test answers with a code such as ECONNREFUSED, ENOTFOUND or ETIMEDOUT, n8n could not reach this address: check it, or put the default back.',
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

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/calls',
			method: 'GET',
			qs: { organizationId: '={{$credentials.organizationId}}', limit: 1 },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 400,
					message:
						'Enter the Organization ID: AlloMia needs it to check the key without placing a call',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'AlloMia refused the API key (HTTP 401): paste a valid key into API Key, an organization key from Settings > API Keys in AlloMia or a tenant key AlloMia issued you',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'AlloMia refused the API key for this organization (HTTP 403): the organization may be inactive or the key may lack rights; check the key under Settings > API Keys in AlloMia and the Organization ID',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'AlloMia does not know this Organization ID, or the key does not belong to it: check the Organization ID',
				},
			},
		],
	};
}
