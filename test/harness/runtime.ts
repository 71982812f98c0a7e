/**
 * The pinned n8n runtime (n8n 2.41.1 on Node 24) that scripts/n8n-runtime.sh installs once into
 * ~/.cache/n8n-nodes-ai-phone-agents/ and reuses afterwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { runCommand } from './processes';
import { REPO_ROOT } from './project';

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
