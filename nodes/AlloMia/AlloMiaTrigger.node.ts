/**
 * The AlloMia Trigger. AlloMia POSTs the final status of an outbound call to the `callbackUrl` given when it was
 * created. It documents no signature, no secret and no custom header for that POST, so the only
 * thing a forger cannot know is the URL itself: the URL carries a token (query parameter
 * `token`) kept in an "AlloMia Callback Token API" credential, which Call → Create Outbound adds to
 * the Callback URL.
 */
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
	refuseRequest,
	requestBody,
	receivingWebhook,
} from '../shared/triggerRequests';
import { safeEqual } from '../shared/webhookAuth';
import { CALLBACK_TOKEN, TOKEN_PARAMETER } from './callbackToken';
import { describedAlloMiaCall } from './callOutcome';
import { ALLOMIA_DESCRIPTION } from './provider';

const STATUSES = [
	{ name: 'Busy', value: 'busy' },
	{ name: 'Completed', value: 'completed' },
	{ name: 'Failed', value: 'failed' },
	{ name: 'No Answer', value: 'no-answer' },
];

export class AlloMiaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AlloMia Trigger',
		name: 'alloMiaTrigger',
		icon: { light: 'file:allomiaTrigger.svg', dark: 'file:allomiaTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{$parameter["statuses"].length ? $parameter["statuses"].join(", ") : "Any status"}}',
		// The AlloMia node's words: n8n's nodes panel shows this description for both (see there).
		description: ALLOMIA_DESCRIPTION,
		defaults: { name: 'AlloMia Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'alloMiaCallbackApi', required: true, testedBy: 'alloMiaCallbackToken' }],
		webhooks: [receivingWebhook('callback')],
		properties: [
			{
				displayName:
					"In AlloMia → Call → Create Outbound, set Callback URL to this node's Production URL and turn on Add Callback Token with the same AlloMia Callback Token API credential (it adds ?token=…). Requests without that token are refused (401).",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Statuses',
				name: 'statuses',
				type: 'multiOptions',
				options: STATUSES,
				default: [],
				description:
					'Start the workflow only for calls that ended with one of these; none selected = every status',
			},
		],
	};

	// The editor's credential test checks the token's length and characters when it is saved.
	methods = { credentialTest: { alloMiaCallbackToken: secretCredentialTest(CALLBACK_TOKEN) } };

	// Nothing is registered at AlloMia: the URL goes into each call's Callback URL.
	webhookMethods = secretOnlyWebhookMethods({
		credential: CALLBACK_TOKEN,
		why: 'The token is what keeps others from starting this workflow with a forged callback.',
	});

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		// No credential, or a token too weak to have been activated (e.g. changed since), never
		// authenticates anything.
		const expected = await expectedSecret(this, CALLBACK_TOKEN);
		const given = (this.getQueryData() as IDataObject)[TOKEN_PARAMETER];
		if (expected === undefined || typeof given !== 'string' || !safeEqual(given, expected)) {
			return refuseRequest(this);
		}

		const body = requestBody(this);
		const statuses = this.getNodeParameter('statuses', []) as string[];
		if (statuses.length > 0 && !statuses.includes(String(body.status))) {
			return ignoreRequest('status not selected in the trigger');
		}
		// The payload mirrors GET /api/outbound/{id}/status: outboundCallId, contactId, status,
		// callDetails; each item gets the shared vocabulary (callEnded, endReason, ...), as Get
		// Status does. The token is in the URL only, so it never reaches the output.
		return {
			workflowData: [
				bodyItems(body).map((item) => ({ ...item, json: describedAlloMiaCall(item.json) })),
			],
		};
	}
}
