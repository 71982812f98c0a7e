/**
 * The local provider sandbox: one HTTP server on 127.0.0.1 speaking the documented contracts of
 * HelloAnnie (/helloannie/v1), AlloMia (/allomia) and AICaller (/aicaller).
 *
 *   const sandbox = await startSandbox();
 *   credential Base URL: sandbox.baseUrls.helloAnnie  → http://127.0.0.1:PORT/helloannie/v1
 *   ... run the node ...
 *   expect(sandbox.requests.filter((r) => !r.valid)).toEqual([]);
 *   await sandbox.close();
 *
 * See README.md in this folder for the pipeline, the control API and every undocumented decision.
 */
import type { CallEndingOptions } from './callEnding';
import { SandboxCore, type Latency } from './core';
import {
	AICALLER_FIXTURES,
	createAiCaller,
	type AiCallerControls,
	type AiCallerOptions,
} from './providers/aicaller';
import {
	ALLOMIA_FIXTURES,
	createAlloMia,
	type AlloMiaControls,
	type AlloMiaOptions,
} from './providers/allomia';
import {
	createHelloAnnie,
	HELLOANNIE_FIXTURES,
	type HelloAnnieControls,
	type HelloAnnieOptions,
	type RateLimitConfig,
} from './providers/helloannie';
import type { StorageControls } from './storage';
import type {
	CallbackAttempt,
	ControlRoute,
	FaultRule,
	ProviderName,
	RecordedRequest,
} from './types';

// What the sandbox's users (tests, the harness, the demo, the benchmark) import from it.
export type { Fault, ProviderName, RecordedRequest } from './types';
export type { StorageRequest } from './storage';
export { RECORDING_BYTES_PER_SECOND } from './storage';
export type { Latency } from './core';
export type { RateLimitConfig } from './providers/helloannie';
export type { AlloMiaOutcome } from './providers/allomia';
export type { AiCallerOutcome, WebhookSecretMode } from './providers/aicaller';

export interface SandboxOptions {
	/** Default 0: a free port. Always bound to 127.0.0.1. */
	port?: number;
	/** Override the valid (full-rights) API key of a provider. */
	apiKeys?: { helloAnnie?: string; alloMia?: string; aiCaller?: string };
	helloAnnie?: Omit<HelloAnnieOptions, 'apiKey'>;
	alloMia?: Omit<AlloMiaOptions, 'apiKey'>;
	aiCaller?: Omit<AiCallerOptions, 'apiKey'>;
	/**
	 * Calls of every provider end by themselves, after a time drawn between minMs and maxMs with
	 * an outcome drawn from the weights (completed, no-answer, voicemail, busy), as in dev:sandbox
	 * and the demo. Default: off, a call ends only when a test ends it. A provider's own
	 * callEnding or autoCompleteAfterMs wins over this.
	 */
	callEnding?: CallEndingOptions;
	/** Callback/webhook POST timeout, ms (default 5000). */
	callbackTimeoutMs?: number;
	/** Default false: callbacks to non-loopback hosts are recorded (with an error) but not sent. */
	allowExternalCallbacks?: boolean;
	/** Check every answer against the OpenAPI documents; mismatches go to sandbox.responseProblems (default false). */
	checkResponses?: boolean;
	/** Default 1 MiB; larger bodies are answered 413. */
	maxBodyBytes?: number;
	/** Print handler crashes to stderr (default true). */
	logErrors?: boolean;
	/**
	 * Keep at most this many recorded requests and callbacks (default 100000); beyond it the oldest
	 * tenth is dropped at once. Bounds memory in benchmark runs.
	 */
	maxRecorded?: number;
	/** Called once each provider request is finished (answered, or its socket destroyed), e.g. for logging. */
	onRequest?: (request: RecordedRequest) => void;
	/**
	 * How long each provider request takes to be answered: a fixed delay plus jitter (default
	 * none: the tests want speed). PROVIDER_LATENCY models the providers' answer times.
	 */
	latency?: Latency;
}

/**
 * The providers' answer times as the benchmark models them: 300 ms plus up to 100 ms. None of the
 * three publishes answer times; a create makes the provider set up a call with its telephony
 * carrier, and such APIs (e.g. Twilio's create-call) answer in a few hundred milliseconds.
 */
export const PROVIDER_LATENCY: Latency = { fixedMs: 300, jitterMs: 100 };

export interface SandboxBaseUrls {
	/** http://127.0.0.1:PORT/helloannie/v1 */
	helloAnnie: string;
	/** http://127.0.0.1:PORT/allomia */
	alloMia: string;
	/** http://127.0.0.1:PORT/aicaller */
	aiCaller: string;
}

export interface Sandbox {
	/** http://127.0.0.1:PORT */
	readonly url: string;
	/** What a credential's Base URL field should hold. */
	readonly baseUrls: SandboxBaseUrls;
	/** Every provider request in arrival order (live array; reset() empties it). */
	readonly requests: RecordedRequest[];
	/** Every callback/webhook POST the sandbox made (live array). */
	readonly callbacks: CallbackAttempt[];
	/** Answers that did not match the documents (only with options.checkResponses). */
	readonly responseProblems: string[];
	requestsFor(provider: ProviderName): RecordedRequest[];
	inject(rule: FaultRule): void;
	clearFaults(): void;
	/** Sets the answer time of every provider request from now on (see Latency). */
	setLatency(latency: Latency): void;
	/** HelloAnnie per-organization rate limit; null switches it (and the X-RateLimit-* headers) off. */
	setRateLimit(config: RateLimitConfig | null): void;
	readonly helloAnnie: HelloAnnieControls;
	readonly alloMia: AlloMiaControls;
	readonly aiCaller: AiCallerControls;
	/** The file host of the recording and transcript links: its requests, and the lifetime of the links it signs. */
	readonly storage: StorageControls;
	/** Empties requests, callbacks and faults, cancels pending timers, restores the seeded fixtures and the options' settings. */
	reset(): void;
	/** Stops listening, drops open connections, cancels timers, delays and callbacks in flight. */
	close(): Promise<void>;
}

/** The seeded data every sandbox starts from (and returns to on reset()). Deep-frozen. */
export const SANDBOX_FIXTURES = {
	helloAnnie: HELLOANNIE_FIXTURES,
	alloMia: ALLOMIA_FIXTURES,
	aiCaller: AICALLER_FIXTURES,
} as const;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const core = new SandboxCore({
		callbackTimeoutMs: options.callbackTimeoutMs ?? 5000,
		allowExternalCallbacks: options.allowExternalCallbacks ?? false,
		checkResponses: options.checkResponses ?? false,
		maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
		logErrors: options.logErrors ?? true,
		maxRecorded: options.maxRecorded ?? 100_000,
		onRequest: options.onRequest,
		latency: options.latency,
	});

	const helloAnnie = createHelloAnnie(core.context, {
		callEnding: options.callEnding,
		...options.helloAnnie,
		apiKey: options.apiKeys?.helloAnnie,
	});
	const alloMia = createAlloMia(core.context, {
		callEnding: options.callEnding,
		...options.alloMia,
		apiKey: options.apiKeys?.alloMia,
	});
	const aiCaller = createAiCaller(core.context, {
		callEnding: options.callEnding,
		...options.aiCaller,
		apiKey: options.apiKeys?.aiCaller,
	});
	for (const provider of [helloAnnie, alloMia, aiCaller]) await core.mount(provider.module);

	const fixturesRoute: ControlRoute = {
		method: 'GET',
		pattern: /^\/fixtures$/,
		handle: () => ({ status: 200, body: SANDBOX_FIXTURES }),
	};
	const linkLifetimeRoute: ControlRoute = {
		method: 'POST',
		pattern: /^\/storage\/link-lifetime$/,
		handle: (_match, body) => {
			const seconds = (body as { seconds?: unknown } | undefined)?.seconds;
			core.storage.setLinkLifetime(typeof seconds === 'number' ? seconds : null);
			return { status: 200, body: { ok: true } };
		},
	};
	const storageRequestsRoute: ControlRoute = {
		method: 'GET',
		pattern: /^\/storage\/requests$/,
		handle: () => ({ status: 200, body: core.storage.requests }),
	};
	core.addControlRoutes([fixturesRoute, linkLifetimeRoute, storageRequestsRoute]);

	let url: string;
	try {
		url = await core.listen(options.port ?? 0);
	} catch (error) {
		await core.close();
		throw error;
	}
	return {
		url,
		baseUrls: {
			helloAnnie: url + helloAnnie.module.mountPrefix,
			alloMia: url + alloMia.module.mountPrefix,
			aiCaller: url + aiCaller.module.mountPrefix,
		},
		requests: core.requests,
		callbacks: core.callbacks,
		responseProblems: core.responseProblems,
		requestsFor: (provider) => core.requests.filter((r) => r.provider === provider),
		inject: (rule) => core.faults.add(rule),
		setLatency: (latency) => core.setLatency(latency),
		clearFaults: () => core.faults.clear(),
		setRateLimit: (config) => helloAnnie.controls.setRateLimit(config),
		helloAnnie: helloAnnie.controls,
		alloMia: alloMia.controls,
		aiCaller: aiCaller.controls,
		storage: {
			requests: core.storage.requests,
			setLinkLifetime: (seconds) => core.storage.setLinkLifetime(seconds),
			serveAs: (path, how) => core.storage.serveAs(path, how),
		},
		reset: () => core.reset(),
		close: () => core.close(),
	};
}
