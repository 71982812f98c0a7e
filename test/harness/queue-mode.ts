/**
 * n8n in queue mode on one machine, with the packed package installed as users install it:
 * Redis and Postgres (Debian's `redis-server` and `postgresql`, installed with apt-get when
 * missing), ONE `n8n start` with EXECUTIONS_MODE=queue that receives the webhooks and enqueues
 * the executions, and N `n8n worker` processes that run them. Used by test/e2e/queue-mode.test.ts;
 * README "Running at scale" describes the same set-up for a real deployment.
 *
 * Every process gets what a separate machine would have: its own N8N_USER_FOLDER with the tarball
 * installed into `.n8n/nodes` (pack.ts installPackage), its own task-runner broker port; they
 * share only what queue mode requires them to share: N8N_ENCRYPTION_KEY, the database and Redis.
 *
 * Why Postgres and not the SQLite file of the other e2e tests: n8n 2.41.1 starts in queue mode on
 * SQLite but warns "Scaling mode is not officially supported with sqlite. Please use PostgreSQL
 * instead." (commands/base-command.js), and a SQLite file cannot be shared by processes on
 * different machines, which is what workers are for. The test runs the set-up users should run.
 * (Measured: the same 50-call test also passed on one shared SQLite file on this one machine, so
 * the choice is n8n's support statement and multi-machine use, not a failure seen here.)
 *
 * Measured here (2 cores, runtime cached, least loaded of four runs): set-up 30 s (Redis 0.1 s,
 * three tarball installs 3.3 s, Postgres initdb + start + n8n's migrations 11 s, main and two
 * workers until ready 17 s), stop 1.4 s. The first run on a fresh machine adds apt-get.
 *
 * Postgres refuses to run as root: when the run is root (CI), initdb and postgres run as Debian's
 * `postgres` user (spawn with its uid/gid) in a folder of the run it owns. The cluster is a
 * throwaway one (fsync off, trust authentication on 127.0.0.1 only), removed with the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
	closeSync,
	existsSync,
	openSync,
	promises as fs,
	readdirSync,
	readFileSync,
} from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { N8nClient } from './client';
import { importCredentials, type CredentialToImport } from './credentials';
import { withDirLock } from './lock';
import { n8nEnv, N8nServer } from './n8n-server';
import { buildAndPack, installPackage } from './pack';
import {
	freePort,
	GiveUp,
	killGroup,
	runCommand,
	settlesWithin,
	waitFor,
	watchProcessGroup,
	type Log,
} from './processes';
import { NODE_TYPES } from './project';
import { ensureRuntime, type Runtime } from './runtime';

/** The Debian packages queue mode needs here, and the binaries that show they are installed. */
const DEBIAN_PACKAGES = ['redis-server', 'postgresql'] as const;
const POSTGRES_ROOT = '/usr/lib/postgresql';
const DATABASE = 'n8n';
const DATABASE_USER = 'n8n';

// -------------------------------------------------------------------------------------------------
// Debian packages

function redisServerBinary(): string | undefined {
	const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin'];
	return dirs.map((dir) => path.join(dir, 'redis-server')).find((file) => existsSync(file));
}

/** Debian keeps the server binaries (initdb, postgres) off PATH, per major version. */
function postgresBinDir(): string | undefined {
	if (!existsSync(POSTGRES_ROOT)) return undefined;
	const versions = readdirSync(POSTGRES_ROOT)
		.filter((version) => existsSync(path.join(POSTGRES_ROOT, version, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length ? path.join(POSTGRES_ROOT, versions[0], 'bin') : undefined;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Installs redis-server and postgresql with apt-get when they are missing (CI: a fresh machine,
 * as root; elsewhere through passwordless sudo). One installer at a time on a machine: apt holds
 * a machine-wide lock, and parallel runs would otherwise race for it.
 */
async function ensureQueueModePackages(log: Log): Promise<{ redis: string; pgBin: string }> {
	const found = () => ({ redis: redisServerBinary(), pgBin: postgresBinDir() });
	let { redis, pgBin } = found();
	if (redis && pgBin) return { redis, pgBin };
	await withDirLock(
		path.join(os.tmpdir(), 'ai-phone-agents-apt.lock'),
		'another installation of redis-server / postgresql to finish',
		async () => {
			({ redis, pgBin } = found());
			if (redis && pgBin) return;
			const missing = DEBIAN_PACKAGES.filter((pkg) => (pkg === 'redis-server' ? !redis : !pgBin));
			log(`queue mode: installing ${missing.join(', ')} with apt-get…`);
			const [command, ...prefix] = [
				...(isRoot() ? [] : ['sudo', '-n']),
				'env',
				'DEBIAN_FRONTEND=noninteractive',
				'apt-get',
			];
			const apt = async (args: string[]) =>
				await runCommand(command, [...prefix, ...args], { timeoutMs: 10 * 60_000 });
			const install = async () =>
				await apt([
					'install',
					'-y',
					'--no-install-recommends',
					'-o',
					'DPkg::Lock::Timeout=300',
					...missing,
				]);
			try {
				try {
					await install();
				} catch {
					// A fresh machine has no package lists yet.
					await apt(['update', '-o', 'DPkg::Lock::Timeout=300']);
					await install();
				}
			} catch (error) {
				const reason = error instanceof Error ? error.message : String(error);
				throw new Error(
					`queue mode needs Debian's ${missing.join(' and ')}, and installing them failed` +
						`${isRoot() ? '' : ' (not root; sudo -n apt-get was tried)'}. Install them with ` +
						`"apt-get install -y ${missing.join(' ')}" and run again.\n${reason}`,
				);
			}
			({ redis, pgBin } = found());
		},
	);
	if (!redis || !pgBin) throw new Error('apt-get ran but redis-server or initdb is still missing');
	return { redis, pgBin };
}

// -------------------------------------------------------------------------------------------------
// Plain service processes (Redis, Postgres)

interface AsUser {
	uid: number;
	gid: number;
}

interface SpawnOptions {
	cwd: string;
	env: NodeJS.ProcessEnv;
	logFile: string;
	user?: AsUser;
}

/** Runs a one-shot command (initdb, pg_isready, createdb), optionally as another user. */
async function runAs(
	command: string,
	args: string[],
	options: Omit<SpawnOptions, 'logFile'> & { timeoutMs: number },
): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env,
			stdio: ['ignore', 'pipe', 'pipe'],
			...(options.user ?? {}),
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${command} did not finish within ${options.timeoutMs} ms`));
		}, options.timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (code) => {
			clearTimeout(timer);
			if (code === 0) resolve();
			else reject(new Error(`${path.basename(command)} failed (exit ${code}): ${output.trim()}`));
		});
	});
}

/** A long-running process in its own process group, killed by a watchdog if this process dies. */
class ServiceProcess {
	private exited = false;

	private readonly exitPromise: Promise<void>;

	private constructor(
		readonly name: string,
		private readonly child: ChildProcess,
		private readonly watchdog: ChildProcess,
		readonly logFile: string,
		private readonly stopSignal: NodeJS.Signals,
	) {
		this.exitPromise = new Promise((resolve) => {
			child.once('exit', () => {
				this.exited = true;
				resolve();
			});
		});
	}

	static spawn(
		name: string,
		command: string,
		args: string[],
		options: SpawnOptions & { stopSignal?: NodeJS.Signals },
	): ServiceProcess {
		const logFd = openSync(options.logFile, 'a');
		let child: ChildProcess;
		try {
			child = spawn(command, args, {
				cwd: options.cwd,
				env: options.env,
				detached: true,
				stdio: ['ignore', logFd, logFd],
				...(options.user ?? {}),
			});
		} finally {
			closeSync(logFd);
		}
		child.unref();
		return new ServiceProcess(
			name,
			child,
			watchProcessGroup(child),
			options.logFile,
			options.stopSignal ?? 'SIGTERM',
		);
	}

	get running(): boolean {
		return !this.exited;
	}

	logTail(lines = 30): string {
		try {
			return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
		} catch {
			return '(no log)';
		}
	}

	/** Polls `ready` until it holds; gives up at once if the process exits. */
	async waitUntilReady(ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
		await waitFor(
			`${this.name} to be ready`,
			async () => {
				if (this.exited) throw new GiveUp(`${this.name} exited. Log:\n${this.logTail()}`);
				return (await ready()) ? true : undefined;
			},
			{ timeoutMs, intervalMs: 100 },
		);
	}

	async stop(): Promise<void> {
		if (!this.exited) {
			killGroup(this.child, this.stopSignal);
			if (!(await settlesWithin(this.exitPromise, 15_000))) {
				killGroup(this.child, 'SIGKILL');
				await settlesWithin(this.exitPromise, 5000);
			}
		}
		killGroup(this.child, 'SIGKILL');
		this.watchdog.stdin?.destroy();
		killGroup(this.watchdog, 'SIGKILL');
	}
}

/** Redis answers PING with +PONG once it accepts commands. */
async function redisPing(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let answer = '';
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1000, () => done(false));
		socket.on('error', () => done(false));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
	});
}

async function startRedis(binary: string, dir: string, port: number): Promise<ServiceProcess> {
	await fs.mkdir(dir, { recursive: true });
	const redis = ServiceProcess.spawn(
		'redis-server',
		binary,
		[
			'--bind',
			'127.0.0.1',
			'--port',
			String(port),
			'--dir',
			dir,
			// A job queue for one run: nothing to keep on disk.
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
			'--logfile',
			'',
		],
		{ cwd: dir, env: { PATH: process.env.PATH }, logFile: path.join(dir, 'redis.log') },
	);
	try {
		await redis.waitUntilReady(async () => await redisPing(port), 30_000);
	} catch (error) {
		await redis.stop();
		throw error;
	}
	return redis;
}

async function postgresUser(): Promise<AsUser | undefined> {
	if (!isRoot()) return undefined;
	const id = async (flag: string) =>
		Number((await runCommand('id', [flag, 'postgres'], { timeoutMs: 10_000 })).stdout.trim());
	return { uid: await id('-u'), gid: await id('-g') };
}

async function startPostgres(binDir: string, dir: string, port: number): Promise<ServiceProcess> {
	const user = await postgresUser();
	await fs.mkdir(dir, { recursive: true });
	if (user) {
		// The run folder is root's (0700): the postgres user may pass through it, not list it.
		await fs.chmod(path.dirname(dir), 0o711);
		await fs.chown(dir, user.uid, user.gid);
	}
	const dataDir = path.join(dir, 'data');
	const env = { PATH: process.env.PATH, LC_ALL: 'C' };
	await runAs(
		path.join(binDir, 'initdb'),
		[
			'-D',
			dataDir,
			'-U',
			DATABASE_USER,
			'--auth=trust',
			'-E',
			'UTF8',
			'--no-locale',
			'--no-sync',
			'--no-instructions',
		],
		{ cwd: dir, env, user, timeoutMs: 120_000 },
	);
	const postgres = ServiceProcess.spawn(
		'postgres',
		path.join(binDir, 'postgres'),
		[
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			`unix_socket_directories=${dir}`,
			// A throwaway cluster: durability costs time and protects nothing here.
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
		],
		// SIGINT is Postgres' "fast" shutdown; SIGTERM would wait for every client to disconnect.
		{ cwd: dir, env, user, logFile: path.join(dir, 'postgres.log'), stopSignal: 'SIGINT' },
	);
	const tcp = ['-h', '127.0.0.1', '-p', String(port), '-U', DATABASE_USER];
	try {
		await postgres.waitUntilReady(async () => {
			try {
				await runAs(path.join(binDir, 'pg_isready'), [...tcp, '-q'], {
					cwd: dir,
					env,
					timeoutMs: 5000,
				});
				return true;
			} catch {
				return false;
			}
		}, 60_000);
		await runAs(path.join(binDir, 'createdb'), [...tcp, DATABASE], {
			cwd: dir,
			env,
			timeoutMs: 30_000,
		});
	} catch (error) {
		await postgres.stop();
		throw error;
	}
	return postgres;
}

// -------------------------------------------------------------------------------------------------
// The queue-mode stack

export interface QueueStackOptions {
	log: Log;
	/** Credentials to import (plain data; encrypted by `n8n import:credentials`). */
	credentials: CredentialToImport[];
	/** The packed package; built and packed when absent. */
	tarball?: string;
	/** `n8n worker` processes (default 2). */
	workers?: number;
	/** `n8n worker --concurrency` (default 5: n8n warns below 5). */
	workerConcurrency?: number;
}

export interface QueueStack {
	runtime: Runtime;
	main: N8nServer;
	workers: N8nServer[];
	/** REST client of the main process, logged in as the owner. */
	client: N8nClient;
	workerConcurrency: number;
	redisPort: number;
	postgresPort: number;
	runDir: string;
	/** Seconds each setup step took. */
	timings: Record<string, number>;
	/**
	 * Stops main and every worker and starts them again with the same settings (Redis, Postgres
	 * and the user folders stay): what an n8n restart or upgrade does to waiting executions.
	 * `main` and `workers` then hold the new processes; their logs go on in the same files.
	 */
	restart(): Promise<void>;
	stop(options?: { keepRunDir?: boolean }): Promise<void>;
}

/**
 * Prefix and owner file of stack.ts' run folders: a folder left by a killed run is removed by
 * the next run's sweep there.
 */
const RUN_DIR_PREFIX = 'n8n-ai-phone-agents-queue-';
const OWNER_FILE = 'owner.pid';

/** The environment every queue-mode process shares, on top of n8n-server.ts' n8nEnv. */
function queueModeEnv(redisPort: number, postgresPort: number): NodeJS.ProcessEnv {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redisPort),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgresPort),
		DB_POSTGRESDB_DATABASE: DATABASE,
		DB_POSTGRESDB_USER: DATABASE_USER,
		// Trust authentication on 127.0.0.1 (a throwaway cluster): no password.
		DB_POSTGRESDB_PASSWORD: '',
	};
}

export async function startQueueStack(options: QueueStackOptions): Promise<QueueStack> {
	const { log } = options;
	const workerCount = options.workers ?? 2;
	const workerConcurrency = options.workerConcurrency ?? 5;
	const timings: Record<string, number> = {};
	const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
		const started = Date.now();
		try {
			return await work();
		} finally {
			timings[step] = Math.round((Date.now() - started) / 100) / 10;
		}
	};
	const started = Date.now();
	const runDir = await fs.mkdtemp(path.join(os.tmpdir(), RUN_DIR_PREFIX));
	await fs.writeFile(path.join(runDir, OWNER_FILE), String(process.pid));

	let redis: ServiceProcess | undefined;
	let postgres: ServiceProcess | undefined;
	let main: N8nServer | undefined;
	const workers: N8nServer[] = [];
	let stopped: Promise<void> | undefined;
	const stop = ({ keepRunDir = false }: { keepRunDir?: boolean } = {}) =>
		(stopped ??= (async () => {
			// n8n first (workers finish or hand back their jobs), then what they depend on.
			await Promise.allSettled([main?.stop(), ...workers.map(async (w) => await w.stop())]);
			await Promise.allSettled([redis?.stop(), postgres?.stop()]);
			if (keepRunDir) await fs.rm(path.join(runDir, OWNER_FILE), { force: true });
			else await fs.rm(runDir, { recursive: true, force: true });
		})());

	try {
		const runtime = await timed('runtime', ensureRuntime);
		const binaries = await timed('apt packages', async () => await ensureQueueModePackages(log));
		const [redisPort, postgresPort] = [await freePort(), await freePort()];
		const shared = queueModeEnv(redisPort, postgresPort);
		const filesDir = path.join(runDir, 'files');
		await fs.mkdir(filesDir, { recursive: true });
		const processEnv = async (name: string, extra: NodeJS.ProcessEnv = {}) => {
			const userFolder = path.join(runDir, name);
			await fs.mkdir(userFolder, { recursive: true });
			const env = n8nEnv(runtime, {
				userFolder,
				port: await freePort(),
				brokerPort: await freePort(),
				filesDir,
			});
			return { userFolder, env: { ...env, ...shared, ...extra } };
		};
		const mainProcess = await processEnv('main');
		const workerProcesses = await Promise.all(
			Array.from({ length: workerCount }, async (_, index) => {
				const healthPort = await freePort();
				const worker = await processEnv(`worker-${index + 1}`, {
					// The worker's health server: how this run knows it is ready.
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					// Webhooks (and the resume URLs of waiting executions) are served by main, so
					// every process must build them on main's address, as n8n's queue-mode docs say.
					WEBHOOK_URL: mainProcess.env.WEBHOOK_URL,
				});
				return { ...worker, healthPort };
			}),
		);

		log(
			`queue mode: starting Redis and Postgres; installing the package for main + ${workerCount} workers…`,
		);
		const results = await Promise.allSettled([
			timed('redis', async () => {
				redis = await startRedis(binaries.redis, path.join(runDir, 'redis'), redisPort);
			}),
			timed('postgres+import:credentials', async () => {
				postgres = await startPostgres(binaries.pgBin, path.join(runDir, 'postgres'), postgresPort);
				// Creates and migrates the schema once, before any n8n process starts.
				await importCredentials(runtime, mainProcess.env, runDir, options.credentials);
			}),
			timed('pack+install', async () => {
				const tarball = options.tarball ?? (await buildAndPack(path.join(runDir, 'pack')));
				await Promise.all(
					[mainProcess, ...workerProcesses].map(
						async (target) => await installPackage(tarball, target.userFolder),
					),
				);
			}),
		]);
		for (const result of results) if (result.status === 'rejected') throw result.reason;

		log(`queue mode: starting n8n main and ${workerCount} workers…`);
		const startN8n = async () => {
			workers.length = 0;
			const starts = await Promise.allSettled([
				N8nServer.start(runtime, mainProcess.env, path.join(runDir, 'main.log')).then(
					(server) => (main = server),
				),
				...workerProcesses.map(async (worker, index) => {
					const server = await N8nServer.start(
						runtime,
						worker.env,
						path.join(runDir, `worker-${index + 1}.log`),
						180_000,
						{
							command: 'worker',
							args: [`--concurrency=${workerConcurrency}`],
							port: worker.healthPort,
						},
					);
					workers.push(server);
				}),
			]);
			for (const result of starts) if (result.status === 'rejected') throw result.reason;
			// Ordered as started (worker-1, worker-2, …), whichever became ready first.
			workers.sort((a, b) => a.logFile.localeCompare(b.logFile));
		};
		await timed('n8n main+workers start', startN8n);
		if (!main) throw new Error('n8n main did not start');
		const mainServer = main;
		const client = new N8nClient(mainServer.url);
		await timed('owner+checks', async () => {
			await client.ensureOwner();
			if (!(await client.nodeTypeNames()).includes(NODE_TYPES.helloAnnie)) {
				throw new Error(
					`n8n main did not load ${NODE_TYPES.helloAnnie}. Log:\n${mainServer.logTail()}`,
				);
			}
		});
		timings.total = Math.round((Date.now() - started) / 100) / 10;
		const stack: QueueStack = {
			runtime,
			main: mainServer,
			workers,
			client,
			workerConcurrency,
			redisPort,
			postgresPort,
			runDir,
			timings,
			restart: async () => {
				await Promise.allSettled([main?.stop(), ...workers.map(async (w) => await w.stop())]);
				await startN8n();
				if (!main) throw new Error('n8n main did not start again');
				stack.main = main;
				await client.login();
			},
			stop,
		};
		return stack;
	} catch (error) {
		await stop({ keepRunDir: true }).catch(() => undefined);
		const message = error instanceof Error ? error.message : String(error);
		throw new Error(`${message}\n(queue-mode run folder kept: ${runDir})`);
	}
}

// -------------------------------------------------------------------------------------------------
// What the logs say about where executions ran

/**
 * The execution events n8n 2.41.1 logs in queue mode (scaling/scaling.service.js and
 * scaling/job-processor.js, level info):
 *   main:   "Enqueued execution 12 (job 7)"
 *   worker: "Worker started execution 12 (job 7)" … "Worker finished execution 12 (job 7)"
 */
export interface ExecutionLog {
	enqueued: string[];
	started: string[];
	finished: string[];
	/** Most executions this process ran at the same time (from the order of its log lines). */
	maxRunning: number;
}

function readExecutionLog(logFile: string): ExecutionLog {
	const log: ExecutionLog = { enqueued: [], started: [], finished: [], maxRunning: 0 };
	let running = 0;
	for (const line of readFileSync(logFile, 'utf8').split('\n')) {
		const match = /^(Enqueued|Worker started|Worker finished) execution (\d+) \(job /.exec(line);
		if (!match) continue;
		const [, event, id] = match;
		if (event === 'Enqueued') log.enqueued.push(id);
		else if (event === 'Worker started') {
			log.started.push(id);
			log.maxRunning = Math.max(log.maxRunning, ++running);
		} else {
			log.finished.push(id);
			running--;
		}
	}
	return log;
}

/** Waits until the log files are flushed with what the run produced (n8n logs asynchronously). */
export async function waitForExecutionLogs(
	stack: QueueStack,
	executionIds: string[],
	timeoutMs = 30_000,
): Promise<{ main: ExecutionLog; workers: ExecutionLog[] }> {
	return await waitFor(
		`the workers to log ${executionIds.length} finished executions`,
		async () => {
			const main = readExecutionLog(stack.main.logFile);
			const workers = stack.workers.map((worker) => readExecutionLog(worker.logFile));
			const finished = new Set(workers.flatMap((w) => w.finished));
			return executionIds.every((id) => finished.has(id)) ? { main, workers } : undefined;
		},
		{ timeoutMs, intervalMs: 200 },
	);
}
