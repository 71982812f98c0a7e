/**
 * The one way every node talks to its provider: base URL from the credential, authentication
 * through n8n's credential helper, pacing, bounded retries, and failures mapped to
 * NodeApiError with the provider's own message.
 *
 * Guarantees (stated in the README):
 * - a request that is not idempotent (it places a call, sends an SMS, buys a number) is sent at
 *   most once, unless the failure proves nothing was processed (a 429, or a failure before the
 *   request reached the provider where trying again can help: connection refused, DNS);
 * - an idempotent request (a read, a PUT or a DELETE) is retried on transient failures with
 *   backoff, a bounded number of times;
 * - a failure that certainly never reached the provider (connection refused, host not found, a
 *   certificate refused, a credential that cannot be sent) says so and is not marked uncertain,
 *   so the guard gives its Deduplication Key back;
 * - no request follows a redirect: the API key goes to the credential's Base URL and nowhere else;
 * - with an OAuth2 credential, n8n's helper gets the access token and signs the request; a request
 *   the provider refuses with 401 (an expired token) is sent once more after n8n got a new token;
 * - no error carries the request's headers, so the API key never reaches an error or output; the
 *   provider's error text is shown with phone numbers and e-mail addresses masked.
 */
import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IWebhookFunctions,
	ILoadOptionsFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import {
	classifyNetworkFailure,
	lowerCaseHeaders,
	wrappedErrors,
	type NetworkFailure,
} from './http';
import type { ApiRequest, CredentialChoice, ProviderDefinition } from './types';

/**
 * Set in an error's context when a request that is not idempotent may have reached the provider
 * (it is never resent). An error without it is a definite outcome: the provider refused the
 * request, or it never reached the provider.
 */
export const OUTCOME_UNCERTAIN = 'outcomeUncertain';

export interface TransportOptions {
	/** Per-request timeout in milliseconds. */
	timeoutMs: number;
	/**
	 * Upper bound on requests per minute within this execution; 0 = no cap of our own. Fractions
	 * pace slower than one a minute: 0.5 = one request every 2 minutes.
	 */
	maxPerMinute: number;
	/**
	 * Longest wait the provider's rate-limit headers (Retry-After, X-RateLimit-Reset) may impose,
	 * so a wrong header cannot stall a run for hours. A provider asking for longer gets no request:
	 * the item fails, naming the wait asked for. Outside an execution (the editor's list searches,
	 * webhook registration, a provider's callback) at most INTERACTIVE_WAIT_LIMIT_MS applies.
	 */
	maxRateLimitWaitMs: number;
	/**
	 * Attempts (first try included) for a request that may be sent again after a failure: an
	 * idempotent one, or any one that provably never reached the provider.
	 */
	maxAttempts: number;
	/** Attempts when the provider answers 429 (nothing was processed). */
	rateLimitAttempts: number;
	/** Backoff base of the retries that maxAttempts counts. */
	backoffMs: number;
}

export const DEFAULT_TRANSPORT_OPTIONS: TransportOptions = {
	timeoutMs: 30_000,
	maxPerMinute: 0,
	// A provider limit below one request per minute must still be honoured (Retry-After: 120),
	// while a header asking for hours is more likely wrong than meant.
	maxRateLimitWaitMs: 15 * 60_000,
	maxAttempts: 3,
	rateLimitAttempts: 5,
	backoffMs: 500,
};

/**
 * Outside an execution someone is waiting for the answer (the editor's dropdown, the activation
 * of a workflow, a provider holding its callback request open) and nothing can cancel the wait.
 */
const INTERACTIVE_WAIT_LIMIT_MS = 60_000;

interface Answer {
	status: number;
	headers: Record<string, string>;
	body: unknown;
	/** The body could not be read as the JSON the provider documents. */
	unreadable?: string;
}

const CHECK_ADDRESS =
	'Check the Base URL in the credential and the network, then run the node again.';
const CHECK_CERTIFICATE =
	"The connection was closed during the TLS handshake, before the request was sent. Check the Base URL in the credential (the provider's own https:// address), or the proxy or firewall between n8n and the provider. Trying again would fail the same way, so it was not retried.";
const CHECK_BASE_URL = 'Check the Base URL in the credential.';
/** A header value Node.js refuses: the API key holds a line break or a character HTTP does not allow. */
const REENTER_API_KEY =
	'Open the credential, enter the API key again on one line, and run the node again.';

/** What the user can do about a network failure, where it is not CHECK_ADDRESS. */
const NETWORK_HINTS: Record<string, string> = {
	ENOTFOUND:
		"Check the host name in the credential's Base URL and the network, then run the node again.",
	ERR_INVALID_CHAR: REENTER_API_KEY,
	ERR_INVALID_HEADER_VALUE: REENTER_API_KEY,
	ERR_HTTP_INVALID_HEADER_VALUE: REENTER_API_KEY,
	ERR_INVALID_URL: CHECK_BASE_URL,
	ERR_INVALID_PROTOCOL: 'The Base URL in the credential must start with https://.',
	ERR_UNESCAPED_CHARACTERS: CHECK_BASE_URL,
};

function networkHint(failure: NetworkFailure): string {
	if (failure.kind === 'certificate') return CHECK_CERTIFICATE;
	return (failure.code && NETWORK_HINTS[failure.code]) || CHECK_ADDRESS;
}

/**
 * Where a value that goes into a request header holds a character Node.js refuses in one (it
 * throws ERR_INVALID_CHAR before sending) and newer n8n versions silently delete, which would
 * send a different API key than the one entered. Tab, printable ASCII and Latin-1 pass.
 */
function headerValueProblem(value: string): string | undefined {
	const bad = /[^\t\x20-\x7e\x80-\xff]/.exec(value);
	if (!bad) return undefined;
	return /[\r\n]/.test(bad[0])
		? 'a line break'
		: 'a character that cannot be sent in an HTTP header';
}

function readAnswer(response: IN8nHttpFullResponse): Answer {
	const headers = lowerCaseHeaders(response.headers);
	const status = response.statusCode;
	const raw = response.body;
	const text =
		typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
	if (text === undefined) return { status, headers, body: raw };
	if (text.trim() === '') {
		return {
			status,
			headers,
			body: undefined,
			unreadable: status < 300 ? 'an empty answer' : undefined,
		};
	}
	const contentType = headers['content-type'] ?? '';
	try {
		const body: unknown = JSON.parse(text);
		if (status < 300 && contentType && !/json/i.test(contentType)) {
			return {
				status,
				headers,
				body,
				unreadable: `an answer of type ${contentType.split(';')[0]}`,
			};
		}
		return { status, headers, body };
	} catch {
		return {
			status,
			headers,
			body: undefined,
			unreadable:
				/json/i.test(contentType) || !contentType
					? 'malformed JSON'
					: `an answer of type ${contentType.split(';')[0]}`,
		};
	}
}

/** Milliseconds until the provider accepts requests again, from Retry-After or X-RateLimit-Reset. */
export function rateLimitWaitMs(headers: Record<string, string>, now: number): number | undefined {
	const retryAfter = headers['retry-after'];
	if (retryAfter !== undefined) {
		const seconds = Number(retryAfter);
		if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
		const date = Date.parse(retryAfter);
		if (!Number.isNaN(date)) return Math.max(0, date - now);
	}
	const reset = Number(headers['x-ratelimit-reset']);
	if (headers['x-ratelimit-reset'] !== undefined && Number.isFinite(reset)) {
		// Epoch seconds; a small value would be "seconds from now" on some APIs.
		const resetMs = reset > 1e9 ? reset * 1000 : now + reset * 1000;
		return Math.max(0, resetMs - now);
	}
	return undefined;
}

/** The spacing "Max Requests per Minute" asks for: 0.5 per minute = 120,000 ms. */
export function pacingIntervalMs(maxPerMinute: number): number {
	return maxPerMinute > 0 ? 60_000 / maxPerMinute : 0;
}

/** A wait in the words of a message, never shorter than the wait: "45 s", "2 min 30 s", "3 h 20 min". */
export function formatWait(ms: number): string {
	const seconds = Math.ceil(ms / 1000);
	if (seconds < 120) return `${seconds} s`;
	if (seconds < 600)
		return seconds % 60
			? `${Math.floor(seconds / 60)} min ${seconds % 60} s`
			: `${seconds / 60} min`;
	const minutes = Math.ceil(seconds / 60);
	if (minutes < 120) return `${minutes} min`;
	const rest = minutes % 60;
	return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}

/*
 * Personal data in the provider's error text. A provider may echo what it refused ("Cannot call
 * +15559876543 (jane.doe@example.com)"); a clinic's error items, execution logs and error
 * workflows must not carry a patient's phone number or e-mail address. Masked:
 * - a phone number: `+` and 7 to 15 digits, or 7 to 15 digits, with spaces, dots, dashes,
 *   slashes or brackets between them. Only the last two digits stay (and after a `+` its first
 *   digit, the start of the country code), enough to tell which item it was: "+1••••••••43";
 * - an e-mail address: the first character of its local part and its domain, which helps tell a
 *   typo in the domain: "j•••@example.com".
 * Not masked, because they are not personal data and an error is useless without them: UUIDs
 * (e.g. 919108f7-52d1-4320-9bac-f847db4148a8), hexadecimal IDs (e.g. AICaller's 24-character
 * ones: a digit run inside a word is never a phone number), IPv4 addresses, ISO dates and times, and
 * numbers of fewer than 7 or more than 15 digits (HTTP statuses, counts, long numeric IDs).
 */
const PERSONAL_DATA = new RegExp(
	[
		// Kept as they are: matched first so no phone number is seen inside them.
		'(?<uuid>\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b)',
		'(?<email>\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,})',
		'(?<ip>(?<![\\w.])\\d{1,3}(?:\\.\\d{1,3}){3}(?![\\w.]))',
		'(?<date>\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?\\b)',
		'(?<phone>(?<![\\w+])\\+?\\(?\\d(?:[ \\t().\\/-]{0,3}\\d){6,}\\)?(?![\\w]))',
	].join('|'),
	'g',
);

function maskPhone(text: string): string {
	const digits = text.replace(/\D/g, '');
	if (digits.length < 7 || digits.length > 15) return text;
	const international = text.trimStart().startsWith('+');
	const kept = international ? `+${digits[0]}` : '';
	const hidden = digits.length - 2 - (international ? 1 : 0);
	return `${kept}${'•'.repeat(hidden)}${digits.slice(-2)}`;
}

/** The text with phone numbers and e-mail addresses masked (see above). */
export function maskPersonalData(text: string): string {
	return text.replace(PERSONAL_DATA, (match, ...args: unknown[]) => {
		const groups = args[args.length - 1] as Record<string, string | undefined>;
		if (groups.email !== undefined) {
			const at = match.lastIndexOf('@');
			return `${match[0]}•••${match.slice(at)}`;
		}
		if (groups.phone !== undefined) return maskPhone(match);
		return match;
	});
}

/** A copy of a provider's answer body with every string masked, for the error's details. */
function maskPersonalDataDeep(value: unknown, depth = 0): unknown {
	if (typeof value === 'string') return maskPersonalData(value);
	if (depth > 20 || value === null || typeof value !== 'object') return value;
	if (Array.isArray(value)) return value.map((entry) => maskPersonalDataDeep(entry, depth + 1));
	const copy: Record<string, unknown> = {};
	for (const [key, entry] of Object.entries(value as Record<string, unknown>))
		copy[key] = maskPersonalDataDeep(entry, depth + 1);
	return copy;
}

/**
 * Where a redirect pointed: scheme, host and path. The query string and fragment are left out
 * (they may hold tokens), and so are user name and password.
 */
function redirectTarget(location: string | undefined, requestUrl: string): string {
	if (!location) return 'no address (the answer had no Location)';
	try {
		const target = new URL(location, requestUrl);
		return maskPersonalData(`${target.protocol}//${target.host}${target.pathname}`);
	} catch {
		return 'an address that is not a valid URL';
	}
}

/*
 * What a redirect says about a request that is not idempotent (a create):
 * - 307 Temporary Redirect and 308 Permanent Redirect mean "send this same request to that
 *   address instead" (RFC 9110 §15.4.8-9); 301 Moved Permanently means the same for the
 *   resource (and is what servers and load balancers answer to http:// or an old path). The
 *   request was not processed here: definite, the Deduplication Key is given back.
 * - 302 Found and 303 See Other are what a server answers after it handled a POST and points at
 *   the result ("created, see the resource"; 303 is defined for exactly that), and 300, 304 to
 *   306 have no meaning for a create: the call may have been placed; uncertain, not sent again.
 * An idempotent request is not retried after a redirect either: the next one would be the same.
 */
const REDIRECT_NOT_PROCESSED = new Set([301, 307, 308]);

const STATUS_SUMMARY: Record<number, string> = {
	400: 'refused the request',
	401: 'did not accept the API key',
	403: 'refused access',
	404: 'could not find it',
	409: 'reported a conflict',
	422: 'refused the request',
	429: 'is rate limiting requests',
};

/** Why an OAuth2 credential got no access token. */
interface TokenFailure {
	/** For the message: what the token endpoint answered, or how reaching it failed. */
	what: string;
	/**
	 * refused: the token endpoint refused the client (an OAuth error answer); answer: it answered
	 * with another status; network: it could not be reached.
	 */
	kind: 'refused' | 'answer' | 'network';
	/** Asking again may succeed (the token endpoint failed or could not be reached for a moment). */
	retry: boolean;
}

const TOKEN_HINTS: Record<TokenFailure['kind'], string> = {
	refused:
		'Open the credential and check the Client ID, the Client Secret and the Access Token URL, then run the node again.',
	answer:
		'Check the Access Token URL in the credential; if it is right, the token endpoint failed: run the node again later.',
	network: 'Check the Access Token URL in the credential and the network, then run the node again.',
};

/** The access token n8n keeps with an OAuth2 credential, if it has one yet. */
function storedToken(credentials: ICredentialDataDecryptedObject): string | undefined {
	const token = (credentials.oauthTokenData as IDataObject | undefined)?.access_token;
	return typeof token === 'string' && token !== '' ? token : undefined;
}

function errorTextOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Whether `error` is the failure of n8n's request for an OAuth2 access token, and what it was.
 * n8n's helper wraps it (NodeApiError → n8n's error → the OAuth2 client's error), so it is looked
 * for along the wrapped errors, by what only the token request can produce:
 * - an RFC 6749 §5.2 error answer (`{ error, error_description }`), which n8n's OAuth2 client
 *   raises as an error carrying that body (code EAUTH);
 * - another answer the OAuth2 client could not use (code ESTATUS, with its HTTP status);
 * - a failed request (an axios error) whose URL is the credential's Access Token URL.
 */
function tokenRequestFailure(error: unknown, tokenUrl: unknown): TokenFailure | undefined {
	for (const current of wrappedErrors(error)) {
		const candidate = current as {
			code?: unknown;
			status?: unknown;
			body?: unknown;
			message?: unknown;
			config?: { url?: unknown };
			response?: { status?: unknown };
		};
		const body = candidate.body as { error?: unknown; error_description?: unknown } | undefined;
		if (candidate.code === 'EAUTH' && typeof body?.error === 'string') {
			const said =
				typeof body.error_description === 'string' && body.error_description
					? body.error_description
					: String(candidate.message ?? '');
			return { what: `${said} (${body.error})`, kind: 'refused', retry: false };
		}
		if (candidate.code === 'ESTATUS' && typeof candidate.status === 'number') {
			return statusFailure(candidate.status);
		}
		if (typeof tokenUrl === 'string' && tokenUrl !== '' && candidate.config?.url === tokenUrl) {
			const status = candidate.response?.status;
			if (typeof status === 'number') return statusFailure(status);
			const failure = classifyNetworkFailure(current);
			// Asking for a token again cannot do anything twice: the API request was not sent.
			return { what: `the connection failed (${failure.words})`, kind: 'network', retry: true };
		}
	}
	return undefined;
}

/** The token endpoint answered with a status it should not have: a refusal, or a failure worth one more try. */
function statusFailure(status: number): TokenFailure {
	return {
		what: `it answered HTTP ${status}`,
		kind: 'answer',
		retry: status >= 500 || status === 429,
	};
}

type RequestFunctions =
	| IExecuteFunctions
	| ILoadOptionsFunctions
	| IHookFunctions
	| IWebhookFunctions;

/** Per-execution request state: pacing is per execution, so nothing outlives one run. */
export class RequestSession {
	/** The provider's window, learned from its rate-limit headers: no request before this. */
	private nextAllowedAt = 0;

	/** What the provider's headers asked for when they set nextAllowedAt (for the message). */
	private pausedBy: 'Retry-After' | 'X-RateLimit-Reset' = 'X-RateLimit-Reset';

	/**
	 * The next moment Max Requests per Minute lets a request go. Each request reserves its moment
	 * before it waits, so requests sent in parallel keep the spacing too.
	 */
	private nextSlotAt = 0;

	/**
	 * The provider's rate-limit window as its X-RateLimit-* headers last described it: requests
	 * left and when the window resets.
	 */
	private window: { remaining: number; resetAt: number } | undefined;

	/**
	 * The requests of this session on their way (let go by pace(), no answer yet). Each counts
	 * against what the window has left: the provider may have received it after the answer that
	 * said what is left, or before (then it is counted twice until its own answer arrives, which
	 * only delays a request, never exceeds the limit).
	 */
	private onTheirWay = new Set<number>();
	private lastTicket = 0;

	/**
	 * Whether an answer has come back in this session, and what X-RateLimit-Limit said. Until the
	 * first answer tells whether the provider limits requests, and after a window resets until its
	 * first answer, parallel requests could exceed a limit nobody knows yet: so only one request
	 * (then, in a new window, the last known limit) goes until an answer arrives.
	 */
	private answered = false;
	private knownLimit: number | undefined;
	private answerArrived: Promise<void> | undefined;
	private signalAnswer: (() => void) | undefined;

	/**
	 * OAuth2, with requests of this execution in flight together: the request that gets the
	 * credential's first token, or the renewal of a refused one, while it is under way. The other
	 * requests wait for it and use the token it got, rather than each asking the token endpoint.
	 */
	private tokenWork: Promise<void> | undefined;

	/** The token endpoint refused the credential's client: later requests of this execution fail the same way, unsent. */
	private clientRefused: { failure: TokenFailure; afterRefusal: boolean } | undefined;

	constructor(
		// Executions, the editor's list searches (dropdowns), the triggers' webhook registration
		// on activation and the resume after a provider's callback send requests the same way.
		private readonly fn: RequestFunctions,
		private readonly provider: ProviderDefinition,
		private readonly options: TransportOptions,
	) {}

	async send<T>(request: ApiRequest, itemIndex: number): Promise<T> {
		const credential = this.credential();
		let credentials = await this.fn.getCredentials(credential.type, itemIndex);
		if (credential.oAuth2) this.throwIfClientRefused(credential, itemIndex);
		/** The token the credential held when this request was signed (n8n reads the same). */
		let signedWith = credential.oAuth2 ? storedToken(credentials) : undefined;
		/** Ends this request's hold on tokenWork, when it is the one getting the first token. */
		let releaseFirstToken: (() => void) | undefined;
		const endFirstToken = (): void => {
			releaseFirstToken?.();
			releaseFirstToken = undefined;
		};
		const baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
		const url = `${baseUrl}${request.path}`;
		this.checkBeforeSending(url, credential.oAuth2 ? undefined : credentials.apiKey, itemIndex);
		// The credentials just read are handed to n8n's helper, which would otherwise read and
		// decrypt them from the database a second time for every request (`npm run bench`
		// showed the credential reads among the larger costs per item). Not an OAuth2 credential:
		// n8n reads that one itself for every request (its token may have been renewed since) and
		// ignores credentials handed in.
		const selected = this.fn.getNode().credentials?.[credential.type];
		const authentication: IAdditionalCredentialOptions | undefined =
			selected?.id && !credential.oAuth2
				? {
						credentialsDecrypted: {
							id: selected.id,
							name: selected.name,
							type: credential.type,
							data: credentials,
						},
					}
				: undefined;
		const httpOptions: IHttpRequestOptions = {
			method: request.method,
			url,
			qs: request.qs,
			headers: { Accept: 'application/json' },
			// The body is sent and read as text so a malformed or non-JSON answer is seen as such
			// instead of being passed on as a string.
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// A redirect is answered to us, never followed: following it would send the API key
			// to whatever host the Location names, and turn a create (POST) into a GET whose
			// answer looks like success. A 3xx comes back as the answer (ignoreHttpStatusErrors).
			disableFollowRedirect: true,
			timeout: this.options.timeoutMs,
		};
		if (request.body !== undefined) {
			httpOptions.body = JSON.stringify(request.body);
			httpOptions.headers = { ...httpOptions.headers, 'Content-Type': 'application/json' };
		}

		let attempts = 0;
		let failures = 0;
		let rateLimited = 0;
		let tokenRenewed = false;
		for (;;) {
			const ticket = await this.pace(itemIndex);
			let answer: Answer;
			try {
				if (credential.oAuth2) {
					// A request that waited (for a rate-limit slot or another's answer) while the
					// client was refused is not sent either.
					this.throwIfClientRefused(credential, itemIndex);
					if (this.tokenWork) {
						await this.waitForTokenWork();
						this.throwIfClientRefused(credential, itemIndex);
						credentials = await this.fn.getCredentials(credential.type, itemIndex);
						signedWith = storedToken(credentials);
					}
					// n8n gets the first token within the request: the others wait for this one. Nothing
					// is awaited between here and the request, which ends the hold either way.
					if (signedWith === undefined && attempts === 0) releaseFirstToken = this.holdTokenWork();
				}
				try {
					attempts++;
					const response = (await (
						this.fn.helpers
							.httpRequestWithAuthentication as IExecuteFunctions['helpers']['httpRequestWithAuthentication']
					).call(
						this.fn as IExecuteFunctions,
						credential.type,
						httpOptions,
						authentication,
					)) as IN8nHttpFullResponse;
					endFirstToken();
					answer = readAnswer(response);
				} catch (error) {
					endFirstToken();
					// n8n gets an OAuth2 credential's first token within this call, before the request:
					// when that failed, the request was never sent.
					const tokenFailure = credential.oAuth2
						? tokenRequestFailure(error, credentials.accessTokenUrl)
						: undefined;
					if (tokenFailure) {
						if (tokenFailure.retry && ++failures < this.options.maxAttempts) {
							await this.wait(this.backoff(failures), itemIndex);
							continue;
						}
						if (tokenFailure.kind === 'refused')
							this.clientRefused = { failure: tokenFailure, afterRefusal: false };
						throw this.tokenError(tokenFailure, credential, itemIndex);
					}
					const failure = classifyNetworkFailure(error);
					// A create is sent again only when it provably never reached the provider; nothing
					// is sent again where the same request would fail the same way.
					if (
						failure.retry &&
						(request.idempotent || failure.notSent) &&
						++failures < this.options.maxAttempts
					) {
						await this.wait(this.backoff(failures), itemIndex);
						continue;
					}
					throw this.networkError(request, failure, attempts, itemIndex);
				}
				this.answered = true;
				this.learnRateLimit(answer.headers);
			} finally {
				this.onTheirWay.delete(ticket);
				this.signalAnswer?.();
			}

			if (answer.status === 401 && credential.oAuth2 && !tokenRenewed) {
				// An access token expires (HelloAnnie's after 24 hours) and n8n keeps using it until it
				// is refused. n8n renews it on a 401 only when its helper throws on one, which this
				// transport asks it not to do (ignoreHttpStatusErrors): so the token is renewed here,
				// through n8n's helper, once, and the request sent again. That is safe even for a
				// request that is not idempotent: a 401 is the provider refusing the request before
				// processing it, so nothing was created and nothing can happen twice.
				tokenRenewed = true;
				await this.renewTokenOnce(credential, signedWith, credentials.accessTokenUrl, itemIndex);
				continue;
			}

			if (answer.status === 429) {
				// A 429 means the provider processed nothing: safe to repeat, even when not idempotent.
				const asked = rateLimitWaitMs(answer.headers, Date.now());
				if (asked !== undefined && asked > this.providerWaitLimitMs()) {
					// Later items of the run are not sent before that moment either.
					this.nextAllowedAt = Math.max(this.nextAllowedAt, Date.now() + asked);
					this.pausedBy =
						answer.headers['retry-after'] !== undefined ? 'Retry-After' : 'X-RateLimit-Reset';
					throw this.statusError(request, answer, itemIndex, this.waitTooLongNote(asked));
				}
				if (++rateLimited < this.options.rateLimitAttempts) {
					await this.wait(asked ?? this.backoff(rateLimited) * 2, itemIndex);
					continue;
				}
				throw this.statusError(request, answer, itemIndex);
			}
			if (answer.status >= 500 || (answer.status < 300 && answer.unreadable)) {
				if (request.idempotent && ++failures < this.options.maxAttempts) {
					await this.wait(this.backoff(failures), itemIndex);
					continue;
				}
				throw this.statusError(request, answer, itemIndex);
			}
			if (answer.status >= 300 && answer.status < 400)
				throw this.redirectError(request, answer, url, itemIndex);
			if (answer.status >= 400)
				throw this.statusError(request, answer, itemIndex, undefined, credential);
			return answer.body as T;
		}
	}

	/** The credential the node is set to use: the provider's choice, or its one API key credential. */
	private credential(): CredentialChoice {
		return (
			this.provider.credentialFor?.(this.fn.getNode()) ?? {
				type: this.provider.credentialType,
				oAuth2: false,
			}
		);
	}

	/** The credential's name as the user gave it, for a message. */
	private credentialName(credential: CredentialChoice): string {
		const name = this.fn.getNode().credentials?.[credential.type]?.name;
		return name ? `"${name}"` : `of type ${credential.type}`;
	}

	/** Marks a token being got for this execution; returns what ends the mark. */
	private holdTokenWork(): () => void {
		let release: () => void = () => undefined;
		const work = new Promise<void>((resolve) => {
			release = resolve;
		});
		this.tokenWork = work;
		return () => {
			if (this.tokenWork === work) this.tokenWork = undefined;
			release();
		};
	}

	/** Waits until no request of this execution is getting a token any more. */
	private async waitForTokenWork(): Promise<void> {
		while (this.tokenWork) await this.tokenWork;
	}

	private throwIfClientRefused(credential: CredentialChoice, itemIndex: number): void {
		if (!this.clientRefused) return;
		const { failure, afterRefusal } = this.clientRefused;
		throw this.tokenError(failure, credential, itemIndex, afterRefusal);
	}

	/**
	 * After a 401 to a request signed with `signedWith`: a new token, got once for all the
	 * requests of this execution that met the same refusal. A request refused while another was
	 * renewing the token, or after it did, is sent again with that token.
	 */
	private async renewTokenOnce(
		credential: CredentialChoice,
		signedWith: string | undefined,
		tokenUrl: unknown,
		itemIndex: number,
	): Promise<void> {
		if (this.tokenWork) {
			await this.waitForTokenWork();
			this.throwIfClientRefused(credential, itemIndex);
			return;
		}
		this.throwIfClientRefused(credential, itemIndex);
		const now = storedToken(await this.fn.getCredentials(credential.type, itemIndex));
		if (signedWith !== undefined && now !== undefined && now !== signedWith) return;
		const release = this.holdTokenWork();
		try {
			await this.renewToken(credential, tokenUrl, itemIndex);
		} finally {
			release();
		}
	}

	/**
	 * A new access token for an OAuth2 credential, through n8n's helper: it runs the client
	 * credentials grant again and stores the new token with the credential, where the next
	 * request (of this run and of later ones) finds it.
	 */
	private async renewToken(
		credential: CredentialChoice,
		tokenUrl: unknown,
		itemIndex: number,
	): Promise<void> {
		try {
			await (
				this.fn.helpers.refreshOAuth2Token as IExecuteFunctions['helpers']['refreshOAuth2Token']
			).call(this.fn as IExecuteFunctions, credential.type);
		} catch (error) {
			const failure: TokenFailure = tokenRequestFailure(error, tokenUrl) ?? {
				what: errorTextOf(error),
				kind: 'refused',
				retry: false,
			};
			if (failure.kind === 'refused') this.clientRefused = { failure, afterRefusal: true };
			throw this.tokenError(failure, credential, itemIndex, true);
		}
	}

	/**
	 * The OAuth2 credential could not get an access token: the request was not sent, or (after a
	 * refusal) refused with 401, so the provider processed nothing (a definite outcome, not marked
	 * uncertain). The message names the credential and what the token endpoint said.
	 */
	private tokenError(
		failure: TokenFailure,
		credential: CredentialChoice,
		itemIndex: number,
		afterRefusal = false,
	): NodeApiError {
		const name = this.provider.displayName;
		const what = maskPersonalData(failure.what);
		const message = afterRefusal
			? `${name} did not accept the access token (HTTP 401, nothing was processed), and the credential ${this.credentialName(credential)} could not get a new one: ${what}`
			: `The credential ${this.credentialName(credential)} could not get an access token from ${name}'s token endpoint: ${what}; nothing was sent to ${name}`;
		return new NodeApiError(this.fn.getNode(), { message } as JsonObject, {
			message,
			description: TOKEN_HINTS[failure.kind],
			itemIndex,
		});
	}

	/** What would make the request fail before any byte is sent: refused here, nothing sent. */
	private checkBeforeSending(url: string, apiKey: unknown, itemIndex: number): void {
		const name = this.provider.displayName;
		let scheme: string | undefined;
		try {
			scheme = new URL(url).protocol;
		} catch {
			scheme = undefined;
		}
		if (scheme !== 'https:' && scheme !== 'http:') {
			throw new NodeOperationError(
				this.fn.getNode(),
				`${name}: the Base URL in the credential is not a web address; nothing was sent to ${name}`,
				{
					itemIndex,
					description: `Open the credential and enter the Base URL of ${name}'s API, starting with https://, then run the node again.`,
				},
			);
		}
		// The API key goes into a header (every credential of this package sends it as one).
		const problem = typeof apiKey === 'string' ? headerValueProblem(apiKey) : undefined;
		if (problem) {
			throw new NodeOperationError(
				this.fn.getNode(),
				`${name}: the API Key in the credential contains ${problem}, which cannot be sent in a request header; nothing was sent to ${name}`,
				{
					itemIndex,
					description:
						'Open the credential, paste the API key again on one line, save it, and run the node again.',
				},
			);
		}
	}

	private backoff(attempt: number): number {
		return this.options.backoffMs * 2 ** (attempt - 1);
	}

	/** The longest wait a provider's rate-limit headers may impose here (see TransportOptions). */
	private providerWaitLimitMs(): number {
		const inExecution = 'getExecutionCancelSignal' in this.fn;
		return inExecution
			? this.options.maxRateLimitWaitMs
			: Math.min(this.options.maxRateLimitWaitMs, INTERACTIVE_WAIT_LIMIT_MS);
	}

	private cancelSignal(): AbortSignal | undefined {
		// Executions have a cancel signal; the editor's list searches and webhooks do not.
		return 'getExecutionCancelSignal' in this.fn ? this.fn.getExecutionCancelSignal() : undefined;
	}

	/**
	 * Waits, ending early when the execution is cancelled. Every wait comes before a request is
	 * sent (again), after a failure that left nothing processed or before the first attempt: a
	 * cancelled wait sends nothing, which its error says (a definite outcome for the guard).
	 */
	private async wait(ms: number, itemIndex: number): Promise<void> {
		const signal = this.cancelSignal();
		if (ms > 0 && !signal?.aborted) {
			// n8n-workflow's sleep ends early on the signal (older versions ignore it and wait); it
			// rejects only then, which the check below turns into this transport's error.
			await sleep(ms, signal).catch(() => undefined);
		}
		if (signal?.aborted) {
			const name = this.provider.displayName;
			throw new NodeOperationError(
				this.fn.getNode(),
				`The execution was cancelled while waiting to send a request to ${name}; nothing was sent to ${name}`,
				{
					itemIndex,
				},
			);
		}
	}

	/**
	 * Waits until a request may go: the provider's pause (Retry-After, a window used up), the
	 * provider's window counting the requests on their way, and the user's cap.
	 */
	private async pace(itemIndex: number): Promise<number> {
		// The user's own cap is honoured whatever its length (0.5 per minute = one every 2 minutes):
		// it is a setting, not a header that may be wrong. The moment is reserved before waiting,
		// so requests sent in parallel keep the spacing too.
		if (this.options.maxPerMinute > 0) {
			const slot = Math.max(Date.now(), this.nextSlotAt);
			this.nextSlotAt = slot + pacingIntervalMs(this.options.maxPerMinute);
			await this.wait(slot - Date.now(), itemIndex);
		}
		for (;;) {
			const now = Date.now();
			// A new window: what it allows is learned from its first answers.
			if (this.window && now >= this.window.resetAt) this.window = undefined;
			if (!this.window && this.onTheirWay.size >= this.unknownWindowCap()) {
				await this.nextAnswer();
				continue;
			}
			const pauseUntil = Math.max(
				this.nextAllowedAt,
				this.windowUsedUp() ? (this.window?.resetAt ?? 0) : 0,
			);
			const providerWait = pauseUntil - now;
			if (providerWait > this.providerWaitLimitMs()) {
				const name = this.provider.displayName;
				throw new NodeApiError(
					this.fn.getNode(),
					{ message: 'rate limit pause too long' } as JsonObject,
					{
						message: `${name} asked (${this.pausedBy}) to pause requests for ${formatWait(providerWait)}; nothing was sent to ${name}`,
						description: this.waitTooLongNote(providerWait),
						itemIndex,
					},
				);
			}
			if (providerWait <= 0) break;
			await this.wait(providerWait, itemIndex);
		}
		// Nothing is awaited between the check and this: parallel requests each see the others.
		const ticket = ++this.lastTicket;
		this.onTheirWay.add(ticket);
		return ticket;
	}

	/**
	 * How many requests may be on their way while no window is known: for a provider that reports
	 * a rate limit, one until it first answers, then the limit its headers last gave; for one that
	 * documents none, no bound but Requests in Parallel.
	 */
	private unknownWindowCap(): number {
		if (!this.provider.reportsRateLimit) return Number.POSITIVE_INFINITY;
		if (!this.answered) return 1;
		return this.knownLimit ?? Number.POSITIVE_INFINITY;
	}

	/** Resolves when the next answer (or failure) of a request on its way comes back. */
	private nextAnswer(): Promise<void> {
		this.answerArrived ??= new Promise<void>((resolve) => {
			this.signalAnswer = () => {
				this.answerArrived = undefined;
				this.signalAnswer = undefined;
				resolve();
			};
		});
		return this.answerArrived;
	}

	/** Whether the provider's window has nothing left for one more request, counting those on their way. */
	private windowUsedUp(): boolean {
		const window = this.window;
		if (!window) return false;
		return window.remaining - this.onTheirWay.size <= 0;
	}

	private waitTooLongNote(asked: number): string {
		return `That is longer than this node waits for a rate limit (${formatWait(this.providerWaitLimitMs())}), so no further request was sent. Run the node again after ${new Date(Date.now() + asked).toISOString()}, or lower "Max Requests per Minute" in the options.`;
	}

	/**
	 * What the provider's X-RateLimit-* headers say of its window. Answers to requests sent in
	 * parallel arrive in any order: within one window the fewest requests left counts.
	 */
	private learnRateLimit(headers: Record<string, string>): void {
		const limit = Number(headers['x-ratelimit-limit']);
		if (headers['x-ratelimit-limit'] !== undefined && Number.isFinite(limit) && limit > 0)
			this.knownLimit = limit;
		const remaining = Number(headers['x-ratelimit-remaining']);
		if (headers['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining)) return;
		const now = Date.now();
		const wait = rateLimitWaitMs(headers, now);
		if (wait === undefined) return;
		const resetAt = now + wait;
		// Reset times come in whole seconds: within a second of the known one, it is the same window.
		if (!this.window || resetAt > this.window.resetAt + 1000) {
			this.window = { remaining, resetAt };
		} else if (remaining < this.window.remaining) {
			this.window.remaining = remaining;
		}
		if (remaining <= 0)
			this.pausedBy = headers['retry-after'] !== undefined ? 'Retry-After' : 'X-RateLimit-Reset';
	}

	private mayHavePlaced(request: ApiRequest): string {
		const check = request.checkHint ? ` ${request.checkHint}` : '';
		return `It may or may not have been processed by ${this.provider.displayName}; it was not sent again, so it cannot happen twice.${check}`;
	}

	private networkError(
		request: ApiRequest,
		failure: NetworkFailure,
		attempts: number,
		itemIndex: number,
	): NodeApiError {
		const { code } = failure;
		const name = this.provider.displayName;
		// Plain words, not the error code: n8n replaces a message that contains a code such as
		// ECONNRESET with its own text, which invites an immediate retry of a request that must not be sent twice.
		const what =
			failure.kind === 'timeout'
				? `no answer within ${this.options.timeoutMs} ms`
				: `the connection failed (${failure.words})`;
		const message = `${name}: ${what}`;
		const uncertain = !request.idempotent && !failure.notSent;
		let shown = message;
		if (failure.notSent) shown = `${message}; nothing was sent to ${name}`;
		else if (uncertain) shown = `${message}: the request may or may not have been processed`;
		const description = uncertain ? this.mayHavePlaced(request) : networkHint(failure);
		const technical = [
			code ? `network error ${code}` : undefined,
			attempts > 1 ? `${attempts} attempts` : undefined,
		]
			.filter(Boolean)
			.join(', ');
		const error = new NodeApiError(
			this.fn.getNode(),
			{ message, networkError: code ?? 'unknown' } as JsonObject,
			{
				message: shown,
				description: technical ? `${description} (${technical})` : description,
				itemIndex,
			},
		);
		if (uncertain) error.context[OUTCOME_UNCERTAIN] = true;
		return error;
	}

	private redirectError(
		request: ApiRequest,
		answer: Answer,
		requestUrl: string,
		itemIndex: number,
	): NodeApiError {
		const name = this.provider.displayName;
		const where = redirectTarget(answer.headers.location, requestUrl);
		const uncertain = !request.idempotent && !REDIRECT_NOT_PROCESSED.has(answer.status);
		const lead = `${name} redirected the request to ${where} (HTTP ${answer.status})`;
		let message: string;
		if (uncertain) message = `${lead}: the request may or may not have been processed`;
		else if (!request.idempotent)
			message = `${lead}: nothing was created; check the Base URL in the credential`;
		else message = `${lead}; check the Base URL in the credential`;
		const why =
			'A request carrying the API key is sent to the Base URL in the credential and never follows a redirect to another address. A redirect usually means the Base URL is out of date (http:// instead of https://, or an old address).';
		const error = new NodeApiError(
			this.fn.getNode(),
			{ httpCode: String(answer.status) } as JsonObject,
			{
				message,
				description: uncertain ? `${this.mayHavePlaced(request)} ${why}` : why,
				httpCode: String(answer.status),
				itemIndex,
			},
		);
		if (uncertain) error.context[OUTCOME_UNCERTAIN] = true;
		return error;
	}

	private statusError(
		request: ApiRequest,
		answer: Answer,
		itemIndex: number,
		note?: string,
		credential?: CredentialChoice,
	): NodeApiError {
		// With OAuth2, a 401 comes after n8n got a new token for it: that one was refused too.
		const refusedToken = answer.status === 401 && credential?.oAuth2 === true;
		const name = this.provider.displayName;
		const providerMessage = this.provider.errorMessage(answer.body);
		const details = this.provider.errorDetails?.(answer.body) ?? [];
		const custom = request.statusMessages?.[answer.status];
		let message: string;
		if (answer.status < 300) {
			message = `${name} sent ${answer.unreadable ?? 'an unreadable answer'} (HTTP ${answer.status})`;
		} else if (custom) {
			message = `${name}: ${custom} (HTTP ${answer.status})`;
		} else {
			const summary = refusedToken
				? 'did not accept the access token'
				: (STATUS_SUMMARY[answer.status] ??
					(answer.status >= 500 ? 'failed' : 'refused the request'));
			message = `${name} ${summary} (HTTP ${answer.status})`;
		}
		if (providerMessage) message += `: ${maskPersonalData(providerMessage)}`;
		if (details.length) message += ` — ${details.map(maskPersonalData).join('; ')}`;
		if (answer.status === 429 && note) {
			const asked = rateLimitWaitMs(answer.headers, Date.now()) ?? 0;
			message += `; it asked (${this.pausedBy}) to wait ${formatWait(asked)}, so the request was not sent again`;
		}

		const uncertain = !request.idempotent && (answer.status >= 500 || answer.status < 300);
		let description: string | undefined;
		if (note) description = note;
		else if (uncertain) description = this.mayHavePlaced(request);
		else if (refusedToken)
			description =
				'A new access token was refused too. Check that the Access Token URL and the Base URL in the credential belong to the same environment, and that the OAuth client may use the API.';
		else if (answer.status === 401)
			description = 'Check the API key and the Base URL in the credential.';
		else if (answer.status === 429)
			description =
				'The rate limit did not reset within the retries. Lower "Max Requests per Minute" in the options or run fewer items at once.';

		// The body goes into the error's details (n8n keeps it with the execution and shows it):
		// a masked copy, as the message.
		const errorBody: JsonObject = {
			httpCode: String(answer.status),
			...(answer.body && typeof answer.body === 'object' && !Array.isArray(answer.body)
				? { response: maskPersonalDataDeep(answer.body) as IDataObject }
				: {}),
		} as JsonObject;
		const error = new NodeApiError(this.fn.getNode(), errorBody, {
			message:
				uncertain && answer.status >= 500
					? `${message}. The request may or may not have been processed`
					: message,
			description,
			httpCode: String(answer.status),
			itemIndex,
		});
		if (uncertain) error.context[OUTCOME_UNCERTAIN] = true;
		return error;
	}
}
