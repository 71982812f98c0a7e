/**
 * The secret of AICaller's webhook subscriptions, kept where n8n keeps secrets: in a credential,
 * encrypted at rest and never exported in clear. The AICaller Trigger checks it; AICaller →
 * Phone Call → Create / Create Many can attach it to the webhooks of the calls they place.
 */
import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export class AiCallerWebhookApi implements ICredentialType {
	name = 'aiCallerWebhookApi';

	displayName = 'AICaller Webhook Secret API';

	icon: Icon = {
		light: 'file:../nodes/AiCaller/aicallerTrigger.svg',
		dark: 'file:../nodes/AiCaller/aicallerTrigger.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-ai-phone-agents/n8n-nodes-ai-phone-agents/blob/main/docs/triggers.md#aicaller-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. the output of: openssl rand -hex 32',
			// n8n's form shows the hint under the field, the description as the label's tooltip.
			hint: 'A secret you make up, at least 24 characters. AICaller does not issue it: the webhooks of your calls carry it.',
			description:
				'The secret of the webhook subscriptions, at least 24 characters. The AICaller Trigger refuses webhooks that do not carry it.',
		},
	];
}
