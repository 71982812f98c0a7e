/**
 * HelloAnnie's second way to authenticate (https://docs.helloannie.com/overview/authentication):
 * an OAuth client from the Developer Portal exchanges its client_id and client_secret for a
 * short-lived access token (client credentials grant, audience https://api.helloannie.com; tokens
 * expire after 24 hours), sent as `Authorization: Bearer <token>`.
 *
 * Built on n8n's own OAuth2 credential (`extends: ['oAuth2Api']`): n8n gets the token, stores it
 * encrypted with the credential, signs each request with it and gets a new one when the old one is
 * refused. What HelloAnnie fixes is hidden, as n8n's own OAuth2 credentials do: the grant, the
 * client credentials sent in the body (as the page's example does), no scope (none is documented),
 * and the audience, which n8n's client-credentials request takes from "Additional Body Properties".
 */
import type { Icon, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/** The audience HelloAnnie's token request names (documented). */
const AUDIENCE = 'https://api.helloannie.com';

export class HelloAnnieOAuth2Api implements ICredentialType {
	name = 'helloAnnieOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'HelloAnnie OAuth2 API';

	icon: Icon = {
		light: 'file:../nodes/HelloAnnie/helloannie.svg',
		dark: 'file:../nodes/HelloAnnie/helloannie.dark.svg',
	};

	documentationUrl = 'https://docs.helloannie.com/overview/authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'clientCredentials',
		},
		{
			// Editable, like Base URL: another HelloAnnie environment or a local sandbox has its own.
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: 'https://annie-external-api.us.auth0.com/oauth/token',
			required: true,
			description:
				"HelloAnnie's token endpoint. Change only to use another HelloAnnie environment or a local sandbox.",
		},
		{
			// n8n's own Client ID and Client Secret fields (same names, types and display rules), with
			// where HelloAnnie gives them. n8n's form shows the hint under the field, the description as
			// the label's tooltip.
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			default: '',
			required: true,
			hint: "Create an OAuth client in HelloAnnie's Developer Portal, on your organization page: it gives the client_id and client_secret.",
			description: "The client_id of an OAuth client from HelloAnnie's Developer Portal",
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			typeOptions: { password: true },
			default: '',
			required: true,
			hint: 'The client_secret the Developer Portal gave with the Client ID',
			description: 'The client_secret of the same OAuth client',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// client_id and client_secret in the request body, as HelloAnnie's example sends them.
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'body',
		},
		{
			displayName: 'Send Additional Body Properties',
			name: 'sendAdditionalBodyProperties',
			type: 'hidden',
			default: true,
		},
		{
			// n8n adds these to its client-credentials token request: HelloAnnie's token endpoint
			// issues a token for its API only when the request names it as the audience.
			displayName: 'Additional Body Properties',
			name: 'additionalBodyProperties',
			type: 'hidden',
			default: JSON.stringify({ audience: AUDIENCE }),
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

	// A read-only request: saving the credential gets a token and lists the organization's phone
	// numbers, and never creates anything at HelloAnnie. A client ID or secret HelloAnnie refuses
	// fails at the token request, which n8n reports with the token endpoint's own words.
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
						"HelloAnnie refused the access token its token endpoint issued (HTTP 401): check that the OAuth client belongs to this HelloAnnie environment (Access Token URL and Base URL), or create a new client in HelloAnnie's Developer Portal",
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						"HelloAnnie refused the access token for this organization (HTTP 403): check in HelloAnnie's Developer Portal that the OAuth client is active",
				},
			},
		],
	};
}
