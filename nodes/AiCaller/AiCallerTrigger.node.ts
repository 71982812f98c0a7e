import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	bodyItems,
	ignoreRequest,
	rawRequestBody,
	refuseRequest,
	requestBody,
	receivingWebhook,
	secretOnlyWebhookMethods,
	secretProblem,
} from '../shared/webhookAuth';
import { eventSelected, secretAccepted, withoutSecret, type SecretCheck } from './secretCheck';

function configuredSecret(fn: IHookFunctions | IWebhookFunctions): string {
	return String(fn.getNodeParameter('secret', '') ?? '');
}

export class AiCallerTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AICaller Trigger',
		name: 'aiCallerTrigger',
		icon: { light: 'file:aicallerTrigger.svg', dark: 'file:aicallerTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		// n8n's nodes panel lists this trigger and the AICaller node as one entry under this
		// description, where users look for calling: the action comes first.
		description:
			'Place AI phone calls with AICaller, one by one or in batches, and read their results. This trigger starts a workflow when AICaller sends a phone call webhook event (e.g. phoneCall.completed)',
		defaults: { name: 'AICaller Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [receivingWebhook('webhook')],
		properties: [
			{
				displayName:
					"In AICaller → Phone Call → Create (Webhooks), set URL to this node's Production URL, Subscribed Event to phoneCall.completed (the event AICaller documents), and Secret to the Secret below. Requests whose secret does not match are refused (401).",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{
						name: 'Any Phone Call Event (phoneCall.*)',
						value: 'phoneCall.*',
						description:
							'Every event whose name starts with "phoneCall." (AICaller documents only phoneCall.completed)',
					},
					{
						name: 'Phone Call Completed',
						value: 'phoneCall.completed',
						description: 'The call has ended (the event AICaller documents)',
					},
				],
				default: ['phoneCall.completed'],
				description: 'The events that start the workflow; others are acknowledged and ignored',
			},
			{
				displayName: 'Secret',
				name: 'secret',
				type: 'string',
				typeOptions: { password: true },
				required: true,
				default: '',
				description:
					'The Secret of the webhook subscription (the same value as in Phone Call → Create → Webhooks); at least 24 characters',
			},
			{
				displayName: 'Secret Check',
				name: 'secretCheck',
				type: 'options',
				options: [
					{
						name: 'Any Supported',
						value: 'any',
						description:
							'Accept the secret in any of the places below; every place the request uses must match',
					},
					{
						name: 'Header',
						value: 'header',
						description: 'Header x-aicaller-secret must equal the secret',
					},
					{
						name: 'HMAC Signature',
						value: 'hmac',
						description:
							'Header x-aicaller-signature must be sha256= and the HMAC-SHA256 of the raw body, keyed with the secret',
					},
					{
						name: 'Body Field',
						value: 'bodyField',
						description:
							'The body\'s top-level field "secret" must equal the secret (it is removed from the output)',
					},
				],
				default: 'any',
				description:
					'Where the request must carry the secret. AICaller does not document how it sends it; choose the one place it uses once known.',
			},
		],
	};

	// Nothing is registered at AICaller from here: each call lists its webhooks when it is created.
	webhookMethods = secretOnlyWebhookMethods({
		secret: configuredSecret,
		label: 'Secret',
		why: "The secret is what tells AICaller's webhooks from forged requests.",
	});

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const secret = configuredSecret(this);
		const mode = this.getNodeParameter('secretCheck', 'any') as SecretCheck;
		const body = requestBody(this);
		const accepted =
			secretProblem(secret, 'Secret') === undefined &&
			secretAccepted(
				{ headers: this.getHeaderData(), body, rawBody: rawRequestBody(this) },
				secret,
				mode,
			);
		if (!accepted) return refuseRequest(this);

		const events = this.getNodeParameter('events', []) as string[];
		if (!eventSelected(body.event, events))
			return ignoreRequest('event not selected in the trigger');
		return { workflowData: [bodyItems(withoutSecret(body, secret))] };
	}
}
