/**
 * AlloMia answers errors as `{ error, details?: [{ field, message, code }] }` (the documentation
 * example: AlloMia's Create Outbound Call page).
 */
import type { ProviderDefinition } from '../shared/types';

interface AlloMiaErrorBody {
	error?: unknown;
	details?: Array<{ field?: unknown; message?: unknown; code?: unknown }>;
}

export const alloMia: ProviderDefinition = {
	displayName: 'AlloMia',
	credentialType: 'alloMiaApi',
	errorMessage(body) {
		const error = (body as AlloMiaErrorBody | undefined)?.error;
		return typeof error === 'string' && error ? error : undefined;
	},
	errorDetails(body) {
		const details = (body as AlloMiaErrorBody | undefined)?.details;
		if (!Array.isArray(details)) return [];
		return details.map(
			(d) => `${String(d.field ?? '?')}: ${String(d.message ?? d.code ?? 'invalid')}`,
		);
	},
};
