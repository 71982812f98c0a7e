/**
 * One n8n process (`n8n start`, or `n8n worker` in queue mode): its environment, starting it in
 * its own process group with a watchdog, waiting until /healthz/readiness answers, and stopping
 * it (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import {
	assertPortFree,
	GiveUp,
	killGroup,
	settlesWithin,
	waitFor,
	watchProcessGroup,
} from './processes';
import type { Runtime } from './runtime';

/**
 * Fixed so that a kept run folder (E2E_KEEP=1, the dev folder) can be reopened; these are throwaway
 * local instances that only ever hold sandbox credentials.
 */
const ENCRYPTION_KEY = 'n8n-nodes-ai-phone-agents-local-sandbox-only';

export interface N8nEnvOptions {
	userFolder: string;
	port: number;
	brokerPort: number;
	/** Folder the file nodes may read (N8N_RESTRICT_FILE_ACCESS_TO). */
	filesDir: string;
}

/**
 * The parent's environment minus what would change n8n's behaviour: jest sets NODE_ENV=test, with
 * which n8n keeps its database in memory and stays silent; npm/npx and jest add their own vars.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (key === 'NODE_ENV' || key === 'NODE_OPTIONS' || /^(JEST_|npm_|N8N_|DB_)/i.test(key))
			continue;
		env[key] = value;
	}
	return env;
}

export function n8nEnv(runtime: Runtime, options: N8nEnvOptions): NodeJS.ProcessEnv {
	return {
		...inheritedEnv(),
		NODE_ENV: 'production',
		// Node 24 first: n8n 2.x refuses older Node, and its task runner is started from PATH.
		PATH: `${path.join(runtime.nodeHome, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: options.userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_PORT: String(options.port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://localhost:${options.port}`,
		WEBHOOK_URL: `http://localhost:${options.port}/`,
		// Plain http on localhost: the auth cookie must not be Secure-only.
		N8N_SECURE_COOKIE: 'false',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		// Registry of MCP servers: fetched from api.n8n.io at startup, which these machines cannot reach.
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_PUBLIC_API_DISABLED: 'true',
		// The internal JS task runner's broker: its own free port, so parallel runs (and a dev
		// instance on 5678/5679) never collide.
		N8N_RUNNERS_MODE: 'internal',
		N8N_RUNNERS_BROKER_PORT: String(options.brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RESTRICT_FILE_ACCESS_TO: options.filesDir,
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
		N8N_LOG_OUTPUT: 'console',
		DB_TYPE: 'sqlite',
		// Let a test's Wait node and slow sandbox faults finish before a shutdown cuts them off.
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
	};
}

/**
 * What an N8nServer runs: `n8n start` (the default) or, in queue mode, `n8n worker` with its
 * flags, whose health server (QUEUE_HEALTH_CHECK_PORT) answers /healthz/readiness on `port`.
 */
export interface N8nProcessRole {
	command: 'start' | 'worker';
	args?: string[];
	/** Where /healthz/readiness answers; default N8N_PORT. */
	port?: number;
}

export class N8nServer {
	private exited = false;

	private readonly exitPromise: Promise<void>;

	private constructor(
		private readonly child: ChildProcess,
		private readonly watchdog: ChildProcess,
		readonly url: string,
		readonly logFile: string,
	) {
		this.exitPromise = new Promise((resolve) => {
			child.once('exit', () => {
				this.exited = true;
				resolve();
			});
		});
	}

	/** Starts `n8n start` (or `role`) and waits until it answers /healthz/readiness. */
	static async start(
		runtime: Runtime,
		env: NodeJS.ProcessEnv,
		logFile: string,
		readyTimeoutMs = 180_000,
		role: N8nProcessRole = { command: 'start' },
	): Promise<N8nServer> {
		const port = role.port ?? Number(env.N8N_PORT);
		await assertPortFree(port);
		const logFd = openSync(logFile, 'a');
		let child: ChildProcess;
		try {
			child = spawn(runtime.nodeBin, [runtime.n8nBin, role.command, ...(role.args ?? [])], {
				cwd: path.dirname(logFile),
				env,
				detached: true, // its own process group: n8n + its task runner are stopped together
				stdio: ['ignore', logFd, logFd],
			});
		} finally {
			closeSync(logFd);
		}
		// Neither may keep the parent's event loop alive (jest, the demo's exit).
		const watchdog = watchProcessGroup(child);
		child.unref();

		const server = new N8nServer(child, watchdog, `http://127.0.0.1:${port}`, logFile);
		try {
			await waitFor(
				'n8n to be ready',
				async () => {
					if (server.exited)
						throw new GiveUp(`n8n exited during startup. Log:\n${server.logTail()}`);
					const response = await fetch(`${server.url}/healthz/readiness`, {
						signal: AbortSignal.timeout(2000),
					});
					return response.ok ? true : undefined;
				},
				{ timeoutMs: readyTimeoutMs, intervalMs: 200 },
			);
		} catch (error) {
			await server.stop();
			throw error;
		}
		return server;
	}

	get running(): boolean {
		return !this.exited;
	}

	/** The `n8n start` process (the benchmarks sample its memory). */
	get pid(): number | undefined {
		return this.child.pid;
	}

	logTail(lines = 40): string {
		try {
			return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
		} catch {
			return '(no log)';
		}
	}

	/** SIGTERM to the process group (graceful shutdown), SIGKILL if it is still there after 20 s. */
	async stop(): Promise<void> {
		if (!this.exited) {
			killGroup(this.child, 'SIGTERM');
			if (!(await settlesWithin(this.exitPromise, 20_000))) {
				killGroup(this.child, 'SIGKILL');
				await settlesWithin(this.exitPromise, 5000);
			}
		}
		// The task runner may outlive its parent by a moment; the group kill catches it.
		killGroup(this.child, 'SIGKILL');
		this.watchdog.stdin?.destroy();
		killGroup(this.watchdog, 'SIGKILL');
	}
}
