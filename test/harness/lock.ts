/**
 * One directory lock for every process that shares this checkout: the e2e test files (one
 * sandbox, one n8n), the demo, the benchmarks, and concurrent builds of the package.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { processAlive, waitFor } from './processes';

/**
 * A directory lock across processes (tests, demo, benchmarks run side by side on one checkout;
 * the e2e test files share one sandbox). A lock whose holder died is taken over.
 */
export async function acquireDirLock(
	lockDir: string,
	what: string,
	timeoutMs = 10 * 60_000,
): Promise<void> {
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
