import type { IDataObject } from 'n8n-workflow';
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

export const ALLOMIA_KEY = SANDBOX_FIXTURES.alloMia.apiKey;
export const AICALLER_KEY = SANDBOX_FIXTURES.aiCaller.apiKey;

export function runAlloMia(sandbox: Sandbox, parameters: IDataObject, options: RunOptions = {}): Promise<NodeRunResult> {
	return runNode({
		type: 'n8n-nodes-ai-phone-agents.alloMia',
		parameters,
		items: options.items,
		continueOnFail: options.continueOnFail,
		timezone: options.timezone,
		credentials: {
			alloMiaApi: {
				apiKey: options.apiKey ?? ALLOMIA_KEY,
				organizationId: SANDBOX_FIXTURES.alloMia.organizationId,
				baseUrl: sandbox.baseUrls.alloMia,
				...options.credential,
			},
		},
	});
}

export function runAiCaller(sandbox: Sandbox, parameters: IDataObject, options: RunOptions = {}): Promise<NodeRunResult> {
	return runNode({
		type: 'n8n-nodes-ai-phone-agents.aiCaller',
		parameters,
		items: options.items,
		continueOnFail: options.continueOnFail,
		timezone: options.timezone,
		credentials: {
			aiCallerApi: { apiKey: options.apiKey ?? AICALLER_KEY, baseUrl: sandbox.baseUrls.aiCaller, ...options.credential },
		},
	});
}
