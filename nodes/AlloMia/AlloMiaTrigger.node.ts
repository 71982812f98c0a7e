/**
 * The AlloMia Trigger. AlloMia POSTs the final status of an outbound call to the `callbackUrl` given when it was
 * created. It documents no signature, no secret and no custom header for that POST, so the only
 * thing a forger cannot know is the URL itself: the URL carries a token (query parameter
 * `token`) that the user sets here and appends to the Callback URL.
 */
import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	bodyItems,
	ignoreRequest,
	refuseRequest,
	requestBody,
	safeEqual,
	receivingWebhook,
	secretOnlyWebhookMethods,
	secretProblem,
} from '../shared/webhookAuth';

/** The query parameter of the callback URL that carries the token. */
const TOKEN_PARAMETER = 'token';

const STATUSES = [
	{ name: 'Busy', value: 'busy' },
	{ name: 'Completed', value: 'completed' },
	{ name: 'Failed', value: 'failed' },
	{ name: 'No Answer', value: 'no-answer' },
];

function configuredToken(fn: IHookFunctions | IWebhookFunctions): string {
	return String(fn.getNodeParameter('token', '') ?? '');
}

export class AlloMiaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AlloMia Trigger',
		name: 'alloMiaTrigger',
		icon: { light: 'file:allomiaTrigger.svg', dark: 'file:allomiaTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{$parameter["statuses"].length ? $parameter["statuses"].join(", ") : "Any status"}}',
		// n8n's nodes panel lists this trigger and the AlloMia node as one entry under this
		// description, where users look for calling: the action comes first.
		description:
			"Have an AlloMia AI assistant call patients or customers, and read the outcome of their calls. This trigger starts a workflow when an AlloMia outbound call has ended (the call's callback)",
		defaults: { name: 'AlloMia Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [receivingWebhook('callback')],
		properties: [
			{
				displayName:
					"In AlloMia → Call → Create Outbound, set Callback URL to this node's Production URL followed by ?token= and the Token below. Requests without that token are refused (401).",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Token',
				name: 'token',
				type: 'string',
				typeOptions: { password: true },
				required: true,
				default: '',
				placeholder: 'e.g. the output of: openssl rand -hex 32',
				description:
					'Secret that the Callback URL carries as ?token=…; at least 24 characters: letters, digits, . _ ~ -. AlloMia signs nothing, so this token is what tells its callbacks from forged requests.',
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

	// Nothing is registered at AlloMia: the URL goes into each call's Callback URL.
	webhookMethods = secretOnlyWebhookMethods({
		secret: configuredToken,
		label: 'Token',
		urlSafe: true,
		why: 'The token is what keeps others from starting this workflow with a forged callback.',
	});

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const expected = configuredToken(this);
		const given = (this.getQueryData() as IDataObject)[TOKEN_PARAMETER];
		// A token too weak to have been activated never authenticates anything (e.g. an expression
		// that resolves to a short value).
		if (
			secretProblem(expected, 'Token', true) !== undefined ||
			typeof given !== 'string' ||
			!safeEqual(given, expected)
		) {
			return refuseRequest(this);
		}

		const body = requestBody(this);
		const statuses = this.getNodeParameter('statuses', []) as string[];
		if (statuses.length > 0 && !statuses.includes(String(body.status))) {
			return ignoreRequest('status not selected in the trigger');
		}
		// The payload mirrors GET /api/outbound/{id}/status: outboundCallId, contactId, status,
		// callDetails. The token is in the URL only, so it never reaches the output.
		return { workflowData: [bodyItems(body)] };
	}
}
