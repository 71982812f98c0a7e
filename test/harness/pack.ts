/**
 * The package as users get it: `npm run build`, `npm pack`, then `npm install` of that tarball into
 * `<N8N_USER_FOLDER>/.n8n/nodes`, the folder n8n scans for community packages at startup (its
 * community-packages module globs `nodes/node_modules/n8n-nodes-*`). A file missing from
 * `files`/`dist` is therefore missing in n8n too.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

import { withDirLock } from './lock';
import { runCommand } from './processes';
import { PACKAGE_NAME, REPO_ROOT } from './project';

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
