/**
 * The secret of AICaller's webhook subscriptions: kept in an "AICaller Webhook Secret API"
 * credential, checked by the AICaller Trigger and attached by Phone Call → Create / Create Many.
 * AICaller echoes each subscription, secret included (`phoneCallWebhooks[].secret`), in its call
 * answers; every answer the package outputs goes through `withoutWebhookSecrets` first, so the
 * secret never reaches an output item or the execution data n8n stores.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { executionSecret, type SecretCredential } from '../shared/secretCredentials';
import { nodeParameter } from '../shared/fields';

export const WEBHOOK_SECRET: SecretCredential = {
	type: 'aiCallerWebhookApi',
	displayName: 'AICaller Webhook Secret API',
	field: 'secret',
	label: 'Secret',
};

const WEBHOOKS_FIELD = 'phoneCallWebhooks';

/**
 * n8n's resume token travels in a resume URL's `signature` query parameter: whoever holds the URL
 * can resume the waiting execution. A webhook of a call that Wait for Call to End pointed at the
 * execution's resume URL is echoed by AICaller in every read of the call.
 */
const RESUME_TOKEN_PARAMETER = 'signature';

/** The URL with its resume token replaced, so that it cannot resume anything. */
function withoutResumeToken(url: unknown): unknown {
	if (typeof url !== 'string' || !url.includes(`${RESUME_TOKEN_PARAMETER}=`)) return url;
	try {
		const parsed = new URL(url);
		if (!parsed.searchParams.has(RESUME_TOKEN_PARAMETER)) return url;
		parsed.searchParams.set(RESUME_TOKEN_PARAMETER, 'hidden');
		return parsed.toString();
	} catch {
		return url;
	}
}

/**
 * A copy of `value` in which every webhook subscription (an entry of a `phoneCallWebhooks` list,
 * at any depth: a call, a list of calls, a webhook payload's `data`) has no `secret` field and no
 * resume token in its `url`. The secret is removed rather than masked: a placeholder would look
 * like a value and could be copied into another node as if it were the secret.
 */
export function withoutWebhookSecrets<T>(value: T): T {
	const scrub = (entry: unknown, inWebhooks: boolean): unknown => {
		if (Array.isArray(entry)) return entry.map((item) => scrub(item, inWebhooks));
		if (entry === null || typeof entry !== 'object') return entry;
		const copy: IDataObject = {};
		for (const [key, field] of Object.entries(entry as IDataObject)) {
			if (inWebhooks && key === 'secret') continue;
			copy[key] = (
				inWebhooks && key === 'url'
					? withoutResumeToken(field)
					: scrub(field, key === WEBHOOKS_FIELD)
			) as IDataObject[keyof IDataObject];
		}
		return copy;
	};
	return scrub(value, false) as T;
}

/** Create / Create Many: the switch that shows the credential slot (n8n shows credentials by top-level fields). */
export const webhookSecretProperty: INodeProperties = {
	displayName: 'Add Webhook Secret',
	name: 'addWebhookSecret',
	type: 'boolean',
	default: false,
	description:
		'Whether every webhook above carries the secret of an AICaller Webhook Secret API credential (choose the one the AICaller Trigger uses). The secret is never typed into this node, and it is removed from the output.',
};

/** Whether Add Webhook Secret is on (a node-level choice: it decides which credentials the node has). */
function addsWebhookSecret(fn: IExecuteFunctions): boolean {
	return nodeParameter(fn, webhookSecretProperty.name, 0, false) === true;
}

const WHERE = 'this node (Add Webhook Secret is on)';

/**
 * Before anything is sent: with Add Webhook Secret on, the credential must be there and usable,
 * and the item must list a webhook to attach it to. The secret itself is not read into the
 * item's input (which the guard and the validation see); it is attached just before sending.
 */
export async function checkWebhookSecret(fn: IExecuteFunctions, input: IDataObject): Promise<void> {
	if (!addsWebhookSecret(fn)) return;
	await executionSecret(fn, WEBHOOK_SECRET, WHERE);
	if (!Array.isArray(input.phoneCallWebhooks) || input.phoneCallWebhooks.length === 0) {
		throw new NodeOperationError(
			fn.getNode(),
			'Add Webhook Secret is on, but Webhooks lists no webhook',
			{
				description:
					"Add a webhook with the AICaller Trigger's Production URL, or turn Add Webhook Secret off. Nothing was sent.",
			},
		);
	}
}

/** The request body with the credential's secret on every webhook, when Add Webhook Secret is on. */
export async function withWebhookSecret(
	fn: IExecuteFunctions,
	body: IDataObject,
): Promise<IDataObject> {
	if (!addsWebhookSecret(fn) || !Array.isArray(body.phoneCallWebhooks)) return body;
	const secret = await executionSecret(fn, WEBHOOK_SECRET, WHERE);
	return {
		...body,
		phoneCallWebhooks: (body.phoneCallWebhooks as IDataObject[]).map((webhook) => ({
			...webhook,
			secret,
		})),
	};
}
