/**
 * HelloAnnie answers `{ success, data, message? }`; an error's text is in `message`.
 */
import type { IDataObject } from 'n8n-workflow';
import type { ProviderDefinition } from '../shared/types';

export const helloAnnie: ProviderDefinition = {
	displayName: 'HelloAnnie',
	credentialType: 'helloAnnieApi',
	errorMessage(body) {
		if (!body || typeof body !== 'object') return undefined;
		const { message, error } = body as { message?: unknown; error?: unknown };
		if (typeof message === 'string' && message) return message;
		if (typeof error === 'string' && error) return error;
		if (
			error &&
			typeof error === 'object' &&
			typeof (error as { message?: unknown }).message === 'string'
		) {
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

/**
 * The entries of a list answer: `data.<key>` (the shape GET /phone-numbers documents), or `data`
 * itself when it is the array (GET /bots' answer is not documented).
 */
export function listEntries(data: unknown, key: string): IDataObject[] {
	const entries = Array.isArray(data)
		? data
		: (data as Record<string, unknown> | null | undefined)?.[key];
	return Array.isArray(entries) ? (entries as IDataObject[]) : [];
}
