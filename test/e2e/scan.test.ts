/**
 * n8n's community-package scanner (@n8n/scan-community-package 0.32.0, its own rules and
 * analyzePackage) on the tarball this e2e run packed and installed, and on the source checkout:
 * what n8n's scan would say about a release of this commit. scripts/scan-package.ts runs the
 * scanner (an ES module) in a process of its own.
 */
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { REPO_ROOT } from '../harness/project';
import type { LegResult } from '../harness/scan';
import { readState } from './state';

jest.setTimeout(120_000);

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'scan-package.ts');

interface ScanRun {
	code: number;
	legs: LegResult[];
	stderr: string;
}

function scan(args: string[]): Promise<ScanRun> {
	return new Promise((resolve, reject) => {
		execFile(
			TSX,
			[SCRIPT, '--json', ...args],
			{ cwd: REPO_ROOT, timeout: 110_000, maxBuffer: 20 * 1024 * 1024 },
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
				if (code !== 0 && code !== 1) {
					reject(new Error(`scan-package.ts failed to run (exit ${code}):\n${stderr}`));
					return;
				}
				resolve({ code, legs: JSON.parse(stdout) as LegResult[], stderr });
			},
		);
	});
}

let tarball: string;
let work: string;

beforeAll(async () => {
	const packDir = path.join(readState().runDir, 'pack');
	const tarballs = (await fs.readdir(packDir)).filter((name) => name.endsWith('.tgz'));
	if (tarballs.length !== 1)
		throw new Error(`expected the one tarball of this run in ${packDir}, found ${tarballs.length}`);
	tarball = path.join(packDir, tarballs[0]);
	work = await fs.mkdtemp(path.join(os.tmpdir(), 'n8n-ai-phone-agents-scan-test-'));
});

afterAll(async () => {
	if (work) await fs.rm(work, { recursive: true, force: true });
});

test('the packed tarball and the source pass the scanner n8n runs before verifying a package', async () => {
	const run = await scan(['--tarball', tarball]);
	const report = run.legs.map((leg) => ({
		leg: leg.leg,
		passed: leg.passed,
		violations: leg.details ?? '',
	}));
	expect(report).toEqual([
		{ leg: 'source', passed: true, violations: '' },
		{ leg: 'tarball', passed: true, violations: '' },
	]);
	expect(run.code).toBe(0);

	// The tarball leg saw the published package.json and the JavaScript of every node and
	// credential n8n loads (package.json's n8n section), not an empty folder.
	const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const tarballLeg = run.legs[1];
	expect(tarballLeg.files).toEqual(
		expect.arrayContaining(['package.json', ...manifest.n8n.nodes, ...manifest.n8n.credentials]),
	);
	// The source leg linted the TypeScript of the nodes and credentials and their codex files.
	const sourceLeg = run.legs[0];
	const sources = [...manifest.n8n.nodes, ...manifest.n8n.credentials].map((file) =>
		file.replace(/^dist\//, '').replace(/\.js$/, '.ts'),
	);
	expect(sourceLeg.files).toEqual(expect.arrayContaining(['package.json', ...sources]));
	expect(sourceLeg.files.filter((file) => file.endsWith('.node.json'))).toHaveLength(
		manifest.n8n.nodes.length,
	);
});

test('the same scan fails a tarball whose JavaScript or package.json breaks the rules', async () => {
	// The real tarball, unpacked, with what a careless build could ship: console output and a
	// timer in a node, and a runtime dependency. The scan must name each rule.
	const unpacked = path.join(work, 'broken');
	await fs.mkdir(unpacked);
	await new Promise<void>((resolve, reject) =>
		execFile('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], (error) =>
			error ? reject(error) : resolve(),
		),
	);
	const manifestPath = path.join(unpacked, 'package.json');
	const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as {
		n8n: { nodes: string[] };
		dependencies?: Record<string, string>;
	};
	manifest.dependencies = { axios: '1.7.9' };
	await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2));
	const nodeFile = path.join(unpacked, manifest.n8n.nodes[0]);
	await fs.appendFile(nodeFile, '\nconsole.log("debug");\nsetTimeout(() => undefined, 10);\n');

	const run = await scan(['--unpacked', unpacked, '--no-source']);
	expect(run.code).toBe(1);
	expect(run.legs).toHaveLength(1);
	const details = run.legs[0].details ?? '';
	expect(run.legs[0].passed).toBe(false);
	expect(details).toContain(manifest.n8n.nodes[0]);
	expect(details).toContain('no-console');
	expect(details).toContain('@n8n/community-nodes/no-restricted-globals');
	expect(details).toContain('@n8n/community-nodes/no-runtime-dependencies');
});
