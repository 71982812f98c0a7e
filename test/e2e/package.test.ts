/**
 * The installed tarball as n8n sees it: where it lives, what n8n loaded from it, and that every
 * file the editor needs (node and credential icons) was packed. Reads n8n only, so it needs
 * neither the sandbox nor the test-file lock.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { N8nClient } from '../harness/client';
import { NODE_TYPES, PACKAGE_NAME, REPO_ROOT } from '../harness/project';
import { readState, type E2eState } from './state';

interface TypeDescription {
	name: string;
	iconUrl?: string | { light: string; dark: string };
}

let state: E2eState;
let n8n: N8nClient;
let installed: string;

beforeAll(async () => {
	state = readState();
	n8n = new N8nClient(state.n8nUrl);
	await n8n.login();
	installed = path.join(state.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
});

test('the tarball is installed in <user folder>/.n8n/nodes without n8n-workflow beside it', () => {
	expect(existsSync(path.join(installed, 'package.json'))).toBe(true);
	// Only `files` was packed: no sources, no tests.
	expect(existsSync(path.join(installed, 'nodes'))).toBe(false);
	expect(existsSync(path.join(installed, 'test'))).toBe(false);
	// n8n-workflow must come from n8n itself.
	expect(
		existsSync(path.join(state.userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-workflow')),
	).toBe(false);
});

test('every node and credential package.json declares is in the tarball, and n8n loaded them', async () => {
	const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
		expect(
			existsSync(path.join(installed, file)) ? file : `${file} is missing from the tarball`,
		).toBe(file);
	}
	// One folder per provider (its action node and its trigger) and the code they share.
	const folders = new Set(manifest.n8n.nodes.map((file) => path.basename(path.dirname(file))));
	expect(readdirSync(path.join(installed, 'dist', 'nodes')).sort()).toEqual(
		[...folders, 'shared'].sort(),
	);
	const nodeTypes = (await n8n.nodeTypeNames()).filter((name) =>
		name.startsWith(`${PACKAGE_NAME}.`),
	);
	expect(nodeTypes).toEqual(expect.arrayContaining([NODE_TYPES.helloAnnie]));
	// One node type per declared node (n8n adds a "…Tool" variant for usableAsTool nodes).
	expect(nodeTypes.filter((name) => !name.endsWith('Tool'))).toHaveLength(
		manifest.n8n.nodes.length,
	);
	const credentialTypes = await n8n.credentialTypeNames();
	expect(credentialTypes).toEqual(expect.arrayContaining(['helloAnnieApi']));
});

test('n8n serves the light and dark icon of every node and credential of the package', async () => {
	const [nodes, credentials] = await Promise.all([
		n8n.rest<TypeDescription[]>('GET', '/types/nodes.json'),
		n8n.rest<TypeDescription[]>('GET', '/types/credentials.json'),
	]);
	const urls = new Set<string>();
	for (const type of [...nodes, ...credentials]) {
		const icon = type.iconUrl;
		if (!icon) continue;
		for (const url of typeof icon === 'string' ? [icon] : [icon.light, icon.dark]) {
			if (url.startsWith(`icons/${PACKAGE_NAME}/`)) urls.add(url);
		}
	}
	expect(urls.size).toBeGreaterThan(0);
	for (const url of urls) {
		const answer = await n8n.raw('GET', `/${url}`);
		expect(`${url}: ${answer.status} ${answer.text.trimStart().slice(0, 4)}`).toBe(
			`${url}: 200 <svg`,
		);
	}
});
