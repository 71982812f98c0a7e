/**
 * The token of AlloMia's callbacks: kept in an "AlloMia Callback Token API" credential, checked by
 * the AlloMia Trigger and added to the Callback URL by Call → Create Outbound.
 */
import type { SecretCredential } from '../shared/secretCredentials';

/** The query parameter of the callback URL that carries the token. */
export const TOKEN_PARAMETER = 'token';

export const CALLBACK_TOKEN: SecretCredential = {
	type: 'alloMiaCallbackApi',
	displayName: 'AlloMia Callback Token API',
	field: 'token',
	label: 'Token',
	urlSafe: true,
};

/** The Callback URL with the token as its `token` query parameter (any earlier one replaced). */
export function withCallbackToken(callbackUrl: string, token: string): string {
	const url = new URL(callbackUrl);
	url.searchParams.set(TOKEN_PARAMETER, token);
	return url.toString();
}
