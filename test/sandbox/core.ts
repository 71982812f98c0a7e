/**
 * The sandbox's server core: one node:http server, provider modules mounted under their prefixes,
 * and for every provider request the same pipeline:
 *
 *   record (arrival order) → fault? → read body → contract check (recorded as valid/validationErrors)
 *   → authenticate (401/403) → admit (rate limit, 429) → contract failure? (400) → handler
 *
 * Faults come first because they stand for the network or the provider's infrastructure failing:
 * a faulted request does not reach authentication, rate limiting or the handler (except 'delay',
 * which then answers normally, and 'reset-after-body', which processes the request and then
 * destroys the socket). Every request is still checked against the contract and recorded.
 *
 * Provider-specific behaviour lives in the ProviderModule; nothing here names a provider.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Operation } from 'openapi-backend';

import { Contract, formatIssue, formFields, isForm, type ContractCheck } from './contract';
import { FaultBook, faultRuleFromJson } from './faults';
import { FileStore, STORAGE_PREFIX } from './storage';
import {
	HttpError,
	type CallbackAttempt,
	type ControlResult,
	type ControlRoute,
	type Fault,
	type HandlerResult,
	type OutgoingCallback,
	type ProviderContext,
	type ProviderModule,
	type RecordedRequest,
	type ValidationIssue,
} from './types';

export interface CoreOptions {
	/** Abort a callback POST after this long (ms). */
	callbackTimeoutMs: number;
	/** Deliver callbacks to non-loopback hosts too (off: seed examples point at real partner URLs). */
	allowExternalCallbacks: boolean;
	/** Check every answer the handlers produce against the provider's document (sandbox self-test). */
	checkResponses: boolean;
	/** Larger bodies are answered 413 in the provider's error format. */
	maxBodyBytes: number;
	/** Print handler crashes to stderr. */
	logErrors: boolean;
	/** Keep at most this many requests (and callbacks); the oldest are dropped beyond it. */
	maxRecorded: number;
	/** Called once a provider request is finished (answered, or its socket destroyed). */
	onRequest?: (request: RecordedRequest) => void;
	/** How long each provider request takes to be answered (see Latency); default none. */
	latency?: Latency;
}

/**
 * The time a provider takes to answer: `fixedMs` plus a uniform draw in [0, `jitterMs`), on every
 * provider request (not the control API or the file host), before it is processed.
 */
export interface Latency {
	fixedMs: number;
	jitterMs: number;
}

interface Mounted {
	module: ProviderModule;
	contract: Contract;
}

interface Sleeper {
	timer: NodeJS.Timeout;
	resolve: (completed: boolean) => void;
}

class BodyTooLarge extends Error {}

const JSON_TYPE = 'application/json; charset=utf-8';

export class SandboxCore {
	/** Live arrays: reset() empties them in place, so references held by tests stay valid. */
	readonly requests: RecordedRequest[] = [];
	readonly callbacks: CallbackAttempt[] = [];
	/** Answers that did not match the provider's document (only filled with checkResponses). */
	readonly responseProblems: string[] = [];
	readonly faults = new FaultBook();
	/** Where the providers' recording and transcript links point (storage.ts). */
	readonly storage = new FileStore(() => new Date());

	private readonly mounted: Mounted[] = [];
	private readonly controlRoutes: ControlRoute[] = [];
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly sleepers = new Set<Sleeper>();
	private readonly aborters = new Set<AbortController>();
	private server: http.Server | undefined;
	private closed = false;
	private baseUrl = '';

	/** The latency of this run: set at start, or through setLatency / the control API; reset() restores the start's. */
	private latency: Latency;

	constructor(private readonly options: CoreOptions) {
		this.controlRoutes.push(...this.builtInControlRoutes());
		this.latency = options.latency ?? { fixedMs: 0, jitterMs: 0 };
	}

	setLatency(latency: Latency): void {
		if (!(latency.fixedMs >= 0 && latency.jitterMs >= 0))
			throw new Error('latency: fixedMs and jitterMs must be 0 or more');
		this.latency = { ...latency };
	}

	getLatency(): Latency {
		return { ...this.latency };
	}

	/** What provider modules may use: a clock, cancellable timers and callback delivery. */
	readonly context: ProviderContext = {
		now: () => new Date(),
		storage: this.storage,
		schedule: (ms, task) => this.schedule(ms, task),
		deliver: (callback) => this.deliver(callback),
	};

	get url(): string {
		return this.baseUrl;
	}

	async mount(module: ProviderModule): Promise<void> {
		if (this.mounted.some((m) => m.module.mountPrefix === module.mountPrefix)) {
			throw new Error(`mount prefix ${module.mountPrefix} already used`);
		}
		const contract = await Contract.load(module.definition);
		this.mounted.push({ module, contract });
		// Longest prefix first, so that nested prefixes would route correctly.
		this.mounted.sort((a, b) => b.module.mountPrefix.length - a.module.mountPrefix.length);
		this.controlRoutes.push(...(module.controlRoutes ?? []));
	}

	addControlRoutes(routes: readonly ControlRoute[]): void {
		this.controlRoutes.push(...routes);
	}

	async listen(port: number): Promise<string> {
		const server = http.createServer((req, res) => {
			this.onRequest(req, res).catch((error: unknown) => {
				// Last resort: a bug in the sandbox itself. Answer 500 if still possible.
				if (this.options.logErrors) console.error('[sandbox] unhandled error', error);
				if (!res.headersSent && !res.destroyed) {
					res.writeHead(500, { 'content-type': JSON_TYPE });
					res.end(JSON.stringify({ error: 'sandbox internal error' }));
				}
			});
		});
		this.server = server;
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			// Loopback only: the sandbox must never be reachable from the network.
			server.listen(port, '127.0.0.1', () => {
				server.off('error', reject);
				resolve();
			});
		});
		const address = server.address() as AddressInfo;
		this.baseUrl = `http://127.0.0.1:${address.port}`;
		this.storage.setBaseUrl(this.baseUrl);
		return this.baseUrl;
	}

	reset(): void {
		this.requests.length = 0;
		this.callbacks.length = 0;
		this.responseProblems.length = 0;
		this.faults.clear();
		this.storage.reset();
		this.clearTimers();
		// Back to the latency the sandbox was started with.
		this.latency = this.options.latency ?? { fixedMs: 0, jitterMs: 0 };
		for (const { module } of this.mounted) module.reset();
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.clearTimers();
		for (const sleeper of this.sleepers) {
			clearTimeout(sleeper.timer);
			sleeper.resolve(false);
		}
		this.sleepers.clear();
		for (const aborter of this.aborters) aborter.abort();
		this.aborters.clear();
		const server = this.server;
		if (!server) return;
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			// Keep-alive sockets and requests held by a 'delay' fault would keep close() waiting.
			server.closeAllConnections();
		});
	}

	// ---------------------------------------------------------------------------------------------
	// Provider requests

	private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const target = new URL(`http://127.0.0.1${req.url ?? '/'}`);
		if (target.pathname === '/__sandbox' || target.pathname.startsWith('/__sandbox/')) {
			await this.onControl(req, res, target);
			return;
		}
		// The file host of the providers' links: no API, no contract, no API key.
		if (target.pathname.startsWith(STORAGE_PREFIX)) {
			this.storage.handle(req, res, target);
			return;
		}
		const mounted = this.mounted.find(
			({ module }) =>
				target.pathname === module.mountPrefix ||
				target.pathname.startsWith(`${module.mountPrefix}/`),
		);
		if (!mounted) {
			// Not a provider route: not recorded (RecordedRequest.provider must name a provider).
			sendJson(res, 404, { error: `no sandbox provider is mounted at ${target.pathname}` });
			return;
		}
		const { module, contract } = mounted;
		const method = (req.method ?? 'GET').toUpperCase();
		const path = target.pathname.slice(module.mountPrefix.length) || '/';
		const query = queryOf(target.searchParams);
		const headers = headersOf(req.headers);
		const operation = contract.match(method, path);

		const record: RecordedRequest = {
			provider: module.name,
			method,
			path,
			query: Object.fromEntries(
				Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
			),
			headers,
			body: undefined,
			rawBody: '',
			operationId: operation?.operationId,
			valid: false,
			validationErrors: [],
			status: 0,
			at: Date.now(),
		};
		this.requests.push(record);
		trim(this.requests, this.options.maxRecorded);
		const onRequest = this.options.onRequest;
		res.once('close', () => {
			record.endedAt = Date.now();
			onRequest?.(record);
		});

		let fault = this.faults.take({
			provider: module.name,
			method,
			path,
			operationId: operation?.operationId,
		});
		const contractRequest = {
			method,
			path,
			headers,
			query,
			rawBody: undefined as string | undefined,
		};

		if (fault && 'kind' in fault && fault.kind === 'reset-before-body') {
			// The body is never read: check everything else (route, auth header, params).
			this.recordIssues(
				record,
				operation
					? contract.check(operation, contractRequest, true).issues
					: [routeIssue(method, path)],
			);
			req.socket.destroy();
			return;
		}

		let rawBody: string;
		try {
			rawBody = await readBody(req, this.options.maxBodyBytes);
		} catch (error) {
			if (error instanceof BodyTooLarge) {
				this.recordIssues(record, [
					{
						location: 'body',
						field: '',
						message: `larger than ${this.options.maxBodyBytes} bytes`,
						keyword: 'maxBytes',
					},
				]);
				this.respond(res, record, module.errorResponse(413, 'Request body too large'), {});
				return;
			}
			// The client went away while sending: nothing to answer.
			return;
		}
		record.rawBody = rawBody;
		record.body = parseBody(rawBody, headers['content-type']);
		// The rules on the body, now that it is read.
		fault ??= this.faults.take({
			provider: module.name,
			method,
			path,
			operationId: operation?.operationId,
			rawBody,
		});

		const latencyMs = this.latency.fixedMs + Math.random() * this.latency.jitterMs;
		if (latencyMs > 0 && !(await this.sleep(latencyMs))) {
			req.socket.destroy();
			return;
		}

		let check: ContractCheck | undefined;
		if (operation) {
			contractRequest.rawBody = rawBody;
			check = contract.check(operation, contractRequest);
			this.recordIssues(record, check.issues);
		} else {
			this.recordIssues(record, [routeIssue(method, path)]);
		}

		if (fault && !('kind' in fault)) {
			const base =
				fault.body === undefined
					? module.errorResponse(fault.status)
					: { status: fault.status, body: fault.body };
			this.respond(
				res,
				record,
				{ status: fault.status, body: base.body, headers: fault.headers },
				{},
			);
			return;
		}
		if (fault && this.answerWithBrokenResponse(fault, res, record)) return;
		if (fault && fault.kind === 'delay') {
			const completed = await this.sleep(fault.ms);
			if (!completed) {
				req.socket.destroy();
				return;
			}
		}

		const { result, headers: extraHeaders } = await this.process(mounted, operation, check, record);
		if (fault && fault.kind === 'reset-after-body') {
			// Processed (the object exists), but the client never learns it.
			record.status = 0;
			req.socket.destroy();
			return;
		}
		if (operation && this.options.checkResponses && result.status < 500) {
			for (const problem of contract.checkResponse(operation, result.status, result.body)) {
				this.responseProblems.push(
					`${module.name} ${method} ${path} → ${result.status}: ${problem}`,
				);
			}
		}
		this.respond(res, record, result, extraHeaders);
	}

	private async process(
		{ module }: Mounted,
		operation: Operation | undefined,
		check: ContractCheck | undefined,
		record: RecordedRequest,
	): Promise<{ result: HandlerResult; headers: Record<string, string> }> {
		if (!operation || !check) {
			return {
				result: module.errorResponse(
					404,
					`No documented operation for ${record.method} ${record.path}`,
				),
				headers: {},
			};
		}
		const operationId = operation.operationId ?? '';
		const auth = module.authenticate(check.credential, {
			operationId,
			method: record.method,
			path: record.path,
			headers: record.headers,
		});
		if (!auth.ok) return { result: auth.response, headers: {} };

		const admitted = auth.session.admit?.() ?? {};
		const headers = admitted.headers ?? {};
		if (admitted.reject) return { result: admitted.reject, headers };
		if (check.issues.length > 0)
			return { result: module.validationFailure(check.issues, operationId), headers };

		try {
			const result = await auth.session.handle({
				operationId,
				method: record.method,
				path: record.path,
				params: check.params,
				query: check.query,
				headers: record.headers,
				body: record.body,
			});
			return { result, headers };
		} catch (error) {
			if (error instanceof HttpError)
				return { result: module.errorResponse(error.status, error.message), headers };
			if (this.options.logErrors)
				console.error(`[sandbox] ${module.name} handler ${operationId} crashed`, error);
			return { result: module.errorResponse(500), headers };
		}
	}

	/** The three faults that answer 200 with a body no client should accept. */
	private answerWithBrokenResponse(
		fault: Fault,
		res: http.ServerResponse,
		record: RecordedRequest,
	): boolean {
		if (!('kind' in fault)) return false;
		switch (fault.kind) {
			case 'malformed-json':
				record.status = 200;
				res.writeHead(200, { 'content-type': JSON_TYPE });
				res.end('{"data": {"id": "truncated", "status": ');
				return true;
			case 'wrong-content-type':
				// What a proxy or maintenance page in front of the API would answer.
				record.status = 200;
				res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
				res.end(
					'<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We will be back soon</h1></body></html>',
				);
				return true;
			case 'empty-body':
				record.status = 200;
				res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '0' });
				res.end();
				return true;
			default:
				return false;
		}
	}

	private respond(
		res: http.ServerResponse,
		record: RecordedRequest,
		result: HandlerResult,
		extraHeaders: Record<string, string>,
	): void {
		if (res.destroyed || res.writableEnded) {
			record.status = 0;
			return;
		}
		const headers: Record<string, string> = { ...extraHeaders, ...(result.headers ?? {}) };
		const text = result.body === undefined ? '' : JSON.stringify(result.body);
		if (result.body !== undefined) headers['content-type'] = JSON_TYPE;
		headers['content-length'] = String(Buffer.byteLength(text));
		record.status = result.status;
		res.writeHead(result.status, headers);
		res.end(text);
	}

	private recordIssues(record: RecordedRequest, issues: readonly ValidationIssue[]): void {
		record.valid = issues.length === 0;
		record.validationErrors = issues.map(formatIssue);
	}

	// ---------------------------------------------------------------------------------------------
	// Timers and callbacks

	private schedule(ms: number, task: () => void | Promise<void>): void {
		if (this.closed) return;
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			Promise.resolve()
				.then(task)
				.catch((error: unknown) => {
					if (this.options.logErrors) console.error('[sandbox] scheduled task failed', error);
				});
		}, ms);
		this.timers.add(timer);
	}

	private clearTimers(): void {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}

	/** Resolves true after ms, or false at once if the sandbox closes first. */
	private sleep(ms: number): Promise<boolean> {
		return new Promise((resolve) => {
			if (this.closed) {
				resolve(false);
				return;
			}
			const sleeper: Sleeper = {
				timer: setTimeout(() => {
					this.sleepers.delete(sleeper);
					resolve(true);
				}, ms),
				resolve,
			};
			this.sleepers.add(sleeper);
		});
	}

	private async deliver(callback: OutgoingCallback): Promise<CallbackAttempt> {
		const headers: Record<string, string> = {
			'content-type': 'application/json',
			'user-agent': `${callback.provider}-sandbox/1.0`,
			...(callback.headers ?? {}),
		};
		const attempt: CallbackAttempt = {
			provider: callback.provider,
			event: callback.event,
			url: callback.url,
			method: 'POST',
			headers,
			body: parseJson(callback.rawBody),
			rawBody: callback.rawBody,
			status: 0,
			at: Date.now(),
			durationMs: 0,
		};
		this.callbacks.push(attempt);
		trim(this.callbacks, this.options.maxRecorded);
		if (this.closed) {
			attempt.error = 'not delivered: sandbox closed';
			return attempt;
		}
		if (!this.options.allowExternalCallbacks && !isLoopbackUrl(callback.url)) {
			attempt.error =
				'not delivered: the sandbox only delivers callbacks to loopback hosts (option allowExternalCallbacks)';
			return attempt;
		}
		const aborter = new AbortController();
		this.aborters.add(aborter);
		const timeout = setTimeout(() => aborter.abort(), this.options.callbackTimeoutMs);
		const started = Date.now();
		try {
			const response = await fetch(callback.url, {
				method: 'POST',
				headers,
				body: callback.rawBody,
				signal: aborter.signal,
			});
			attempt.responseBody = await response.text();
			attempt.status = response.status;
		} catch (error) {
			attempt.error = aborter.signal.aborted
				? `not delivered: aborted after ${Date.now() - started} ms`
				: errorText(error);
		} finally {
			clearTimeout(timeout);
			this.aborters.delete(aborter);
			attempt.durationMs = Date.now() - started;
		}
		return attempt;
	}

	// ---------------------------------------------------------------------------------------------
	// Control API (/__sandbox/...): never recorded as provider requests

	private async onControl(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		target: URL,
	): Promise<void> {
		const method = (req.method ?? 'GET').toUpperCase();
		const path = target.pathname.slice('/__sandbox'.length) || '/';
		let rawBody: string;
		try {
			rawBody = await readBody(req, this.options.maxBodyBytes);
		} catch {
			sendJson(res, 413, { error: 'control body too large' });
			return;
		}
		let body: unknown;
		if (rawBody.trim() !== '') {
			try {
				body = JSON.parse(rawBody) as unknown;
			} catch {
				sendJson(res, 400, { error: 'control body must be JSON' });
				return;
			}
		}
		for (const route of this.controlRoutes) {
			if (route.method !== method) continue;
			const match = route.pattern.exec(path);
			if (!match) continue;
			try {
				const result = await route.handle(match, body, target.searchParams);
				sendJson(res, result.status, result.body);
			} catch (error) {
				sendJson(res, error instanceof HttpError ? error.status : 400, { error: errorText(error) });
			}
			return;
		}
		sendJson(res, 404, { error: `no control route ${method} /__sandbox${path}` });
	}

	private builtInControlRoutes(): ControlRoute[] {
		const ok = (body: unknown = { ok: true }): ControlResult => ({ status: 200, body });
		return [
			{
				method: 'GET',
				pattern: /^\/health$/,
				handle: () =>
					ok({
						ok: true,
						providers: this.mounted.map(({ module }) => ({
							name: module.name,
							baseUrl: `${this.baseUrl}${module.mountPrefix}`,
						})),
					}),
			},
			{
				method: 'GET',
				pattern: /^\/requests$/,
				handle: (_m, _b, query) => {
					const provider = query.get('provider');
					return ok(
						provider ? this.requests.filter((r) => r.provider === provider) : this.requests,
					);
				},
			},
			{ method: 'GET', pattern: /^\/callbacks$/, handle: () => ok(this.callbacks) },
			{ method: 'GET', pattern: /^\/response-problems$/, handle: () => ok(this.responseProblems) },
			{
				method: 'POST',
				pattern: /^\/reset$/,
				handle: () => {
					this.reset();
					return ok();
				},
			},
			{ method: 'GET', pattern: /^\/faults$/, handle: () => ok(this.faults.describe()) },
			{ method: 'GET', pattern: /^\/latency$/, handle: () => ok(this.getLatency()) },
			{
				method: 'POST',
				pattern: /^\/latency$/,
				handle: (_match, body) => {
					const input = (body ?? {}) as { fixedMs?: unknown; jitterMs?: unknown };
					this.setLatency({
						fixedMs: Number(input.fixedMs ?? 0),
						jitterMs: Number(input.jitterMs ?? 0),
					});
					return ok(this.getLatency());
				},
			},
			{
				method: 'POST',
				pattern: /^\/faults$/,
				handle: (_m, body) => {
					// A JSON array injects several rules at once, in order.
					const rules = (Array.isArray(body) ? body : [body]).map(faultRuleFromJson);
					for (const rule of rules) this.faults.add(rule);
					return ok({ ok: true, active: this.faults.describe() });
				},
			},
			{
				method: 'DELETE',
				pattern: /^\/faults$/,
				handle: () => {
					this.faults.clear();
					return ok();
				},
			},
		];
	}
}

// -------------------------------------------------------------------------------------------------
// Helpers

function routeIssue(method: string, path: string): ValidationIssue {
	return {
		location: 'route',
		field: '',
		message: `no documented operation for ${method} ${path}`,
		keyword: 'route',
	};
}

/**
 * Bounds memory in long benchmark runs. Drops the oldest entries in batches (a tenth of the limit at
 * a time) so that a full log does not cost an O(n) shift on every request.
 */
function trim<T>(log: T[], max: number): void {
	if (log.length <= max) return;
	log.splice(0, log.length - max + Math.floor(max / 10));
}

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		req.on('data', (chunk: Buffer) => {
			if (done) return;
			size += chunk.length;
			if (size > maxBytes) {
				done = true;
				// Stop buffering but keep draining so that the 413 can still be written.
				req.resume();
				reject(new BodyTooLarge());
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => {
			if (done) return;
			done = true;
			resolve(Buffer.concat(chunks).toString('utf8'));
		});
		req.on('error', (error) => {
			if (done) return;
			done = true;
			reject(error);
		});
		req.on('close', () => {
			if (done) return;
			done = true;
			reject(new Error('client closed the connection'));
		});
	});
}

/**
 * A body as the handlers see it: JSON, or a form (application/x-www-form-urlencoded, which an
 * OAuth2 token endpoint takes) as an object of its fields.
 */
function parseBody(text: string, contentType: string | undefined): unknown {
	if (isForm(contentType)) return text.trim() === '' ? undefined : formFields(text);
	return parseJson(text);
}

function parseJson(text: string): unknown {
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

function queryOf(params: URLSearchParams): Record<string, string | string[]> {
	const out: Record<string, string | string[]> = {};
	for (const key of new Set(params.keys())) {
		const values = params.getAll(key);
		out[key] = values.length === 1 ? values[0] : values;
	}
	return out;
}

function headersOf(headers: http.IncomingHttpHeaders): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	return out;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': JSON_TYPE,
		'content-length': String(Buffer.byteLength(text)),
	});
	res.end(text);
}

function isLoopbackUrl(url: string): boolean {
	try {
		const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
		return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
	} catch {
		return false;
	}
}

function errorText(error: unknown): string {
	if (error instanceof Error) {
		const cause = (error as Error & { cause?: unknown }).cause;
		return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
	}
	return String(error);
}
