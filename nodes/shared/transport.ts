/**
 * The one way every node talks to its provider: base URL from the credential, authentication
 * through n8n's credential helper, pacing, bounded retries, and failures mapped to
 * NodeApiError with the provider's own message.
 *
 * Guarantees (stated in the README):
 * - a request that is not idempotent (it places a call, sends an SMS, buys a number) is sent at
 *   most once, unless the answer proves nothing was processed (429, or a connection that was
 *   refused before anything was sent);
 * - an idempotent request (a read, a PUT or a DELETE) is retried on transient failures with
 *   backoff, a bounded number of times;
 * - no error carries the request's headers, so the API key never reaches an error or output.
 */
import type {
	IAdditionalCredentialOptions,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IWebhookFunctions,
	ILoadOptionsFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';
import type { ApiRequest, ProviderDefinition } from './types';

/**
 * Set in an error's context when a request that is not idempotent may have reached the provider
 * (it is never resent).
 */
export const OUTCOME_UNCERTAIN = 'outcomeUncertain';

export interface TransportOptions {
	/** Per-request timeout in milliseconds. */
	timeoutMs: number;
	/** Upper bound on requests per minute within this execution; 0 = no cap of our own. */
	maxPerMinute: number;
	/** Longest single wait for a rate-limit reset, so a wrong header cannot stall a run. */
	maxRateLimitWaitMs: number;
	/**
	 * Attempts (first try included) for a request that may be sent again after a failure: an
	 * idempotent one, or any one that provably never left this machine.
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
	maxRateLimitWaitMs: 65_000,
	maxAttempts: 3,
	rateLimitAttempts: 5,
	backoffMs: 500,
};

interface Answer {
	status: number;
	headers: Record<string, string>;
	body: unknown;
	/** The body could not be read as the JSON the provider documents. */
	unreadable?: string;
}

/** Network failures that prove the request never left this machine. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL']);

const NETWORK_WORDS: Record<string, string> = {
	ECONNRESET: 'connection reset',
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	EPIPE: 'connection closed while sending',
	EHOSTUNREACH: 'host unreachable',
	ERR_INVALID_URL: 'invalid URL',
};

function errorCode(error: unknown): string | undefined {
	const candidates = [error, (error as { cause?: unknown })?.cause];
	for (const candidate of candidates) {
		const code = (candidate as { code?: unknown } | undefined)?.code;
		if (typeof code === 'string') return code;
	}
	return undefined;
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	if (headers && typeof headers === 'object') {
		for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
			if (value !== undefined) result[key.toLowerCase()] = String(value);
		}
	}
	return result;
}

function readAnswer(response: IN8nHttpFullResponse): Answer {
	const headers = lowerCaseHeaders(response.headers);
	const status = response.statusCode;
	const raw = response.body;
	const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
	if (text === undefined) return { status, headers, body: raw };
	if (text.trim() === '') {
		return { status, headers, body: undefined, unreadable: status < 300 ? 'an empty answer' : undefined };
	}
	const contentType = headers['content-type'] ?? '';
	try {
		const body: unknown = JSON.parse(text);
		if (status < 300 && contentType && !/json/i.test(contentType)) {
			return { status, headers, body, unreadable: `an answer of type ${contentType.split(';')[0]}` };
		}
		return { status, headers, body };
	} catch {
		return {
			status,
			headers,
			body: undefined,
			unreadable: /json/i.test(contentType) || !contentType ? 'malformed JSON' : `an answer of type ${contentType.split(';')[0]}`,
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

const STATUS_SUMMARY: Record<number, string> = {
	400: 'refused the request',
	401: 'did not accept the API key',
	403: 'refused access',
	404: 'could not find it',
	409: 'reported a conflict',
	422: 'refused the request',
	429: 'is rate limiting requests',
};

/** Per-execution request state: pacing is per execution, so nothing outlives one run. */
export class RequestSession {
	private nextAllowedAt = 0;

	private lastSentAt = 0;

	constructor(
		// Executions, the editor's list searches (dropdowns), the triggers' webhook registration
		// on activation and the resume after a provider's callback send requests the same way.
		private readonly fn: IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions | IWebhookFunctions,
		private readonly provider: ProviderDefinition,
		private readonly options: TransportOptions,
	) {}

	async send<T>(request: ApiRequest, itemIndex: number): Promise<T> {
		const credentials = await this.fn.getCredentials(this.provider.credentialType, itemIndex);
		const baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
		// The credentials just read are handed to n8n's helper, which would otherwise read and
		// decrypt them from the database a second time for every request (`npm run bench`
		// showed the credential reads among the larger costs per item).
		const selected = this.fn.getNode().credentials?.[this.provider.credentialType];
		const authentication: IAdditionalCredentialOptions | undefined = selected?.id
			? {
					credentialsDecrypted: {
						id: selected.id,
						name: selected.name,
						type: this.provider.credentialType,
						data: credentials,
					},
				}
			: undefined;
		const httpOptions: IHttpRequestOptions = {
			method: request.method,
			url: `${baseUrl}${request.path}`,
			qs: request.qs,
			headers: { Accept: 'application/json' },
			// The body is sent and read as text so a malformed or non-JSON answer is seen as such
			// instead of being passed on as a string.
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: this.options.timeoutMs,
		};
		if (request.body !== undefined) {
			httpOptions.body = JSON.stringify(request.body);
			httpOptions.headers = { ...httpOptions.headers, 'Content-Type': 'application/json' };
		}

		let failures = 0;
		let rateLimited = 0;
		for (;;) {
			await this.pace();
			let answer: Answer;
			try {
				this.lastSentAt = Date.now();
				const response = (await (this.fn.helpers.httpRequestWithAuthentication as IExecuteFunctions['helpers']['httpRequestWithAuthentication']).call(
					this.fn as IExecuteFunctions,
					this.provider.credentialType,
					httpOptions,
					authentication,
				)) as IN8nHttpFullResponse;
				answer = readAnswer(response);
			} catch (error) {
				const code = errorCode(error);
				const notSent = code !== undefined && NOT_SENT_CODES.has(code);
				if ((request.idempotent || notSent) && ++failures < this.options.maxAttempts) {
					await sleep(this.backoff(failures));
					continue;
				}
				throw this.networkError(request, code, notSent, itemIndex);
			}
			this.learnRateLimit(answer.headers);

			if (answer.status === 429) {
				// A 429 means the provider processed nothing: safe to repeat, even when not idempotent.
				if (++rateLimited < this.options.rateLimitAttempts) {
					const wait = rateLimitWaitMs(answer.headers, Date.now()) ?? this.backoff(rateLimited) * 2;
					await sleep(Math.min(wait, this.options.maxRateLimitWaitMs));
					continue;
				}
				throw this.statusError(request, answer, itemIndex);
			}
			if (answer.status >= 500 || (answer.status < 300 && answer.unreadable)) {
				if (request.idempotent && ++failures < this.options.maxAttempts) {
					await sleep(this.backoff(failures));
					continue;
				}
				throw this.statusError(request, answer, itemIndex);
			}
			if (answer.status >= 300) throw this.statusError(request, answer, itemIndex);
			return answer.body as T;
		}
	}

	private backoff(attempt: number): number {
		return this.options.backoffMs * 2 ** (attempt - 1);
	}

	/** Waits for the provider's window (learned from its headers) and for the user's cap. */
	private async pace(): Promise<void> {
		const now = Date.now();
		let waitUntil = this.nextAllowedAt;
		if (this.options.maxPerMinute > 0 && this.lastSentAt > 0) {
			waitUntil = Math.max(waitUntil, this.lastSentAt + 60_000 / this.options.maxPerMinute);
		}
		if (waitUntil > now) await sleep(Math.min(waitUntil - now, this.options.maxRateLimitWaitMs));
	}

	private learnRateLimit(headers: Record<string, string>): void {
		const remaining = Number(headers['x-ratelimit-remaining']);
		if (headers['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining)) return;
		if (remaining <= 0) {
			const wait = rateLimitWaitMs(headers, Date.now());
			if (wait !== undefined) this.nextAllowedAt = Date.now() + Math.min(wait, this.options.maxRateLimitWaitMs);
		} else {
			this.nextAllowedAt = 0;
		}
	}

	private mayHavePlaced(request: ApiRequest): string {
		const check = request.checkHint ? ` ${request.checkHint}` : '';
		return `It may or may not have been processed by ${this.provider.displayName}; it was not sent again, so it cannot happen twice.${check}`;
	}

	private networkError(request: ApiRequest, code: string | undefined, notSent: boolean, itemIndex: number): NodeApiError {
		// Plain words, not the error code: n8n replaces a message that contains a code such as
		// ECONNRESET with its own text, which invites an immediate retry of a request that must not be sent twice.
		const what =
			code === 'ECONNABORTED' || code === 'ETIMEDOUT'
				? `no answer within ${this.options.timeoutMs} ms`
				: `the connection failed (${NETWORK_WORDS[code ?? ''] ?? 'network error'})`;
		const message = `${this.provider.displayName}: ${what}`;
		const uncertain = !request.idempotent && !notSent;
		const description = uncertain
			? this.mayHavePlaced(request)
			: 'Check the Base URL in the credential and the network, then run the node again.';
		const error = new NodeApiError(this.fn.getNode(), { message, networkError: code ?? 'unknown' } as JsonObject, {
			message: uncertain ? `${message}: the request may or may not have been processed` : message,
			description: `${description}${code ? ` (network error ${code})` : ''}`,
			itemIndex,
		});
		if (uncertain) error.context[OUTCOME_UNCERTAIN] = true;
		return error;
	}

	private statusError(request: ApiRequest, answer: Answer, itemIndex: number): NodeApiError {
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
			const summary = STATUS_SUMMARY[answer.status] ?? (answer.status >= 500 ? 'failed' : 'refused the request');
			message = `${name} ${summary} (HTTP ${answer.status})`;
		}
		if (providerMessage) message += `: ${providerMessage}`;
		if (details.length) message += ` — ${details.join('; ')}`;

		const uncertain = !request.idempotent && (answer.status >= 500 || answer.status < 300);
		let description: string | undefined;
		if (uncertain) description = this.mayHavePlaced(request);
		else if (answer.status === 401) description = 'Check the API key and the Base URL in the credential.';
		else if (answer.status === 429) description = 'The rate limit did not reset within the retries. Lower "Max Requests per Minute" in the options or run fewer items at once.';

		const errorBody: JsonObject = {
			httpCode: String(answer.status),
			...(answer.body && typeof answer.body === 'object' && !Array.isArray(answer.body)
				? { response: answer.body as IDataObject }
				: {}),
		} as JsonObject;
		const error = new NodeApiError(this.fn.getNode(), errorBody, {
			message: uncertain && answer.status >= 500 ? `${message}. The request may or may not have been processed` : message,
			description,
			httpCode: String(answer.status),
			itemIndex,
		});
		if (uncertain) error.context[OUTCOME_UNCERTAIN] = true;
		return error;
	}
}
