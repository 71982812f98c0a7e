/**
 * Once per `jest --selectProjects e2e` run: builds and packs the package, installs the tarball
 * into a fresh n8n user folder as a community package, starts the sandbox (in this process),
 * imports the sandbox credentials (fixed ids), starts ONE `n8n start` and creates the owner.
 *
 * How the tests run workflows (measured here, 2 cores):
 * - `n8n execute --id` per workflow: 3.8 s each (a new n8n process every time) — not used.
 * - Through the one running server: 0.15–0.25 s per run. Operation tests save a workflow
 *   (Manual Trigger with pinned input items → the node) and run it with POST /rest/workflows/:id/run,
 *   which returns the execution id; GET /rest/executions/:id gives the node's output items.
 *   The webhook example is activated and called on its production URL, as a booking system would.
 * Setup takes ~17 s (see test/harness/stack.ts), the tests ~11 s, teardown < 1 s.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { startStack, type Stack } from '../harness/stack';
import { STATE_ENV, type E2eState } from './state';

/** Where global-teardown.ts finds the stack (same process as this file). */
export const STACK_KEY = '__n8nE2eStack';

export default async function globalSetup(): Promise<void> {
	const log = (message: string) => process.stderr.write(`[e2e] ${message}\n`);
	// The 401 tests need the refused-key credentials; nothing else creates them.
	const stack: Stack = await startStack({ log, refusedKeyCredentials: true });
	try {
		const { helloAnnieWrongKey, alloMiaWrongKey, aiCallerWrongKey } = stack.credentials;
		if (!helloAnnieWrongKey || !alloMiaWrongKey || !aiCallerWrongKey)
			throw new Error('the stack did not import the refused-key credentials');
		const state: E2eState = {
			n8nUrl: stack.n8n.url,
			sandboxUrl: stack.sandbox.url,
			helloAnnieBaseUrl: stack.sandbox.baseUrls.helloAnnie,
			alloMiaBaseUrl: stack.sandbox.baseUrls.alloMia,
			aiCallerBaseUrl: stack.sandbox.baseUrls.aiCaller,
			runDir: stack.runDir,
			userFolder: stack.userFolder,
			filesDir: stack.filesDir,
			lockDir: path.join(stack.runDir, 'test-file.lock'),
			credentials: { ...stack.credentials, helloAnnieWrongKey, alloMiaWrongKey, aiCallerWrongKey },
			authCookie: stack.client.sessionCookie,
		};
		const file = path.join(stack.runDir, 'e2e-state.json');
		await fs.writeFile(file, JSON.stringify(state, null, 2));
		process.env[STATE_ENV] = file;
		(globalThis as Record<string, unknown>)[STACK_KEY] = stack;
		log(
			`n8n ${stack.n8n.url} and sandbox ${stack.sandbox.url} ready; setup took ${JSON.stringify(stack.timings)} s`,
		);
	} catch (error) {
		await stack.stop({ keepRunDir: true });
		throw error;
	}
}
