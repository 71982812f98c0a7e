/**
 * AlloMia answers errors as `{ error, details?: [{ field, message, code }] }` (the documentation
 * example: AlloMia's Create Outbound Call page).
 */
import type { ProviderDefinition } from '../shared/types';

/**
 * The description of the AlloMia node and of the AlloMia Trigger, the same words for both: n8n
 * 2.41.1's nodes panel lists the two as one entry, under the trigger's description, and shows it
 * again above the entry's actions. A sentence about the trigger there reads as part of every action.
 */
export const ALLOMIA_DESCRIPTION =
	'Have an AlloMia AI assistant call patients or customers, and read the outcome of their calls';

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
