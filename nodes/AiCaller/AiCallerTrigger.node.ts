import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	expectedSecret,
	secretCredentialTest,
	secretOnlyWebhookMethods,
} from '../shared/secretCredentials';
import {
	bodyItems,
	ignoreRequest,
	rawRequestBody,
	refuseRequest,
	requestBody,
	receivingWebhook,
} from '../shared/triggerRequests';
import { describedCall } from '../shared/callOutcome';
import { describePhoneCall } from './callOutcome';
import { AICALLER_DESCRIPTION } from './provider';
import { eventSelected, secretAccepted, withoutSecret, type SecretCheck } from './secretCheck';
import { WEBHOOK_SECRET, withoutWebhookSecrets } from './webhookSecret';

/**
 * A payload whose `data` is a phone call (phoneCall.completed) with the shared vocabulary
 * (callEnded, endReason, ...) top-level, after `event` and before `data`, so that a workflow
 * routes it as it routes Phone Call → Get. Any other payload is passed on as received.
 */
function withCallOutcome(payload: IDataObject): IDataObject {
	const call = payload.data;
	if (call === null || typeof call !== 'object' || Array.isArray(call)) return payload;
	return describedCall(payload, describePhoneCall(call as IDataObject), ['event']);
}

export class AiCallerTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AICaller Trigger',
		name: 'aiCallerTrigger',
		icon: { light: 'file:aicallerTrigger.svg', dark: 'file:aicallerTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		// The AICaller node's words: n8n's nodes panel shows this description for both (see there).
		description: AICALLER_DESCRIPTION,
		defaults: { name: 'AICaller Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'aiCallerWebhookApi', required: true, testedBy: 'aiCallerWebhookSecret' },
		],
		webhooks: [receivingWebhook('webhook')],
		properties: [
			{
				displayName:
					"In AICaller → Phone Call → Create (Webhooks), set URL to this node's Production URL and Subscribed Event to phoneCall.completed (the event AICaller documents), and turn on Add Webhook Secret with the same AICaller Webhook Secret API credential. Requests whose secret does not match are refused (401).",
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

	// The editor's credential test checks the secret's length when it is saved.
	methods = { credentialTest: { aiCallerWebhookSecret: secretCredentialTest(WEBHOOK_SECRET) } };

	// Nothing is registered at AICaller from here: each call lists its webhooks when it is created.
	webhookMethods = secretOnlyWebhookMethods({
		credential: WEBHOOK_SECRET,
		why: "The secret is what tells AICaller's webhooks from forged requests.",
	});

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		// No credential, or a secret too weak to have been activated, never authenticates anything.
		const secret = await expectedSecret(this, WEBHOOK_SECRET);
		const mode = this.getNodeParameter('secretCheck', 'any') as SecretCheck;
		const body = requestBody(this);
		if (
			secret === undefined ||
			!secretAccepted(
				{ headers: this.getHeaderData(), body, rawBody: rawRequestBody(this) },
				secret,
				mode,
			)
		) {
			return refuseRequest(this);
		}

		const events = this.getNodeParameter('events', []) as string[];
		if (!eventSelected(body.event, events))
			return ignoreRequest('event not selected in the trigger');
		// The call in `data` may echo its webhook subscriptions: no secret of any of them goes on.
		const payload = withoutWebhookSecrets(withoutSecret(body, secret));
		return { workflowData: [bodyItems(withCallOutcome(payload))] };
	}
}
