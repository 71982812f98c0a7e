/**
 * HelloAnnie answers `{ success, data, message? }`; an error's text is in `message`.
 * It takes an API key or an OAuth access token (client credentials): the nodes' Authentication
 * parameter says which credential to use.
 */
import type { IDataObject, INode, INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import type { CredentialChoice, ProviderDefinition } from '../shared/types';

/**
 * The description of the HelloAnnie node and of the HelloAnnie Trigger, the same words for both: n8n
 * 2.41.1's nodes panel lists the two as one entry, under the trigger's description, and shows it
 * again above the entry's actions. A sentence about the trigger there reads as part of every action.
 */
export const HELLOANNIE_DESCRIPTION =
	'Call or text patients through HelloAnnie, the dental AI receptionist: appointment confirmations, reminders, recalls';

/** The credential types: an API key, or an OAuth2 client (client credentials grant). */
const CREDENTIAL_TYPES = {
	apiKey: 'helloAnnieApi',
	clientCredentials: 'helloAnnieOAuth2Api',
} as const;

/**
 * The nodes' Authentication choice, at the top of the panel as in n8n's own nodes. API Key is
 * the default: a workflow saved before the choice existed has none and keeps its API key.
 */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	// Read as set (see credentialFor), never an expression.
	noDataExpression: true,
	options: [
		{ name: 'API Key', value: 'apiKey' },
		{ name: 'OAuth2', value: 'oAuth2' },
	],
	default: 'apiKey',
};

/** Each credential shown for its Authentication choice. */
export const helloAnnieCredentials: INodeCredentialDescription[] = [
	{
		name: CREDENTIAL_TYPES.apiKey,
		required: true,
		displayOptions: { show: { authentication: ['apiKey'] } },
	},
	{
		name: CREDENTIAL_TYPES.clientCredentials,
		required: true,
		displayOptions: { show: { authentication: ['oAuth2'] } },
	},
];

/**
 * The credential the node is set to use. Read from the node itself, the same in every context
 * that sends requests (an execution, the editor's list searches, webhook registration, a
 * webhook): n8n fills in the parameter's default.
 */
export function helloAnnieCredential(node: INode): CredentialChoice {
	return node.parameters.authentication === 'oAuth2'
		? { type: CREDENTIAL_TYPES.clientCredentials, oAuth2: true }
		: { type: CREDENTIAL_TYPES.apiKey, oAuth2: false };
}

export const helloAnnie: ProviderDefinition = {
	displayName: 'HelloAnnie',
	credentialType: CREDENTIAL_TYPES.apiKey,
	credentialFor: helloAnnieCredential,
	// 60 requests per minute per organization, with X-RateLimit-Limit / -Remaining / -Reset.
	reportsRateLimit: true,
	errorMessage(body) {
		if (!body || typeof body !== 'object') return undefined;
		const { message, error } = body as { message?: unknown; error?: unknown };
		if (typeof message === 'string' && message) return message;
		if (typeof error === 'string' && error) return error;
		if (
			error &&
			typeof error === 'object' &&
			typeof (error as { message?: unknown }).message === 'string'
		) {
			return (error as { message: string }).message;
		}
		return undefined;
	},
};

export interface AnnieEnvelope<T> {
	success: boolean;
	data: T;
	message?: string;
}

/**
 * The entries of a list answer: `data.<key>` (the shape GET /phone-numbers documents), or `data`
 * itself when it is the array (GET /bots' answer is not documented).
 */
export function listEntries(data: unknown, key: string): IDataObject[] {
	const entries = Array.isArray(data)
		? data
		: (data as Record<string, unknown> | null | undefined)?.[key];
	return Array.isArray(entries) ? (entries as IDataObject[]) : [];
}
