/**
 * What an HTTP answer and a failed request mean, the same for the provider's API (transport.ts)
 * and for a call's files on a storage host (download.ts): an answer's headers by lower-case name,
 * and what a failure of n8n's HTTP helper means in plain words, whether the request certainly
 * never reached the host, and whether sending it again can help. What the user should do about
 * a failure depends on what was asked (the credential's Base URL, a file's link): the caller says.
 */

/**
 * An answer's headers by lower-case name: HTTP header names are case-insensitive, and the
 * helpers hand them on as the host spelled them. A header without a value is left out.
 */
export function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	if (headers && typeof headers === 'object') {
		for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
			if (value !== undefined && value !== null) result[key.toLowerCase()] = String(value);
		}
	}
	return result;
}

/**
 * - connection: the connection could not be made, or broke (refused, host not found, reset);
 * - timeout: no answer within the time allowed;
 * - certificate: the TLS handshake refused the host's certificate;
 * - request: the request itself cannot be sent (a header value or an address HTTP does not allow);
 * - unknown: anything else, with or without an error code.
 */
type NetworkFailureKind = 'connection' | 'timeout' | 'certificate' | 'request' | 'unknown';

/** What a network failure means for the request that met it. */
export interface NetworkFailure {
	/** The error code on the error or on an error it wraps, e.g. ECONNREFUSED. */
	code?: string;
	kind: NetworkFailureKind;
	/** For a message: "connection refused". */
	words: string;
	/** The request certainly never reached the host: nothing can have been processed. */
	notSent: boolean;
	/** Sending it again may succeed. False where the same request would fail the same way. */
	retry: boolean;
}

type KnownFailure = Omit<NetworkFailure, 'code'>;

/**
 * Certificate checks that fail the TLS handshake. The client sends its request only once the
 * handshake has completed, so none of these can have reached the host; the same request would
 * meet the same certificate.
 */
const CERTIFICATE_WORDS: Record<string, string> = {
	CERT_HAS_EXPIRED: "the server's certificate has expired",
	CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
	CERT_REVOKED: "the server's certificate was revoked",
	CERT_UNTRUSTED: "the server's certificate is not trusted",
	CERT_REJECTED: "the server's certificate was rejected",
	CERT_SIGNATURE_FAILURE: "the server's certificate has an invalid signature",
	DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
	SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain holds a self-signed certificate",
	UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate could not be verified",
	UNABLE_TO_GET_ISSUER_CERT: "the issuer of the server's certificate is unknown",
	UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the issuer of the server's certificate is unknown",
	INVALID_CA: "the server's certificate chain is invalid",
	HOSTNAME_MISMATCH: "the server's certificate is for another host name",
	ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is for another host name",
};

/**
 * A header value Node.js refuses: it throws before anything is written (older n8n versions;
 * newer ones strip such characters). The same request would be refused the same way.
 */
const INVALID_HEADER: KnownFailure = {
	kind: 'request',
	words: 'a header holds a character HTTP does not allow',
	notSent: true,
	retry: false,
};

const NETWORK_FAILURES: Record<string, KnownFailure> = {
	// The connect() failed: the TCP connection never existed.
	ECONNREFUSED: { kind: 'connection', words: 'connection refused', notSent: true, retry: true },
	// The host name did not resolve: no connection was attempted.
	ENOTFOUND: { kind: 'connection', words: 'host not found', notSent: true, retry: true },
	EAI_AGAIN: { kind: 'connection', words: 'host name lookup failed', notSent: true, retry: true },
	ERR_INVALID_CHAR: INVALID_HEADER,
	ERR_INVALID_HEADER_VALUE: INVALID_HEADER,
	ERR_HTTP_INVALID_HEADER_VALUE: INVALID_HEADER,
	ERR_INVALID_URL: { kind: 'request', words: 'invalid URL', notSent: true, retry: false },
	ERR_INVALID_PROTOCOL: {
		kind: 'request',
		words: 'unsupported URL scheme',
		notSent: true,
		retry: false,
	},
	ERR_UNESCAPED_CHARACTERS: {
		kind: 'request',
		words: 'the address holds characters a URL cannot',
		notSent: true,
		retry: false,
	},
	// Failures while a request may be on its way or already processed.
	ECONNRESET: { kind: 'connection', words: 'connection reset', notSent: false, retry: true },
	EPIPE: {
		kind: 'connection',
		words: 'connection closed while sending',
		notSent: false,
		retry: true,
	},
	// A timeout of the connection or of the answer: the request may have been sent.
	ECONNABORTED: { kind: 'timeout', words: 'no answer in time', notSent: false, retry: true },
	ETIMEDOUT: { kind: 'timeout', words: 'no answer in time', notSent: false, retry: true },
};

/**
 * "Unreachable" is certain only when connect() reported it: an established connection (a reused
 * keep-alive one) can report the same code after the request was written.
 */
const UNREACHABLE_WORDS: Record<string, string> = {
	ENETUNREACH: 'network unreachable',
	EHOSTUNREACH: 'host unreachable',
};

/** What a failure of n8n's HTTP helpers means: its code is on the error or on an error it wraps. */
export function classifyNetworkFailure(error: unknown): NetworkFailure {
	const { code, syscall } = networkDetails(error);
	if (code && CERTIFICATE_WORDS[code]) {
		return {
			code,
			kind: 'certificate',
			words: CERTIFICATE_WORDS[code],
			notSent: true,
			retry: false,
		};
	}
	if (code && UNREACHABLE_WORDS[code]) {
		return {
			code,
			kind: 'connection',
			words: UNREACHABLE_WORDS[code],
			notSent: syscall === 'connect',
			retry: true,
		};
	}
	if (code && NETWORK_FAILURES[code]) return { code, ...NETWORK_FAILURES[code] };
	// Anything else (a cancelled request, an unknown code, no code) may have reached the host.
	return { code, kind: 'unknown', words: 'network error', notSent: false, retry: true };
}

/**
 * The first `code` and `syscall` along the error and the errors it wraps: n8n's helper throws a
 * NodeApiError around axios' error around Node's. (`errorResponse` holds the wrapped error when
 * it came from another JavaScript realm, where `instanceof Error` is false.)
 */
function networkDetails(error: unknown): { code?: string; syscall?: string } {
	let code: string | undefined;
	let syscall: string | undefined;
	for (const current of wrappedErrors(error)) {
		const candidate = current as { code?: unknown; syscall?: unknown };
		if (code === undefined && typeof candidate.code === 'string') code = candidate.code;
		if (syscall === undefined && typeof candidate.syscall === 'string') syscall = candidate.syscall;
	}
	return { code, syscall };
}

/**
 * An error and the errors it wraps, outermost first, through `cause` and `errorResponse` (n8n's
 * helper throws a NodeApiError around axios' error around Node's, or around its OAuth2 client's);
 * at most 8, each once.
 */
export function* wrappedErrors(error: unknown): Generator<object> {
	const seen = new Set<unknown>();
	const queue: unknown[] = [error];
	while (queue.length > 0 && seen.size < 8) {
		const current = queue.shift();
		if (!current || typeof current !== 'object' || seen.has(current)) continue;
		seen.add(current);
		yield current;
		const links = current as { cause?: unknown; errorResponse?: unknown };
		queue.push(links.cause, links.errorResponse);
	}
}
