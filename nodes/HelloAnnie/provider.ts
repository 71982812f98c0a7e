/**
 * HelloAnnie answers `{ success, data, message? }`; an error's text is in `message`.
 */
import type { ProviderDefinition } from '../shared/types';

export const helloAnnie: ProviderDefinition = {
	displayName: 'HelloAnnie',
	credentialType: 'helloAnnieApi',
	errorMessage(body) {
		if (!body || typeof body !== 'object') return undefined;
		const { message, error } = body as { message?: unknown; error?: unknown };
		if (typeof message === 'string' && message) return message;
		if (typeof error === 'string' && error) return error;
		if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
			return (error as { message: string }).message;
		}
		return undefined;
	},
};

export interface AnnieEnvelope<T> {
	success: boolean;
	data: T;
	message?: string;
}
