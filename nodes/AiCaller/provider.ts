/**
 * AICaller wraps answers in `{ data: … }`. Its error format is not documented: the common
 * shapes (`{ error: { message } }`, `{ message }`, `{ error: "…" }`) are all read.
 */
import type { ProviderDefinition } from '../shared/types';

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
