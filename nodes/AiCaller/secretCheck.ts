/**
 * How the AICaller Trigger tells AICaller's POSTs from forged ones. AICaller lets each webhook
 * subscription carry a `secret`, but does not document how the secret comes with the POST. The
 * trigger supports the three plausible places, and the user says which one to require ("Secret
 * Check"); the secret never reaches an output item.
 */
import type { IDataObject } from 'n8n-workflow';
import { headerValue, safeEqual, signatureMatches } from '../shared/webhookAuth';

/**
 * Where the secret must come ("Secret Check"):
 * - `header`: `x-aicaller-secret: <secret>`;
 * - `hmac`: `x-aicaller-signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`;
 * - `bodyField`: a top-level `secret` field of the JSON body;
 * - `any`: whichever of them the request carries. Every one it carries must match and at least
 *   one must be there: a request with a right header but a wrong signature is refused.
 */
export type SecretCheck = 'any' | 'header' | 'hmac' | 'bodyField';

const SECRET_HEADER = 'x-aicaller-secret';
const SIGNATURE_HEADER = 'x-aicaller-signature';
const SECRET_FIELD = 'secret';

export interface AiCallerRequest {
	headers: IDataObject | Record<string, unknown>;
	/** The parsed JSON body (undefined when n8n did not parse one, e.g. another content type). */
	body: IDataObject | undefined;
	/** The exact bytes received; needed for the HMAC. */
	rawBody: Buffer | undefined;
}

/** Whether the request proves it knows `secret`, checked the way `mode` says. */
export function secretAccepted(
	request: AiCallerRequest,
	secret: string,
	mode: SecretCheck,
): boolean {
	if (secret.length === 0) return false;
	const header = headerValue(request.headers, SECRET_HEADER);
	const signature = headerValue(request.headers, SIGNATURE_HEADER);
	const field = request.body?.[SECRET_FIELD];

	const headerMatches = () => header !== undefined && safeEqual(header, secret);
	const signatureMatchesBody = () => signatureMatches(secret, request.rawBody, signature);
	const fieldMatches = () => typeof field === 'string' && safeEqual(field, secret);

	if (mode !== 'any') {
		// A Map, not an object literal: the mode comes from a parameter (an expression may give any
		// string), and an object would also answer inherited names such as "constructor" or
		// "toString" with a function of Object.prototype. A value outside the options accepts nothing.
		const check = new Map<string, () => boolean>([
			['header', headerMatches],
			['hmac', signatureMatchesBody],
			['bodyField', fieldMatches],
		]).get(mode);
		return check ? check() : false;
	}

	const presented: Array<() => boolean> = [];
	if (header !== undefined) presented.push(headerMatches);
	if (signature !== undefined) presented.push(signatureMatchesBody);
	if (field !== undefined) presented.push(fieldMatches);
	// Evaluate every presented check (no short cut), so the time taken does not tell which failed.
	const results = presented.map((check) => check());
	return results.length > 0 && results.every(Boolean);
}

/**
 * The body without the secret, which must never reach an output item: the top-level `secret`
 * field goes, and so does every nested value equal to the secret (the call in `data` may echo
 * its webhook subscriptions, secret included, as AICaller's create answer does).
 */
export function withoutSecret(body: IDataObject, secret: string): IDataObject {
	const scrub = (value: unknown): unknown => {
		if (Array.isArray(value))
			return value.filter((entry) => !(secret && entry === secret)).map(scrub);
		if (value !== null && typeof value === 'object') {
			const copy: IDataObject = {};
			for (const [key, entry] of Object.entries(value as IDataObject)) {
				if (secret && entry === secret) continue;
				copy[key] = scrub(entry) as IDataObject[keyof IDataObject];
			}
			return copy;
		}
		return value;
	};
	const rest = scrub(body) as IDataObject;
	delete rest[SECRET_FIELD];
	return rest;
}

/**
 * Whether the event is one of the chosen ones. `phoneCall.*` is the trigger's own filter for every
 * `phoneCall.` event (AICaller documents only phoneCall.completed, and no wildcard).
 */
export function eventSelected(event: unknown, selected: string[]): boolean {
	if (typeof event !== 'string') return false;
	if (selected.includes('phoneCall.*') && event.startsWith('phoneCall.')) return true;
	return selected.includes(event);
}
