/**
 * How a request proves it comes from the provider: the secret and signature checks the triggers
 * run on each request, and the rules a secret must meet. Nothing here answers a request or reads
 * a credential (triggerRequests.ts, secretCredentials.ts):
 * - every secret comparison runs in constant time, so a forger learns nothing from timing;
 * - a secret is described only by its length and characters, never by its value.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

/**
 * The shortest shared secret the triggers accept (a URL token or a webhook secret). 24 random
 * characters are beyond guessing; `openssl rand -hex 32` gives 64.
 */
export const MIN_SECRET_LENGTH = 24;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `given` equals `expected`, in constant time. `timingSafeEqual` needs buffers of equal
 * length; comparing SHA-256 digests gives that and does not reveal the expected length either.
 * An empty expected secret never matches.
 */
export function safeEqual(given: string, expected: string): boolean {
	if (expected.length === 0) return false;
	return timingSafeEqual(sha256(given), sha256(expected));
}

/**
 * The full SHA-256 of a random token, lower-case hex: what a trigger may keep in clear (static
 * data) to recognise the token later. A digest of 32 random bytes gives nothing away.
 */
export function tokenDigest(token: string): string {
	return sha256(token).toString('hex');
}

/**
 * Whether `given` is the token whose digest (tokenDigest) is `digest`, in constant time. A digest
 * that is not 64 hex characters (missing, damaged static data) never matches.
 */
export function matchesDigest(given: string, digest: string): boolean {
	if (!/^[0-9a-f]{64}$/.test(digest)) return false;
	return timingSafeEqual(sha256(given), Buffer.from(digest, 'hex'));
}

/** A header's value as one string (Node gives repeated headers as an array: the first counts). */
export function headerValue(
	headers: IDataObject | Record<string, unknown>,
	name: string,
): string | undefined {
	const value = headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' ? value : undefined;
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(authorization: string | undefined): string | undefined {
	const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
	return match ? match[1] : undefined;
}

/** HMAC-SHA256 of `data` keyed with `secret`, lower-case hex. */
export function hmacSha256Hex(secret: string, data: Buffer | string): string {
	return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * Whether `signature` (`sha256=<hex>`, or the bare hex) is the HMAC-SHA256 of the exact bytes
 * received. The raw body is required: a body parsed and serialized again may differ byte for
 * byte (key order, spaces, escapes) from what was signed.
 */
export function signatureMatches(
	secret: string,
	rawBody: Buffer | string | undefined,
	signature: string | undefined,
): boolean {
	if (rawBody === undefined || signature === undefined || secret.length === 0) return false;
	const match = /^(?:sha256=)?([0-9a-f]{64})$/i.exec(signature.trim());
	if (!match) return false;
	return safeEqual(match[1].toLowerCase(), hmacSha256Hex(secret, rawBody));
}

/** A new random token: 32 bytes from the OS's CSPRNG, as 64 hex characters (URL- and header-safe). */
export function generateToken(): string {
	return randomBytes(32).toString('hex');
}

/**
 * Why a secret the user set is not usable, or undefined when it is. Only its length and
 * characters are described, never the value.
 */
export function secretProblem(secret: string, label: string, urlSafe = false): string | undefined {
	if (secret.length < MIN_SECRET_LENGTH) {
		return `${label} must be at least ${MIN_SECRET_LENGTH} characters long (it has ${secret.length}); generate one, e.g. with "openssl rand -hex 32"`;
	}
	if (urlSafe && !/^[A-Za-z0-9._~-]+$/.test(secret)) {
		return `${label} may contain only letters, digits and . _ ~ - (it is put into a URL as it is)`;
	}
	return undefined;
}
