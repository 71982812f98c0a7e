import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { runNode, type NodeRunResult } from './n8n-harness';
import { SANDBOX_FIXTURES, type Sandbox } from '../sandbox/server';

export interface RunOptions {
	items?: IDataObject[];
	continueOnFail?: boolean;
	apiKey?: string;
	timezone?: string;
	/** Extra credential fields, e.g. AlloMia's organizationId. */
	credential?: IDataObject;
}

/** One node run against the sandbox with that provider's credential; the three providers differ only in these. */
function runProvider(
	type: string,
	credentialType: string,
	credential: IDataObject,
	parameters: IDataObject,
	options: RunOptions,
): Promise<NodeRunResult> {
	return runNode({
		type: `n8n-nodes-ai-phone-agents.${type}`,
		parameters,
		items: options.items,
		continueOnFail: options.continueOnFail,
		timezone: options.timezone,
		credentials: {
			[credentialType]: { ...credential, ...options.credential } as ICredentialDataDecryptedObject,
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
		{ apiKey: options.apiKey ?? SANDBOX_FIXTURES.aiCaller.apiKey, baseUrl: sandbox.baseUrls.aiCaller },
		parameters,
		options,
	);
}
