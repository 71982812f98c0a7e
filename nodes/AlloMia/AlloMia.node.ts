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
import { CALLBACK_TOKEN } from './callbackToken';
import { alloMia, ALLOMIA_DESCRIPTION } from './provider';
import { alloMiaResources } from './resources';

export class AlloMia implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AlloMia',
		name: 'alloMia',
		icon: { light: 'file:allomia.svg', dark: 'file:allomia.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: ALLOMIA_DESCRIPTION,
		defaults: { name: 'AlloMia' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'alloMiaApi', required: true },
			// The callback token of Create Outbound (Add Callback Token): kept in a credential, so that
			// it is never stored in the workflow. Shown by the switch alone (it exists only in that
			// operation): n8n's editor puts the credential field where the last field it depends on is,
			// so naming resource and operation here would move it below Resource in every panel.
			{
				name: 'alloMiaCallbackApi',
				required: true,
				testedBy: 'alloMiaCallbackToken',
				displayOptions: { show: { addCallbackToken: [true] } },
			},
		],
		// Wait for Call to End → On Provider Callback: the provider's POST to the waiting execution's
		// resume URL reaches `webhook` below (only while an execution of this node waits).
		webhooks: callbackWebhooks,
		properties: buildProperties(alloMiaResources, sharedProperties(alloMia)),
	};

	// The editor's credential test checks the callback token's length and characters when it is saved.
	methods = { credentialTest: { alloMiaCallbackToken: secretCredentialTest(CALLBACK_TOKEN) } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperation(this, alloMia, alloMiaResources);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeOnCallback(this, alloMia, alloMiaResources);
	}
}
