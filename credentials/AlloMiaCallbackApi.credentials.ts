/**
 * The token that AlloMia's callbacks carry in their URL (`?token=…`), kept where n8n keeps
 * secrets: in a credential, encrypted at rest and never exported in clear. The AlloMia Trigger
 * checks it; AlloMia → Call → Create Outbound can add it to the Callback URL. AlloMia signs
 * nothing, so this token is the only thing a forger cannot know.
 */
import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export class AlloMiaCallbackApi implements ICredentialType {
	name = 'alloMiaCallbackApi';

	displayName = 'AlloMia Callback Token API';

	icon: Icon = {
		light: 'file:../nodes/AlloMia/allomiaTrigger.svg',
		dark: 'file:../nodes/AlloMia/allomiaTrigger.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-ai-phone-agents/n8n-nodes-ai-phone-agents/blob/main/docs/triggers.md#allomia-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. the output of: openssl rand -hex 32',
			// n8n's form shows the hint under the field, the description as the label's tooltip.
			hint: 'A secret you make up: at least 24 characters, letters, digits and . _ ~ - only. AlloMia does not issue it.',
			description:
				'Secret that the Callback URL carries as ?token=…; at least 24 characters: letters, digits, . _ ~ -. The AlloMia Trigger refuses callbacks without it.',
		},
	];
}
