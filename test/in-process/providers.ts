import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { runNode, type NodeRunResult } from './n8n-core';
import { AICALLER_EXAMPLE_WEBHOOK_SECRET } from '../fixtures/documentation-examples';
import { SANDBOX_FIXTURES, type Sandbox } from '../sandbox/server';

export interface RunOptions {
	items?: IDataObject[];
	continueOnFail?: boolean;
	apiKey?: string;
	timezone?: string;
	/** How the execution was started: 'manual' (an editor run, the default) or a production mode. */
	mode?: 'manual' | 'trigger' | 'webhook';
	/** Extra credential fields, e.g. AlloMia's organizationId. */
	credential?: IDataObject;
	/**
	 * The secret of the node's second credential (AlloMia Callback Token API, AICaller Webhook
	 * Secret API), used when Add Callback Token / Add Webhook Secret is on; null: the node has none.
	 */
	secret?: string | null;
}

/** The secret credentials the nodes get unless a test says otherwise. */
export const TEST_CALLBACK_TOKEN = 'unit-test-allomia-callback-token-0123456789';
export const TEST_WEBHOOK_SECRET = AICALLER_EXAMPLE_WEBHOOK_SECRET;

/** One node run against the sandbox with that provider's credential; the three providers differ only in these. */
function runProvider(
	type: string,
	credentialType: string,
	credential: IDataObject,
	parameters: IDataObject,
	options: RunOptions,
	secretCredential?: { type: string; field: string; secret: string },
): Promise<NodeRunResult> {
	const secret = options.secret === undefined ? secretCredential?.secret : options.secret;
	const extra =
		secretCredential && secret !== null && secret !== undefined
			? {
					[secretCredential.type]: {
						[secretCredential.field]: secret,
					} as ICredentialDataDecryptedObject,
				}
			: {};
	return runNode({
		type: `n8n-nodes-ai-phone-agents.${type}`,
		parameters,
		items: options.items,
		continueOnFail: options.continueOnFail,
		timezone: options.timezone,
		mode: options.mode,
		credentials: {
			[credentialType]: { ...credential, ...options.credential } as ICredentialDataDecryptedObject,
			...extra,
		},
	});
}

export function runHelloAnnie(
	sandbox: Sandbox,
	parameters: IDataObject,
	options: RunOptions = {},
): Promise<NodeRunResult> {
	return runProvider(
		'helloAnnie',
		'helloAnnieApi',
		{
			apiKey: options.apiKey ?? SANDBOX_FIXTURES.helloAnnie.apiKey,
			baseUrl: sandbox.baseUrls.helloAnnie,
		},
		parameters,
		options,
	);
}

export function runAlloMia(
	sandbox: Sandbox,
	parameters: IDataObject,
	options: RunOptions = {},
): Promise<NodeRunResult> {
	return runProvider(
		'alloMia',
		'alloMiaApi',
		{
			apiKey: options.apiKey ?? SANDBOX_FIXTURES.alloMia.apiKey,
			organizationId: SANDBOX_FIXTURES.alloMia.organizationId,
			baseUrl: sandbox.baseUrls.alloMia,
		},
		parameters,
		options,
		{ type: 'alloMiaCallbackApi', field: 'token', secret: TEST_CALLBACK_TOKEN },
	);
}

export function runAiCaller(
	sandbox: Sandbox,
	parameters: IDataObject,
	options: RunOptions = {},
): Promise<NodeRunResult> {
	return runProvider(
		'aiCaller',
		'aiCallerApi',
		{
			apiKey: options.apiKey ?? SANDBOX_FIXTURES.aiCaller.apiKey,
			baseUrl: sandbox.baseUrls.aiCaller,
		},
		parameters,
		options,
		{ type: 'aiCallerWebhookApi', field: 'secret', secret: TEST_WEBHOOK_SECRET },
	);
}
