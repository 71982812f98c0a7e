/**
 * Stops what global-setup.ts started (n8n and its task runner, the sandbox) and removes the run
 * folder. E2E_KEEP=1 keeps the folder (n8n.log, the database) for a look after a failure.
 */
import type { Stack } from '../harness/stack';
import { STACK_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
	const stack = (globalThis as Record<string, unknown>)[STACK_KEY] as Stack | undefined;
	if (!stack) return;
	delete (globalThis as Record<string, unknown>)[STACK_KEY];
	const keep = process.env.E2E_KEEP === '1';
	await stack.stop({ keepRunDir: keep });
	if (keep) process.stderr.write(`[e2e] run folder kept: ${stack.runDir} (n8n.log inside)\n`);
}
