/**
 * AICaller wraps answers in `{ data: … }`. Its error format is not documented: the common
 * shapes (`{ error: { message } }`, `{ message }`, `{ error: "…" }`) are all read.
 */
import type { ProviderDefinition } from '../shared/types';

/**
 * The description of the AICaller node and of the AICaller Trigger, the same words for both: n8n
 * 2.41.1's nodes panel lists the two as one entry, under the trigger's description, and shows it
 * again above the entry's actions. A sentence about the trigger there reads as part of every action.
 */
export const AICALLER_DESCRIPTION =
	'Place AI phone calls with AICaller, one by one or in batches, and read their results';

export const aiCaller: ProviderDefinition = {
	displayName: 'AICaller',
	credentialType: 'aiCallerApi',
	errorMessage(body) {
		if (!body || typeof body !== 'object') return undefined;
		const { error, message } = body as { error?: unknown; message?: unknown };
		if (error && typeof error === 'object') {
			const nested = (error as { message?: unknown }).message;
			if (typeof nested === 'string' && nested) return nested;
		}
		if (typeof error === 'string' && error) return error;
		if (typeof message === 'string' && message) return message;
		return undefined;
	},
};

export interface AiCallerEnvelope<T> {
	data: T;
}
