/**
 * Runs the sandbox standalone, for the real-n8n end-to-end tests, the demo and benchmarks:
 *
 *   npx tsx test/sandbox/cli.ts [--port 4010] [options]
 *
 * Prints one JSON line on stdout once listening:
 *   {"url":"http://127.0.0.1:4010","baseUrls":{"helloAnnie":"…/helloannie/v1","alloMia":"…/allomia","aiCaller":"…/aicaller"},"pid":123}
 * and on stderr what to type into the nodes (the keys and IDs the sandbox knows, banner.ts),
 * then serves until SIGTERM or SIGINT. Drive it over HTTP with /__sandbox/… (see README.md).
 */
import { parseArgs } from 'node:util';

import { sandboxValuesBanner } from './banner';
import { parseCallSeconds, parseOutcomeWeights, type CallEndingOptions } from './callEnding';
import {
	startSandbox,
	type AiCallerOutcome,
	type AlloMiaOutcome,
	type Latency,
	type RateLimitConfig,
	type WebhookSecretMode,
} from './server';

const USAGE = `Usage: tsx test/sandbox/cli.ts [options]
  --port N                       port on 127.0.0.1 (default 4010; 0 = any free port)
  --verbose                      log every provider request to stderr
  --check-responses              check the sandbox's answers against the OpenAPI documents (GET /__sandbox/response-problems)
  --rate-limit LIMIT[/WINDOW_MS] HelloAnnie rate limit (e.g. 60/60000)
  --retry-after                  add Retry-After to HelloAnnie 429s
  --sms-in-progress-ms N         HelloAnnie: 409 for a second SMS to a number within N ms
  --allomia-auto-complete-ms N   AlloMia: complete outbound calls after N ms
  --allomia-auto-outcome X       completed | failed | busy | no-answer (default completed)
  --aicaller-auto-complete-ms N  AICaller: walk calls to the outcome within N ms
  --aicaller-auto-outcome X      completed | busy | noAnswer | failed | cancelled (default completed)
  --webhook-secret-mode M        AICaller: header | hmac | body (default header)
  --allow-external-callbacks     also deliver callbacks to non-loopback hosts
  --end-calls SECONDS            every provider's calls end by themselves after SECONDS (e.g. 15-45 or 20)
  --end-call-outcomes WEIGHTS    with --end-calls: e.g. completed=6,no-answer=2,voicemail=1,busy=1 (the default)
  --latency FIXED[+JITTER]       every provider request answered after FIXED ms plus up to JITTER ms
                                 (e.g. 300+100, the providers' answer times as modelled; default 0)
  --help`;

function fail(message: string): never {
	process.stderr.write(`${message}\n\n${USAGE}\n`);
	process.exit(2);
}

function int(name: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer`);
	return n;
}

function oneOf<T extends string>(
	name: string,
	value: string | undefined,
	allowed: readonly T[],
): T | undefined {
	if (value === undefined) return undefined;
	if (!(allowed as readonly string[]).includes(value))
		fail(`--${name} must be one of ${allowed.join(', ')}`);
	return value as T;
}

async function main(): Promise<void> {
	let args: ReturnType<typeof parse>;
	try {
		args = parse();
	} catch (error) {
		fail(error instanceof Error ? error.message : String(error));
	}
	const { values } = args;
	if (values.help) {
		process.stdout.write(`${USAGE}\n`);
		return;
	}

	let rateLimit: RateLimitConfig | null = null;
	if (values['rate-limit'] !== undefined) {
		const match = /^(\d+)(?:\/(\d+))?$/.exec(values['rate-limit']);
		if (!match) fail('--rate-limit must look like 60 or 60/60000');
		rateLimit = {
			limit: Number(match[1]),
			windowMs: match[2] === undefined ? 60_000 : Number(match[2]),
			sendRetryAfter: values['retry-after'] === true,
		};
	}

	let latency: Latency | undefined;
	if (values.latency !== undefined) {
		const match = /^(\d+)(?:\+(\d+))?$/.exec(values.latency);
		if (!match) fail('--latency must look like 300 or 300+100');
		latency = { fixedMs: Number(match[1]), jitterMs: Number(match[2] ?? 0) };
	}

	let callEnding: CallEndingOptions | undefined;
	try {
		if (values['end-calls'] !== undefined) {
			callEnding = parseCallSeconds(values['end-calls']);
			if (values['end-call-outcomes'] !== undefined)
				callEnding.outcomes = parseOutcomeWeights(values['end-call-outcomes']);
		} else if (values['end-call-outcomes'] !== undefined) {
			fail('--end-call-outcomes needs --end-calls');
		}
	} catch (error) {
		fail(
			`--end-calls / --end-call-outcomes: ${error instanceof Error ? error.message : String(error)}`,
		);
	}

	const sandbox = await startSandbox({
		port: int('port', values.port) ?? 4010,
		callEnding,
		latency,
		checkResponses: values['check-responses'] === true,
		allowExternalCallbacks: values['allow-external-callbacks'] === true,
		helloAnnie: {
			rateLimit,
			smsInProgressMs: int('sms-in-progress-ms', values['sms-in-progress-ms']),
		},
		alloMia: {
			autoCompleteAfterMs: int('allomia-auto-complete-ms', values['allomia-auto-complete-ms']),
			autoOutcome: oneOf<AlloMiaOutcome>('allomia-auto-outcome', values['allomia-auto-outcome'], [
				'completed',
				'failed',
				'busy',
				'no-answer',
			]),
		},
		aiCaller: {
			autoCompleteAfterMs: int('aicaller-auto-complete-ms', values['aicaller-auto-complete-ms']),
			autoOutcome: oneOf<AiCallerOutcome>(
				'aicaller-auto-outcome',
				values['aicaller-auto-outcome'],
				['completed', 'busy', 'noAnswer', 'failed', 'cancelled'],
			),
			webhookSecretMode: oneOf<WebhookSecretMode>(
				'webhook-secret-mode',
				values['webhook-secret-mode'],
				['header', 'hmac', 'body'],
			),
		},
		onRequest: values.verbose
			? (r) =>
					process.stderr.write(
						`[sandbox] ${r.provider} ${r.method} ${r.path} → ${r.status}${r.valid ? '' : ` INVALID: ${r.validationErrors.join('; ')}`}\n`,
					)
			: undefined,
	});

	process.stdout.write(
		`${JSON.stringify({ url: sandbox.url, baseUrls: sandbox.baseUrls, pid: process.pid })}\n`,
	);
	// stderr: stdout stays the one JSON line that programs read.
	process.stderr.write(`${sandboxValuesBanner().join('\n')}\n`);

	let stopping = false;
	const stop = (signal: NodeJS.Signals): void => {
		if (stopping) {
			// A second signal while closing: give up waiting.
			process.exit(1);
		}
		stopping = true;
		sandbox.close().then(
			() => {
				process.stderr.write(`[sandbox] stopped (${signal})\n`);
				process.exitCode = 0;
			},
			(error: unknown) => {
				process.stderr.write(`[sandbox] error while stopping: ${String(error)}\n`);
				process.exitCode = 1;
			},
		);
	};
	process.once('SIGTERM', () => stop('SIGTERM'));
	process.once('SIGINT', () => stop('SIGINT'));
}

function parse() {
	return parseArgs({
		options: {
			port: { type: 'string' },
			verbose: { type: 'boolean' },
			'check-responses': { type: 'boolean' },
			'rate-limit': { type: 'string' },
			'retry-after': { type: 'boolean' },
			'sms-in-progress-ms': { type: 'string' },
			'allomia-auto-complete-ms': { type: 'string' },
			'allomia-auto-outcome': { type: 'string' },
			'aicaller-auto-complete-ms': { type: 'string' },
			'aicaller-auto-outcome': { type: 'string' },
			'webhook-secret-mode': { type: 'string' },
			'allow-external-callbacks': { type: 'boolean' },
			'end-calls': { type: 'string' },
			'end-call-outcomes': { type: 'string' },
			latency: { type: 'string' },
			help: { type: 'boolean' },
		},
		strict: true,
		allowPositionals: false,
	});
}

main().catch((error: unknown) => {
	process.stderr.write(
		`[sandbox] failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
	);
	process.exit(1);
});
