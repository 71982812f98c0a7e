import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { callbackWebhooks, resumeOnCallback } from '../shared/callbackWait';
import { buildProperties } from '../shared/description';
import { sharedProperties } from '../shared/options';
import { executeOperation } from '../shared/router';
import { secretCredentialTest } from '../shared/secretCredentials';
import { aiCaller, AICALLER_DESCRIPTION } from './provider';
import { aiCallerResources } from './resources';
import { WEBHOOK_SECRET } from './webhookSecret';

export class AiCaller implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AICaller',
		name: 'aiCaller',
		icon: { light: 'file:aicaller.svg', dark: 'file:aicaller.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: AICALLER_DESCRIPTION,
		defaults: { name: 'AICaller' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'aiCallerApi', required: true },
			// The webhook secret of Create / Create Many (Add Webhook Secret): kept in a credential, so
			// that it is never stored in the workflow. Shown by the switch alone (it exists only in those
			// operations): n8n's editor puts the credential field where the last field it depends on is,
			// so naming resource and operation here would move it below Resource in every panel.
			{
				name: 'aiCallerWebhookApi',
				required: true,
				testedBy: 'aiCallerWebhookSecret',
				displayOptions: { show: { addWebhookSecret: [true] } },
			},
		],
		// Wait for Call to End → On Provider Callback: the provider's POST to the waiting execution's
		// resume URL reaches `webhook` below (only while an execution of this node waits).
		webhooks: callbackWebhooks,
		properties: buildProperties(aiCallerResources, sharedProperties(aiCaller)),
	};

	// The editor's credential test checks the webhook secret's length when it is saved.
	methods = { credentialTest: { aiCallerWebhookSecret: secretCredentialTest(WEBHOOK_SECRET) } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperation(this, aiCaller, aiCallerResources);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeOnCallback(this, aiCaller, aiCallerResources);
	}
}
