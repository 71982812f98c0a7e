/**
 * `npm run dev:sandbox` (npx tsx scripts/dev.ts [--port 5678] [--sandbox-port N] [--fresh]
 * [--call-seconds 15-45] [--call-outcomes completed=6,no-answer=2,voicemail=1,busy=1]):
 * the n8n editor on http://localhost:5678 with the packed package installed as a community
 * package, one working sandbox credential per provider (the one a new node gets) and the example
 * workflows imported, and prints what to type into the nodes (the sandbox's keys and IDs, from
 * test/sandbox/banner.ts). Sandbox calls end by themselves after --call-seconds with an outcome drawn
 * from --call-outcomes, so Wait for Call to End sees them end. Runs until Ctrl-C, then stops n8n
 * and the sandbox.
 *
 * The instance lives in .n8n-run/dev (git-ignored), so workflows built in the editor survive a
 * restart; every start rebuilds and reinstalls the package and points the credentials at the new
 * sandbox. --fresh starts from an empty instance. (`npm run dev` stays `n8n-node dev`, the
 * n8n CLI's own watch mode against real provider accounts.)
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { sandboxValuesBanner } from '../test/sandbox/banner';
import {
	DEFAULT_OUTCOME_WEIGHTS,
	DEV_CALL_ENDING,
	parseCallSeconds,
	parseOutcomeWeights,
	type CallEndingOptions,
} from '../test/sandbox/callEnding';
import { OWNER } from '../test/harness/client';
import { EXAMPLES, prepareExample } from '../test/harness/examples';
import { REPO_ROOT } from '../test/harness/project';
import { startStack, stopOnSignals } from '../test/harness/stack';

const log = (message: string) => process.stderr.write(`[dev:sandbox] ${message}\n`);

function option(name: string, fallback: number): number {
	const index = process.argv.indexOf(name);
	if (index < 0) return fallback;
	const value = Number(process.argv[index + 1]);
	if (!Number.isInteger(value) || value < 0 || value > 65535)
		throw new Error(`${name} must be a port number`);
	return value;
}

function text(name: string): string | undefined {
	const index = process.argv.indexOf(name);
	if (index < 0) return undefined;
	const value = process.argv[index + 1];
	if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
	return value;
}

/** --call-seconds 15-45 (or 20) and --call-outcomes completed=6,no-answer=2,…; DEV_CALL_ENDING by default. */
function callEnding(): CallEndingOptions {
	const seconds = text('--call-seconds');
	const outcomes = text('--call-outcomes');
	return {
		...(seconds ? parseCallSeconds(seconds) : DEV_CALL_ENDING),
		...(outcomes ? { outcomes: parseOutcomeWeights(outcomes) } : {}),
	};
}

async function main(): Promise<void> {
	const port = option('--port', 5678);
	const ending = callEnding();
	const sandboxPort = option('--sandbox-port', 0);
	const devFolder = path.join(REPO_ROOT, '.n8n-run', 'dev');
	if (process.argv.includes('--fresh')) await fs.rm(devFolder, { recursive: true, force: true });

	const stack = await startStack({
		log,
		port,
		sandboxPort,
		userFolder: path.join(devFolder, 'user'),
		filesDir: path.join(devFolder, 'files'),
		sandbox: { callEnding: ending },
	});
	stopOnSignals(() => stack.stop(), log);

	// The examples, once: a kept instance already has them (perhaps edited).
	const imported: string[] = [];
	try {
		const existing = new Set((await stack.client.listWorkflows()).map((w) => w.name));
		const credentialId = stack.credentials.helloAnnie.id;
		const csvPath = path.join(stack.filesDir, EXAMPLES.smsCampaign.csvFile);
		const credentialIds = {
			alloMia: stack.credentials.alloMia.id,
			aiCaller: stack.credentials.aiCaller.id,
		};
		for (const workflow of [
			prepareExample(EXAMPLES.appointment.file, { credentialId }),
			prepareExample(EXAMPLES.smsCampaign.file, { credentialId, csvPath }),
			prepareExample(EXAMPLES.alloMiaCrm.file, { credentialIds }),
			prepareExample(EXAMPLES.alloMiaList.file, { credentialIds }),
			prepareExample(EXAMPLES.aiCallerCampaign.file, {
				credentialIds,
				csvPath: path.join(stack.filesDir, EXAMPLES.aiCallerCampaign.csvFile),
				resultsPath: path.join(stack.filesDir, 'contacts-results.csv'),
			}),
			prepareExample(EXAMPLES.alloMiaFiles.file, { credentialIds, folder: stack.filesDir }),
		]) {
			if (existing.has(workflow.name)) continue;
			await stack.client.createWorkflow(workflow);
			imported.push(workflow.name);
		}
	} catch (error) {
		await stack.stop();
		throw error;
	}

	const lines = [
		'',
		`n8n editor   http://localhost:${port}`,
		`login        ${OWNER.email} / ${OWNER.password}   (local instance only)`,
		`credentials  "${stack.credentials.helloAnnie.name}", "${stack.credentials.alloMia.name}", "${stack.credentials.aiCaller.name}"`,
		'             → the sandbox, working keys; a node you add gets them',
		`calls        end by themselves after ${ending.minMs / 1000}–${ending.maxMs / 1000} s: ${describeOutcomes(ending)}`,
		`sandbox      ${stack.sandbox.url}   requests seen: ${stack.sandbox.url}/__sandbox/requests`,
		`examples     ${imported.length ? `imported: ${imported.join(', ')}` : 'already in the instance'}`,
		`CSV          ${path.join(stack.filesDir, EXAMPLES.smsCampaign.csvFile)} (n8n may read files in that folder)`,
		`n8n log      ${stack.n8n.logFile}`,
		`instance     ${devFolder} (npm run dev:sandbox -- --fresh starts over)`,
		'',
		...sandboxValuesBanner(),
		'',
		'Ctrl-C stops n8n and the sandbox.',
		'',
	];
	process.stdout.write(lines.join('\n'));

	// Keeps the process alive and notices if n8n dies on its own.
	const monitor = setInterval(() => {
		if (stack.n8n.running) return;
		clearInterval(monitor);
		log(`n8n exited unexpectedly. Log:\n${stack.n8n.logTail(30)}`);
		stack.stop().finally(() => process.exit(1));
	}, 2000);
}

function describeOutcomes(ending: CallEndingOptions): string {
	const weights = Object.entries(ending.outcomes ?? DEFAULT_OUTCOME_WEIGHTS).filter(
		([, w]) => w > 0,
	);
	const total = weights.reduce((sum, [, w]) => sum + w, 0);
	return weights.map(([outcome, w]) => `${outcome} ${Math.round((100 * w) / total)} %`).join(', ');
}

main().catch((error: unknown) => {
	log(error instanceof Error ? error.message : String(error));
	process.exit(1);
});
