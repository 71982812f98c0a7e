/**
 * Types shared by the sandbox core, its provider modules and the public API (server.ts).
 *
 * The core knows nothing about any provider: a provider is a ProviderModule (its OpenAPI document,
 * its mount prefix, how it authenticates, how it formats errors, its handlers). Adding a fourth
 * provider means writing one module under providers/ and listing it in server.ts — plus one member
 * in the ProviderName union below.
 */
import type { FileStore } from './storage';

export type ProviderName = 'helloannie' | 'allomia' | 'aicaller';

/** One request received on a provider route, in arrival order. */
export interface RecordedRequest {
	provider: ProviderName;
	method: string;
	/** Path without the provider prefix, e.g. '/calls', '/api/outbound', '/v1/phoneCalls'. */
	path: string;
	/** Query string; a repeated key keeps every value, joined with ','. */
	query: Record<string, string>;
	/** Header names lower-cased; repeated headers joined with ', '. */
	headers: Record<string, string>;
	/** Parsed JSON body, or undefined when there was none or it was not JSON. */
	body: unknown;
	rawBody: string;
	operationId: string | undefined;
	/** Whether the request satisfies the provider's OpenAPI contract (route, auth header, params, body). */
	valid: boolean;
	validationErrors: string[];
	/** What the sandbox answered; 0 when the socket was destroyed (fault) or the client went away first. */
	status: number;
	/** Arrival time, epoch milliseconds. */
	at: number;
	/**
	 * When the exchange ended (answer sent, or socket destroyed), epoch milliseconds; undefined
	 * while it is still on its way. With `at`, how many requests were in flight together.
	 */
	endedAt?: number;
}

/** A fault replaces (or precedes) the normal answer to one matching request. */
export type Fault =
	| { status: number; body?: unknown; headers?: Record<string, string> }
	| { kind: 'delay'; ms: number }
	| { kind: 'reset-before-body' }
	| { kind: 'reset-after-body' }
	| { kind: 'malformed-json' }
	| { kind: 'wrong-content-type' }
	| { kind: 'empty-body' };

export interface FaultRule {
	provider?: ProviderName;
	/** Case-insensitive. */
	method?: string;
	/** Exact path without the provider prefix, or a RegExp tested against it. */
	path?: string | RegExp;
	operationId?: string;
	/** How many matching requests the fault applies to; default 1; Infinity allowed. */
	times?: number;
	/** How many matching requests pass untouched before the fault applies (e.g. 7: the 8th gets it); default 0. */
	skip?: number;
	/**
	 * Only requests whose body contains this text (e.g. one item's phone number): a fault for one
	 * item whatever order parallel requests arrive in. Cannot be a reset-before-body fault.
	 */
	bodyContains?: string;
	fault: Fault;
}

/** A POST the sandbox made on its own (AlloMia callbackUrl, AICaller webhooks, HelloAnnie bot webhooks). */
export interface CallbackAttempt {
	provider: ProviderName;
	/** e.g. 'phoneCall.completed' for AICaller; 'status' for AlloMia; free text for HelloAnnie. */
	event: string;
	url: string;
	method: 'POST';
	headers: Record<string, string>;
	body: unknown;
	rawBody: string;
	/** HTTP status the receiver answered; 0 if not delivered (network error, timeout, non-loopback host). */
	status: number;
	responseBody?: string;
	error?: string;
	at: number;
	durationMs: number;
}

/** A problem found when checking a request against the contract. */
export interface ValidationIssue {
	location: 'route' | 'auth' | 'header' | 'path' | 'query' | 'body';
	/** Dotted field path inside the location, e.g. 'toNumber', 'phoneCalls[0].teamId'; '' for the whole location. */
	field: string;
	message: string;
	/** The JSON-schema keyword that failed (required, pattern, maxLength, additionalProperties, ...). */
	keyword: string;
}

export interface HandlerResult {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

/** What a provider handler sees; only called once the request passed the contract. */
export interface ProviderRequest {
	readonly operationId: string;
	readonly method: string;
	readonly path: string;
	/** Path parameters (already checked against their schema). */
	readonly params: Readonly<Record<string, string>>;
	/** Query parameters, type-coerced by the contract (integers, booleans). Defaults are NOT applied. */
	readonly query: Readonly<Record<string, unknown>>;
	readonly headers: Readonly<Record<string, string>>;
	/** Parsed body; its shape was checked against the operation's schema. */
	readonly body: unknown;
}

/** Thrown by handlers to answer an error in the provider's own format. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
		this.name = 'HttpError';
	}
}

/** The result of authenticating one request. A session closes over the provider's principal (org, team ...). */
export type AuthOutcome =
	| { ok: true; session: ProviderSession }
	| { ok: false; response: HandlerResult };

interface AdmitOutcome {
	/** Added to every answer of this request (e.g. X-RateLimit-*). */
	headers?: Record<string, string>;
	/** If set, the request is answered with this and not processed (e.g. 429). */
	reject?: HandlerResult;
}

interface ProviderSession {
	/** Called after authentication and before contract validation (rate limiting). */
	admit?(): AdmitOutcome;
	handle(request: ProviderRequest): HandlerResult | Promise<HandlerResult>;
}

interface AuthRequest {
	operationId: string;
	method: string;
	path: string;
	headers: Readonly<Record<string, string>>;
}

/** A route under /__sandbox, for driving the sandbox from another process. */
export interface ControlRoute {
	method: 'GET' | 'POST' | 'PUT' | 'DELETE';
	/** Tested against the path after '/__sandbox'. Capture groups are passed to handle(). */
	pattern: RegExp;
	handle(
		match: RegExpMatchArray,
		body: unknown,
		query: URLSearchParams,
	): ControlResult | Promise<ControlResult>;
}

export interface ControlResult {
	status: number;
	body: unknown;
}

/** Minimal view of an OpenAPI 3.0 document: enough for the core to read the security schemes. */
export interface OpenApiDocument {
	openapi: string;
	paths: Record<string, unknown>;
	security?: Array<Record<string, string[]>>;
	components?: {
		securitySchemes?: Record<string, SecurityScheme>;
		[key: string]: unknown;
	};
	[key: string]: unknown;
}

export type SecurityScheme =
	| { type: 'http'; scheme: string; description?: string }
	| { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; description?: string };

export interface ProviderModule {
	readonly name: ProviderName;
	/** Where the provider's server root is mounted, e.g. '/helloannie/v1' (its OpenAPI paths are relative to it). */
	readonly mountPrefix: string;
	readonly definition: OpenApiDocument;
	/** credential: what the operation's security scheme carried (bearer token or api key), undefined if absent. */
	authenticate(credential: string | undefined, request: AuthRequest): AuthOutcome;
	/** An error answer in the provider's format; message defaults to the provider's text for that status. */
	errorResponse(status: number, message?: string): HandlerResult;
	/** The 400 answer for a request that broke the contract (of the operation named, if any). */
	validationFailure(issues: readonly ValidationIssue[], operationId?: string): HandlerResult;
	/** Back to the seeded fixtures. */
	reset(): void;
	readonly controlRoutes?: readonly ControlRoute[];
}

export interface OutgoingCallback {
	provider: ProviderName;
	event: string;
	url: string;
	/** Sent byte-for-byte (signatures are computed over it). */
	rawBody: string;
	headers?: Record<string, string>;
}

/** What the core offers to provider modules. */
export interface ProviderContext {
	now(): Date;
	/** The file host the providers' recording and transcript links point at. */
	readonly storage: FileStore;
	/** setTimeout that the core clears on reset() and close(). */
	schedule(ms: number, task: () => void | Promise<void>): void;
	/** POSTs a JSON callback and records it in sandbox.callbacks; resolves once the receiver answered (or failed). */
	deliver(callback: OutgoingCallback): Promise<CallbackAttempt>;
}
