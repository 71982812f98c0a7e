/**
 * Runs the packed package inside a real, pinned n8n (2.41.1 on Node 24) next to the provider
 * sandbox: the whole stack, from the runtime to a logged-in client. Shared by the e2e tests
 * (test/e2e/global-setup.ts), `npm run demo`, `npm run dev:sandbox` and `npm run bench`, so all
 * exercise exactly the same installation path (pack.ts).
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
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
	SANDBOX_FIXTURES,
	startSandbox,
	type Sandbox,
	type SandboxOptions,
} from '../sandbox/server';
import { N8nClient } from './client';
import {
	CREDENTIALS,
	importCredentials,
	REFUSED_KEY_CREDENTIALS,
	sandboxCredentials,
	type StackCredentials,
} from './credentials';
import { n8nEnv, N8nServer } from './n8n-server';
import { buildAndPack, installPackage } from './pack';
import { assertPortFree, freePort, processAlive, type Log } from './processes';
import { CREDENTIAL_TYPES, NODE_TYPES, REPO_ROOT } from './project';
import { ensureRuntime, type Runtime } from './runtime';

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
	/** More sandbox options, e.g. callEnding (dev:sandbox and the demo: calls end by themselves). */
	sandbox?: Omit<SandboxOptions, 'port'>;
	/**
	 * Also import the tests' refused-key credentials (REFUSED_KEY_CREDENTIALS). Default false:
	 * an instance someone works in has only working credentials; a kept instance loses the
	 * refused-key ones an earlier run created.
	 */
	refusedKeyCredentials?: boolean;
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
	/** The imported credentials (the refused-key ones only with options.refusedKeyCredentials). */
	credentials: StackCredentials;
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
			sandbox = await startSandbox({ ...options.sandbox, port: options.sandboxPort ?? 0 });
			await importCredentials(
				runtime,
				env,
				runDir,
				sandboxCredentials(sandbox, SANDBOX_FIXTURES, {
					refusedKeys: options.refusedKeyCredentials,
				}),
			);
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
			if (!options.refusedKeyCredentials) {
				// A kept instance (dev:sandbox) may hold them from an earlier run: new nodes would get them.
				for (const refused of Object.values(REFUSED_KEY_CREDENTIALS))
					await client.deleteCredentialIfPresent(refused.id);
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
			credentials: options.refusedKeyCredentials
				? { ...REFUSED_KEY_CREDENTIALS, ...CREDENTIALS }
				: { ...CREDENTIALS },
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
