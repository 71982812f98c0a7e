/**
 * Child processes and waiting: run a command to completion, kill a process group, a watchdog that
 * kills a detached group when this process dies, free ports, and polling until something holds.
 * Everything else in test/harness/ builds on these.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

import { REPO_ROOT } from './project';

export type Log = (message: string) => void;

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
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
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

/** Whether a process with this id is still there (signal 0). */
export function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * Kills a process group (n8n's, Redis', Postgres') when the process that started it goes away
 * without stopping it (jest killed, Ctrl-C twice, a crash): it watches the stdin pipe its parent
 * holds open.
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
 * Starts the watchdog above for a detached child (its own process group): n8n (n8n-server.ts),
 * queue mode's Redis and Postgres (queue-mode.ts). Destroy the returned process's stdin, then
 * SIGKILL it, once the child was stopped normally.
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
