/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test and tooling code, not published: n8n's strict lint config (kept as is) applies the node rules to every .ts file */
/**
 * Runs the packed package inside a real, pinned n8n (2.41.1 on Node 24) next to the provider
 * sandbox. Shared by the e2e tests (test/e2e/global-setup.ts), `npm run demo` and
 * `npm run dev:sandbox`, so all three exercise exactly the same installation path.
 *
 * What "the way users install it" means here: `npm pack` of the built package, then `npm install`
 * of that tarball into `<N8N_USER_FOLDER>/.n8n/nodes`, the folder n8n scans for community packages
 * at startup (its community-packages module globs `nodes/node_modules/n8n-nodes-*`). A file missing
 * from `files`/`dist` is therefore missing in n8n too, and node types get their community-package
 * names (`n8n-nodes-ai-phone-agents.helloAnnie`), not the `CUSTOM.` prefix of N8N_CUSTOM_EXTENSIONS.
 *
 * Measured on this 2-core machine (n8n 2.41.1, runtime cached), each step alone:
 *   npm run build 5.9 s · npm pack 1.0 s · npm install of the tarball 0.7 s
 *   n8n import:credentials on a fresh folder 5.2 s (it creates and migrates the DB; 2.4 s without)
 *   n8n start until /healthz/readiness: 6.3–7.0 s on the migrated DB, 16 s when it must migrate
 *   one workflow run through the running server: 0.15–0.25 s (REST manual run or production
 *   webhook, including reading the execution back) · `n8n execute --id`: 3.8 s per workflow,
 *   a new process each time
 * Hence ONE `n8n start` per run, driven over its REST API and webhooks (see N8nClient), with the
 * credential import running while the package builds: the whole setup takes ~17 s
 * (build/pack/install 9.4 s ∥ sandbox + import 7.2 s, then start 6.3 s, owner + checks 0.8 s).
 * Disabling more n8n modules did not shorten the start (measured 7.1 s vs 6.7 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, promises as fs, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
	INode,
	INodeExecutionData,
	IConnections,
	IRunExecutionData,
	IWorkflowSettings,
} from 'n8n-workflow';

import type { Sandbox } from '../../test/sandbox/server';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-ai-phone-agents';
export const NODE_TYPES = {
	helloAnnie: `${PACKAGE_NAME}.helloAnnie`,
	alloMia: `${PACKAGE_NAME}.alloMia`,
	aiCaller: `${PACKAGE_NAME}.aiCaller`,
} as const;
export const CREDENTIAL_TYPES = {
	helloAnnie: 'helloAnnieApi',
	alloMia: 'alloMiaApi',
	aiCaller: 'aiCallerApi',
} as const;

/**
 * Fixed so that a kept run folder (E2E_KEEP=1, the dev folder) can be reopened; these are throwaway
 * local instances that only ever hold sandbox credentials.
 */
export const ENCRYPTION_KEY = 'n8n-nodes-ai-phone-agents-local-sandbox-only';

/** The local owner account (n8n's password rule: 8+ characters, a digit and an upper-case letter). */
export const OWNER = {
	email: 'owner@sandbox.local',
	password: 'Sandbox-0wner',
	firstName: 'Sandbox',
	lastName: 'Owner',
} as const;

/** Fixed ids, so workflows (and the examples) can reference the credentials before n8n starts. */
export const CREDENTIALS = {
	helloAnnie: {
		id: 'sbxHelloAnnie001',
		name: 'HelloAnnie account',
		type: CREDENTIAL_TYPES.helloAnnie,
	},
	/** Same sandbox, a key it refuses: drives the 401 paths. */
	helloAnnieWrongKey: {
		id: 'sbxHelloAnnie401',
		name: 'HelloAnnie wrong key',
		type: CREDENTIAL_TYPES.helloAnnie,
	},
	/** The sandbox's AlloMia key and organization (the credential test lists that org's calls). */
	alloMia: {
		id: 'sbxAlloMia000001',
		name: 'AlloMia account',
		type: CREDENTIAL_TYPES.alloMia,
	},
	alloMiaWrongKey: {
		id: 'sbxAlloMia000401',
		name: 'AlloMia wrong key',
		type: CREDENTIAL_TYPES.alloMia,
	},
	aiCaller: {
		id: 'sbxAiCaller00001',
		name: 'AICaller account',
		type: CREDENTIAL_TYPES.aiCaller,
	},
	aiCallerWrongKey: {
		id: 'sbxAiCaller00401',
		name: 'AICaller wrong key',
		type: CREDENTIAL_TYPES.aiCaller,
	},
} as const;
export type CredentialRef = { id: string; name: string; type: string };

/** The sandbox's valid HelloAnnie key (a fixture, but still never printed). */
const SANDBOX_HELLOANNIE_KEY = 'annie-sk-v1-sandbox';
const WRONG_HELLOANNIE_KEY = 'annie-sk-v1-not-a-valid-key';
/** Keys the sandbox refuses (401); the valid keys come from its fixtures. */
const WRONG_ALLOMIA_KEY = 'allomia-not-a-valid-key';
const WRONG_AICALLER_KEY = 'aicaller-not-a-valid-key';

export type Log = (message: string) => void;

// -------------------------------------------------------------------------------------------------
// Processes

interface CommandOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	timeoutMs: number;
	/** Show the command's stderr live (the runtime installer's progress), instead of capturing it. */
	inheritStderr?: boolean;
}

/** Runs a command to completion; rejects with the tail of its output on failure or timeout. */
export function runCommand(
	command: string,
	args: string[],
	options: CommandOptions,
): Promise<{ stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd ?? REPO_ROOT,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'],
			// Own process group: a timeout kills the whole tree (npm spawns sh, sh spawns tsc...).
			detached: true,
		});
		let stdout = '';
		let stderr = '';
		const cap = (text: string) => (text.length > 200_000 ? text.slice(-200_000) : text);
		child.stdout?.on('data', (chunk: Buffer) => (stdout = cap(stdout + chunk.toString())));
		child.stderr?.on('data', (chunk: Buffer) => (stderr = cap(stderr + chunk.toString())));
		const timer = setTimeout(() => {
			killGroup(child, 'SIGKILL');
			reject(
				new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms`),
			);
		}, options.timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (code === 0) return resolve({ stdout, stderr });
			const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
			reject(
				new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`),
			);
		});
	});
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// already gone
	}
}

/** A port the OS says is free on 127.0.0.1 (released again before use; the window is tiny). */
export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export async function assertPortFree(port: number): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const server = net.createServer();
		server.once('error', () => reject(new Error(`port ${port} on 127.0.0.1 is already in use`)));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
	});
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled within `ms`; the timer never outlives it (no 20 s hang at exit). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => {
		timer = setTimeout(() => resolve(false), ms);
	});
	try {
		return await Promise.race([promise.then(() => true), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Thrown by a waitFor check to stop waiting at once (e.g. the process being waited for died). */
export class GiveUp extends Error {}

/** Polls `check` until it returns a value, at most `timeoutMs`; `what` names it in the error. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined>,
	{ timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (let attempt = 0; attempt < 100_000; attempt++) {
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			if (error instanceof GiveUp) throw error;
			lastError = error;
		}
		if (Date.now() >= deadline) break;
		await sleep(intervalMs);
	}
	const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}

// -------------------------------------------------------------------------------------------------
// Runtime, build, pack, install

export interface Runtime {
	dir: string;
	/** Node 24 installation (bin/node). */
	nodeHome: string;
	nodeBin: string;
	n8nBin: string;
}

/** Installs (first run, ~4 min) or reuses the cached n8n + Node 24 runtime. */
export async function ensureRuntime(): Promise<Runtime> {
	const { stdout } = await runCommand('bash', [path.join(REPO_ROOT, 'scripts', 'n8n-runtime.sh')], {
		timeoutMs: 30 * 60_000,
		inheritStderr: true,
	});
	const dir = stdout.trim().split('\n').pop() ?? '';
	const envFile = path.join(dir, 'env.sh');
	if (!dir || !existsSync(envFile))
		throw new Error(`scripts/n8n-runtime.sh printed no runtime directory (got "${dir}")`);
	const vars: Record<string, string> = {};
	for (const line of readFileSync(envFile, 'utf8').split('\n')) {
		const match = /^export (\w+)="(.*)"$/.exec(line.trim());
		if (match) vars[match[1]] = match[2];
	}
	const nodeHome = vars.N8N_NODE_HOME;
	const n8nBin = vars.N8N_BIN;
	if (!nodeHome || !n8nBin) throw new Error(`${envFile} lacks N8N_NODE_HOME or N8N_BIN`);
	return { dir, nodeHome, nodeBin: path.join(nodeHome, 'bin', 'node'), n8nBin };
}

/**
 * A directory lock across processes (tests, demo, benchmarks run side by side on one checkout;
 * the e2e test files share one sandbox). A lock whose holder died is taken over.
 */
export async function acquireDirLock(lockDir: string, what: string, timeoutMs = 10 * 60_000): Promise<void> {
	const pidFile = path.join(lockDir, 'pid');
	await fs.mkdir(path.dirname(lockDir), { recursive: true });
	await waitFor(
		what,
		async () => {
			try {
				await fs.mkdir(lockDir);
				await fs.writeFile(pidFile, String(process.pid));
				return true;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
				const holder = Number(await fs.readFile(pidFile, 'utf8').catch(() => ''));
				if (holder && !processAlive(holder)) await fs.rm(lockDir, { recursive: true, force: true });
				return undefined;
			}
		},
		{ timeoutMs, intervalMs: 200 },
	);
}

export async function releaseDirLock(lockDir: string): Promise<void> {
	await fs.rm(lockDir, { recursive: true, force: true });
}

/** Runs `task` holding the lock (see acquireDirLock). */
export async function withDirLock<T>(
	lockDir: string,
	what: string,
	task: () => Promise<T>,
): Promise<T> {
	await acquireDirLock(lockDir, what);
	try {
		return await task();
	} finally {
		await releaseDirLock(lockDir);
	}
}

/** `npm run build` then `npm pack` into `destDir`; returns the tarball's path. */
export async function buildAndPack(destDir: string): Promise<string> {
	await fs.mkdir(destDir, { recursive: true });
	// `n8n-node build` empties dist/ first: two builds at once would pack a half-built package.
	const { stdout } = await withDirLock(
		path.join(REPO_ROOT, '.cache', 'build.lock'),
		'another build of the package to finish',
		async () => {
			await runCommand('npm', ['run', 'build'], { timeoutMs: 5 * 60_000 });
			return await runCommand('npm', ['pack', '--json', '--pack-destination', destDir], {
				timeoutMs: 2 * 60_000,
			});
		},
	);
	const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
	const tarball = path.join(destDir, info.filename);
	if (!existsSync(tarball))
		throw new Error(`npm pack reported ${info.filename} but it is not in ${destDir}`);
	return tarball;
}

/**
 * Installs the tarball as n8n installs community packages: into <userFolder>/.n8n/nodes with npm,
 * scripts off, without peer dependencies (n8n-workflow must come from n8n itself, never from
 * beside the package).
 */
export async function installPackage(tarball: string, userFolder: string): Promise<string> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	await fs.mkdir(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!existsSync(manifest)) {
		await fs.writeFile(
			manifest,
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
		);
	}
	// A kept folder (dev) may hold an older build with the same version: replace it outright.
	await fs.rm(path.join(nodesDir, 'node_modules', PACKAGE_NAME), { recursive: true, force: true });
	await runCommand(
		'npm',
		[
			'install',
			tarball,
			'--omit=peer',
			'--legacy-peer-deps',
			'--ignore-scripts',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--package-lock=false',
			'--loglevel=error',
		],
		{ cwd: nodesDir, timeoutMs: 3 * 60_000 },
	);
	const installed = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	if (!existsSync(path.join(installed, 'package.json')))
		throw new Error(`npm install left no ${installed}`);
	if (existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))) {
		throw new Error(
			'npm installed n8n-workflow beside the package; the package must take it from n8n',
		);
	}
	return installed;
}

// -------------------------------------------------------------------------------------------------
// The n8n process

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
 * `n8n import:credentials` encrypts the plain `data` and keeps the ids. Run before `n8n start`:
 * it also creates and migrates the database.
 */
export async function importCredentials(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	runDir: string,
	credentials: Array<CredentialRef & { data: Record<string, string> }>,
): Promise<void> {
	const file = path.join(runDir, `credentials-${randomUUID()}.json`);
	// The file holds API keys in clear: readable by this user only, and deleted right after.
	await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
	try {
		await runCommand(runtime.nodeBin, [runtime.n8nBin, 'import:credentials', `--input=${file}`], {
			env,
			timeoutMs: 3 * 60_000,
		});
	} finally {
		await fs.rm(file, { force: true });
	}
}

/**
 * Kills the n8n process group when the process that started it goes away without stopping it
 * (jest killed, Ctrl-C twice, a crash): it watches the stdin pipe its parent holds open.
 */
const WATCHDOG = `
const pgid = Number(process.argv[1]);
const alive = () => { try { process.kill(-pgid, 0); return true; } catch { return false; } };
let killing = false;
const kill = () => {
	if (killing) return; killing = true;
	try { process.kill(-pgid, 'SIGTERM'); } catch {}
	setTimeout(() => { try { process.kill(-pgid, 'SIGKILL'); } catch {} process.exit(0); }, 15000);
};
process.stdin.on('end', kill); process.stdin.on('error', kill); process.stdin.resume();
setInterval(() => { if (!alive()) process.exit(0); }, 1000);
`;

/**
 * Starts the watchdog above for a detached child (its own process group), for processes other
 * than n8n that a run starts (queue mode's Redis and Postgres, scripts/lib/queue-mode.ts). Destroy
 * the returned process's stdin, then SIGKILL it, once the child was stopped normally.
 */
export function watchProcessGroup(child: ChildProcess): ChildProcess {
	const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(child.pid)], {
		detached: true,
		stdio: ['pipe', 'ignore', 'ignore'],
	});
	watchdog.unref();
	(watchdog.stdin as unknown as net.Socket | null)?.unref?.();
	return watchdog;
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
		const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(child.pid)], {
			detached: true,
			stdio: ['pipe', 'ignore', 'ignore'],
		});
		// Neither may keep the parent's event loop alive (jest, the demo's exit).
		child.unref();
		watchdog.unref();
		(watchdog.stdin as unknown as net.Socket | null)?.unref?.();

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

// -------------------------------------------------------------------------------------------------
// REST client

export interface WorkflowJson {
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	pinData?: Record<string, Array<{ json: Record<string, unknown> }>>;
	meta?: Record<string, unknown>;
	tags?: unknown[];
}

export interface StoredWorkflow {
	id: string;
	versionId: string;
	name: string;
}

export interface Execution {
	id: string;
	status: string;
	mode: string;
	workflowId: string;
	data: IRunExecutionData;
}

export interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage: string | null }>;
}

export interface HttpAnswer {
	status: number;
	body: unknown;
	text: string;
}

/** n8n stores run data in the `flatted` format (a table of values with string references). */
export function parseFlatted(text: string): unknown {
	const table = JSON.parse(text) as unknown;
	if (!Array.isArray(table)) return table;
	const resolved = new Map<number, unknown>();
	const resolve = (index: number): unknown => {
		const value: unknown = table[index];
		if (value === null || typeof value !== 'object') return value;
		const seen = resolved.get(index);
		if (seen !== undefined) return seen;
		const out: Record<string, unknown> = Array.isArray(value)
			? ([] as unknown as Record<string, unknown>)
			: {};
		resolved.set(index, out);
		// Inside objects every string is a reference into the table; numbers, booleans, null are inline.
		for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
			out[key] = typeof entry === 'string' ? resolve(Number(entry)) : entry;
		}
		return out;
	};
	return resolve(0);
}

const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);

/**
 * The editor's own REST API (cookie session), plus production webhooks. Execution details come
 * from GET /rest/executions/:id, the data the editor shows for a run.
 */
export class N8nClient {
	private cookie = '';

	constructor(readonly baseUrl: string) {}

	async raw(
		method: string,
		urlPath: string,
		body?: unknown,
		timeoutMs = 60_000,
	): Promise<HttpAnswer> {
		const response = await fetch(`${this.baseUrl}${urlPath}`, {
			method,
			headers: {
				'content-type': 'application/json',
				accept: 'application/json',
				...(this.cookie ? { cookie: this.cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const setCookie = response.headers.get('set-cookie');
		const auth = setCookie && /(?:^|,\s*)(n8n-auth=[^;]*)/.exec(setCookie);
		if (auth) this.cookie = auth[1];
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = text ? (JSON.parse(text) as unknown) : undefined;
		} catch {
			// not JSON: keep the text
		}
		return { status: response.status, body: parsed, text };
	}

	/** A REST call that must succeed; returns the `data` member n8n wraps answers in. */
	async rest<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
		const answer = await this.raw(method, urlPath, body);
		if (answer.status >= 300) {
			throw new Error(
				`n8n ${method} ${urlPath} answered ${answer.status}: ${answer.text.slice(0, 500)}`,
			);
		}
		const parsed = answer.body as { data?: T } | T;
		return parsed !== null && typeof parsed === 'object' && 'data' in (parsed as object)
			? (parsed as { data: T }).data
			: (parsed as T);
	}

	/** Creates the owner on a fresh instance, or logs in where one exists (a kept dev folder). */
	async ensureOwner(): Promise<void> {
		const setup = await this.raw('POST', '/rest/owner/setup', OWNER);
		if (setup.status < 300) return;
		await this.login();
	}

	/**
	 * The owner's session cookie, to hand to another client (the e2e test files): n8n allows 5
	 * logins per minute per account, fewer than the test files that start within a minute.
	 */
	get sessionCookie(): string {
		return this.cookie;
	}

	useSessionCookie(cookie: string): void {
		this.cookie = cookie;
	}

	async login(): Promise<void> {
		await this.rest('POST', '/rest/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
	}

	async nodeTypeNames(): Promise<string[]> {
		const types = await this.rest<Array<{ name: string }>>('GET', '/types/nodes.json');
		return types.map((t) => t.name);
	}

	async credentialTypeNames(): Promise<string[]> {
		const types = await this.rest<Array<{ name: string }>>('GET', '/types/credentials.json');
		return types.map((t) => t.name);
	}

	async createWorkflow(workflow: WorkflowJson): Promise<StoredWorkflow> {
		return await this.rest<StoredWorkflow>('POST', '/rest/workflows', workflow);
	}

	/** Publishes (activates) the workflow: its production webhooks get registered. */
	async activateWorkflow(workflow: StoredWorkflow): Promise<void> {
		await this.rest('POST', `/rest/workflows/${workflow.id}/activate`, {
			versionId: workflow.versionId,
		});
	}

	/**
	 * Unpublishes (deactivates) the workflow: n8n removes its production webhooks and runs the
	 * trigger nodes' webhookMethods.delete (e.g. the HelloAnnie bot webhook is deleted).
	 */
	async deactivateWorkflow(workflowId: string): Promise<void> {
		await this.rest('POST', `/rest/workflows/${workflowId}/deactivate`, {});
	}

	/**
	 * n8n 2.41 publishes (activates and deactivates) through an outbox, after the REST call has
	 * answered: this is where a trigger's activation result shows — `published`, or `failed` with
	 * the node's error message.
	 */
	async publicationStatus(workflowId: string): Promise<PublicationStatus> {
		return await this.rest<PublicationStatus>(
			'GET',
			`/rest/workflows/${workflowId}/publication-status`,
		);
	}

	/** Waits until n8n has applied the last activation / deactivation of the workflow. */
	async waitForPublication(workflowId: string, timeoutMs = 30_000): Promise<PublicationStatus> {
		return await waitFor(
			`n8n to finish publishing workflow ${workflowId}`,
			async () => {
				const status = await this.publicationStatus(workflowId);
				return status.status === 'in_progress' ? undefined : status;
			},
			{ timeoutMs, intervalMs: 50 },
		);
	}

	/** The workflow as stored, with its static data (what trigger nodes keep between requests). */
	async getWorkflow(
		workflowId: string,
	): Promise<StoredWorkflow & { active: boolean; staticData?: unknown; nodes: INode[] }> {
		return await this.rest('GET', `/rest/workflows/${workflowId}`);
	}

	async listWorkflows(): Promise<Array<{ id: string; name: string }>> {
		return await this.rest<Array<{ id: string; name: string }>>('GET', '/rest/workflows');
	}

	/** Runs a saved workflow from its trigger, as "Execute workflow" in the editor does. */
	async runManually(workflowId: string, triggerName: string): Promise<string> {
		const result = await this.rest<{ executionId?: string; waitingForWebhook?: boolean }>(
			'POST',
			`/rest/workflows/${workflowId}/run`,
			{
				triggerToStartFrom: { name: triggerName },
			},
		);
		if (!result.executionId)
			throw new Error(`n8n did not start workflow ${workflowId}: ${JSON.stringify(result)}`);
		return result.executionId;
	}

	async getExecution(id: string): Promise<Execution> {
		const raw = await this.rest<{
			id: string;
			status: string;
			mode: string;
			workflowId: string;
			data: string;
		}>('GET', `/rest/executions/${id}`);
		return {
			id: raw.id,
			status: raw.status,
			mode: raw.mode,
			workflowId: raw.workflowId,
			data: parseFlatted(raw.data) as IRunExecutionData,
		};
	}

	async waitForExecution(id: string, timeoutMs = 60_000): Promise<Execution> {
		return await waitFor(
			`execution ${id} to finish`,
			async () => {
				const execution = await this.getExecution(id);
				return TERMINAL.has(execution.status) ? execution : undefined;
			},
			{ timeoutMs, intervalMs: 50 },
		);
	}

	/** The newest execution of a workflow (ids are increasing integers), if any. */
	async latestExecutionId(workflowId: string): Promise<number> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const list = await this.rest<{ results: Array<{ id: string }> }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=1`,
		);
		return list.results.length ? Number(list.results[0].id) : 0;
	}

	/** Ids of the executions of a workflow, oldest first (the newest 100: n8n's page limit). */
	async executionIds(workflowId: string): Promise<string[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const list = await this.rest<{ results: Array<{ id: string }> }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=100`,
		);
		return list.results.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
	}

	/**
	 * POSTs to a production webhook. Activation registers the webhook a moment after the REST call
	 * returns (measured ~0.3 s): a "not registered" 404 means nothing ran, so it is retried.
	 */
	async callWebhook(webhookPath: string, body: unknown, timeoutMs = 120_000): Promise<HttpAnswer> {
		return await waitFor(
			`webhook ${webhookPath} to be registered`,
			async () => {
				const answer = await this.raw('POST', `/webhook/${webhookPath}`, body, timeoutMs);
				if (answer.status === 404 && /not registered/.test(answer.text)) return undefined;
				return answer;
			},
			{ timeoutMs: 15_000, intervalMs: 100 },
		);
	}

	/** Runs an active webhook workflow once; returns the HTTP answer and that run's execution. */
	async runWebhook(
		workflowId: string,
		webhookPath: string,
		body: unknown,
	): Promise<{ answer: HttpAnswer; execution: Execution }> {
		const before = await this.latestExecutionId(workflowId);
		const answer = await this.callWebhook(webhookPath, body);
		const id = await waitFor(
			`the execution of ${webhookPath}`,
			async () => {
				const latest = await this.latestExecutionId(workflowId);
				return latest > before ? String(latest) : undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 50 },
		);
		return { answer, execution: await this.waitForExecution(id) };
	}

	/** The editor's "Test" button of a credential: POST /rest/credentials/test. */
	async testCredential(
		credential: CredentialRef,
		data: Record<string, string>,
	): Promise<{ status: string; message: string }> {
		return await this.rest('POST', '/rest/credentials/test', {
			credentials: { id: credential.id, name: credential.name, type: credential.type, data },
		});
	}
}

/** Output items of a node in an execution (first run, first output unless told). */
export function nodeOutput(
	execution: Execution,
	nodeName: string,
	outputIndex = 0,
	runIndex = 0,
): INodeExecutionData[] {
	const run = execution.data.resultData.runData[nodeName]?.[runIndex];
	if (!run)
		throw new Error(
			`node "${nodeName}" did not run in execution ${execution.id} (status ${execution.status})`,
		);
	return run.data?.main?.[outputIndex] ?? [];
}

// -------------------------------------------------------------------------------------------------
// The whole stack: sandbox + n8n with the packed package and sandbox credentials

export interface StackOptions {
	log: Log;
	/** n8n's port; default a free one. */
	port?: number;
	/** Sandbox port; default a free one. */
	sandboxPort?: number;
	/** Use (and keep) this folder as N8N_USER_FOLDER instead of a fresh temporary one. */
	userFolder?: string;
	/** Use (and keep) this folder for the files n8n may read, instead of one in the run folder. */
	filesDir?: string;
}

export interface Stack {
	runtime: Runtime;
	sandbox: Sandbox;
	n8n: N8nServer;
	client: N8nClient;
	/** Temporary folder of this run (tarball, log, files); removed by stop() unless kept. */
	runDir: string;
	userFolder: string;
	/** Where file nodes may read; examples/data is copied here. */
	filesDir: string;
	credentials: typeof CREDENTIALS;
	/** Seconds each setup step took. */
	timings: Record<string, number>;
	stop(options?: { keepRunDir?: boolean }): Promise<void>;
}

async function timed<T>(
	timings: Record<string, number>,
	step: string,
	work: () => Promise<T>,
): Promise<T> {
	const started = Date.now();
	try {
		return await work();
	} finally {
		timings[step] = Math.round((Date.now() - started) / 100) / 10;
	}
}

const RUN_DIR_PREFIX = 'n8n-ai-phone-agents-';
const OWNER_FILE = 'owner.pid';

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * Removes run folders left by runs that were killed (their owner process is gone). Folders kept
 * on purpose (failed start, E2E_KEEP=1) have no owner file and stay.
 */
async function sweepAbandonedRunDirs(): Promise<void> {
	const entries = await fs.readdir(os.tmpdir()).catch(() => [] as string[]);
	for (const entry of entries.filter((name) => name.startsWith(RUN_DIR_PREFIX)).slice(0, 100)) {
		const dir = path.join(os.tmpdir(), entry);
		const owner = Number(await fs.readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => ''));
		if (owner && owner !== process.pid && !processAlive(owner))
			await fs.rm(dir, { recursive: true, force: true });
	}
}

export async function startStack(options: StackOptions): Promise<Stack> {
	const { log } = options;
	const timings: Record<string, number> = {};
	const started = Date.now();
	await sweepAbandonedRunDirs();
	const runDir = await fs.mkdtemp(path.join(os.tmpdir(), RUN_DIR_PREFIX));
	await fs.writeFile(path.join(runDir, OWNER_FILE), String(process.pid));
	const userFolder = options.userFolder ?? path.join(runDir, 'user');
	const filesDir = options.filesDir ?? path.join(runDir, 'files');
	await fs.mkdir(userFolder, { recursive: true });
	await fs.mkdir(filesDir, { recursive: true });

	let sandbox: Sandbox | undefined;
	let n8n: N8nServer | undefined;
	// Once only: a signal handler and a finally block may both call it.
	let stopped: Promise<void> | undefined;
	const stop = ({ keepRunDir = false }: { keepRunDir?: boolean } = {}) =>
		(stopped ??= (async () => {
			await n8n?.stop();
			await sandbox?.close();
			if (keepRunDir) await fs.rm(path.join(runDir, OWNER_FILE), { force: true });
			else await fs.rm(runDir, { recursive: true, force: true });
		})());

	try {
		// A fixed port (dev: 5678) that is taken should fail before a minute of building.
		if (options.port !== undefined) await assertPortFree(options.port);
		log('n8n runtime: checking the cache (a first run installs it, ~4 min)…');
		const runtime = await timed(timings, 'runtime', ensureRuntime);
		const [port, brokerPort] = [options.port ?? (await freePort()), await freePort()];
		const env = n8nEnv(runtime, { userFolder, port, brokerPort, filesDir });

		// Build/pack/install and sandbox/credential import are independent: run them side by side.
		log('building and packing the package; starting the sandbox and importing credentials…');
		const packageReady = timed(timings, 'build+pack+install', async () => {
			const tarball = await buildAndPack(path.join(runDir, 'pack'));
			await installPackage(tarball, userFolder);
		});
		const credentialsReady = timed(timings, 'sandbox+import:credentials', async () => {
			// Loaded here, not at the top: the test workers use this module's client only.
			const { startSandbox, SANDBOX_FIXTURES } = await import('../../test/sandbox/server');
			sandbox = await startSandbox({ port: options.sandboxPort ?? 0 });
			const { alloMia, aiCaller } = SANDBOX_FIXTURES;
			await importCredentials(runtime, env, runDir, [
				{
					...CREDENTIALS.helloAnnie,
					data: { apiKey: SANDBOX_HELLOANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
				},
				{
					...CREDENTIALS.helloAnnieWrongKey,
					data: { apiKey: WRONG_HELLOANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
				},
				{
					...CREDENTIALS.alloMia,
					data: {
						apiKey: alloMia.apiKey,
						organizationId: alloMia.organizationId,
						baseUrl: sandbox.baseUrls.alloMia,
					},
				},
				{
					...CREDENTIALS.alloMiaWrongKey,
					data: {
						apiKey: WRONG_ALLOMIA_KEY,
						organizationId: alloMia.organizationId,
						baseUrl: sandbox.baseUrls.alloMia,
					},
				},
				{
					...CREDENTIALS.aiCaller,
					data: { apiKey: aiCaller.apiKey, baseUrl: sandbox.baseUrls.aiCaller },
				},
				{
					...CREDENTIALS.aiCallerWrongKey,
					data: { apiKey: WRONG_AICALLER_KEY, baseUrl: sandbox.baseUrls.aiCaller },
				},
			]);
		});
		// Both settle before either failure is reported, so nothing is left running half-started.
		const results = await Promise.allSettled([packageReady, credentialsReady]);
		for (const result of results) if (result.status === 'rejected') throw result.reason;

		for (const file of await fs.readdir(path.join(REPO_ROOT, 'examples', 'data'))) {
			await fs.copyFile(path.join(REPO_ROOT, 'examples', 'data', file), path.join(filesDir, file));
		}

		log(`starting n8n on http://localhost:${port} …`);
		const logFile = path.join(runDir, 'n8n.log');
		n8n = await timed(timings, 'n8n start', () => N8nServer.start(runtime, env, logFile));
		const client = new N8nClient(n8n.url);
		await timed(timings, 'owner+checks', async () => {
			await client.ensureOwner();
			const nodeTypes = await client.nodeTypeNames();
			for (const nodeType of Object.values(NODE_TYPES)) {
				if (!nodeTypes.includes(nodeType)) {
					throw new Error(
						`n8n did not load ${nodeType} from the installed package. Log:\n${n8n?.logTail()}`,
					);
				}
			}
			const credentialTypes = await client.credentialTypeNames();
			for (const credentialType of Object.values(CREDENTIAL_TYPES)) {
				if (!credentialTypes.includes(credentialType)) {
					throw new Error(
						`n8n did not load the ${credentialType} credential type. Log:\n${n8n?.logTail()}`,
					);
				}
			}
		});
		timings.total = Math.round((Date.now() - started) / 100) / 10;
		if (!sandbox) throw new Error('sandbox did not start');
		return {
			runtime,
			sandbox,
			n8n,
			client,
			runDir,
			userFolder,
			filesDir,
			credentials: CREDENTIALS,
			timings,
			stop,
		};
	} catch (error) {
		// Keep the folder (and n8n.log) of a failed start for inspection.
		await stop({ keepRunDir: true }).catch(() => undefined);
		const message = error instanceof Error ? error.message : String(error);
		throw new Error(`${message}\n(run folder kept: ${runDir})`);
	}
}

/** Stops the stack on Ctrl-C / SIGTERM (once), then exits with `code`. */
export function stopOnSignals(stop: () => Promise<void>, log: Log): void {
	let stopping = false;
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(signal, () => {
			if (stopping) return;
			stopping = true;
			log(`\n${signal}: stopping n8n and the sandbox…`);
			stop().then(
				() => process.exit(0),
				() => process.exit(1),
			);
		});
	}
}
