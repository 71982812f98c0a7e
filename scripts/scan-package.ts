/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test and tooling code, not published: n8n's strict lint config (kept as is) applies the node rules to every .ts file */
/**
 * n8n's community-package scanner, run offline on this checkout and on the packed tarball.
 *
 *   npx tsx scripts/scan-package.ts                      build + pack, then scan both legs
 *   npx tsx scripts/scan-package.ts --tarball <file.tgz> scan that tarball (and the source)
 *   npx tsx scripts/scan-package.ts --unpacked <dir>     scan an unpacked tarball as it is
 *   options: --source <dir> (default: the repo), --no-source, --json
 *
 * `npx @n8n/scan-community-package <name>` (0.32.0, what n8n runs before verifying a package)
 * downloads the published version from npm, requires its npm provenance, then lints two things
 * with one ESLint config (its `buildScanConfig`: @n8n/eslint-plugin-community-nodes'
 * recommended rules, `no-console`, and eslint-plugin-n8n-nodes-base's community, credentials
 * and nodes rulesets), with inline `eslint-disable` comments ignored:
 *   - the source checkout the provenance points at: `package.json` and
 *     `{nodes,credentials}/**\/*.{js,ts,json}` (its SOURCE_FILE_PATTERNS);
 *   - the tarball: every `**\/*.js` and the published `package.json`.
 * This script calls the scanner's own `analyzePackage` with exactly those patterns on the local
 * checkout and on the locally packed, unpacked tarball, so a release that would fail n8n's scan
 * fails here first. Only the download and the provenance check are left out (nothing is
 * published yet; provenance comes from .github/workflows/publish.yml).
 *
 * Exit code: 0 = both legs pass, 1 = violations, 2 = the scan could not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { buildAndPack, REPO_ROOT } from './lib/n8n-harness';

/** What the scanner module exports (it ships no type declarations). */
interface ScannerModule {
	analyzePackage(
		packageDir: string,
		filePatterns?: string[],
	): Promise<{ passed: boolean; message?: string; details?: string }>;
	SOURCE_FILE_PATTERNS: string[];
}

/** The tarball leg's patterns, as in the scanner's analyzePackageByName. */
export const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

export interface LegResult {
	leg: 'source' | 'tarball';
	dir: string;
	patterns: string[];
	/** Files the patterns select (relative to dir), i.e. what the scanner lints. */
	files: string[];
	passed: boolean;
	message?: string;
	/** ESLint's stylish report of the violations (file, line, message, rule id). */
	details?: string;
}

const SCANNER_ENTRY = require.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
/** Resolves the scanner's own dependencies (its fast-glob, its tmp), not the project's. */
const scannerRequire = createRequire(SCANNER_ENTRY);

async function loadScanner(): Promise<ScannerModule> {
	// eslint-plugin-n8n-nodes-base checks NODE_ENV once, when it is loaded: with NODE_ENV=test
	// (which jest sets, and a child process inherits) it takes every file for "Test.node.ts" and
	// every node for a trigger node, and reports nonsense. The scanner n8n runs has no NODE_ENV.
	if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;
	// The scanner makes a temporary folder when it is loaded and only removes it on exit with
	// graceful cleanup on: switch that on in the tmp instance it uses.
	(scannerRequire('tmp') as { setGracefulCleanup(): void }).setGracefulCleanup();
	return (await import(pathToFileURL(SCANNER_ENTRY).href)) as ScannerModule;
}

function listFiles(dir: string, patterns: string[]): string[] {
	const glob = scannerRequire('fast-glob') as {
		sync(patterns: string[], options: { cwd: string; ignore: string[] }): string[];
	};
	// The same ignores as the scanner's analyzePackage.
	return glob
		.sync(patterns, { cwd: dir, ignore: ['node_modules/**', '**/package-lock.json'] })
		.sort();
}

export async function scanLeg(
	scanner: ScannerModule,
	leg: LegResult['leg'],
	dir: string,
): Promise<LegResult> {
	const patterns = leg === 'source' ? scanner.SOURCE_FILE_PATTERNS : TARBALL_FILE_PATTERNS;
	const files = listFiles(dir, patterns);
	const result = await scanner.analyzePackage(dir, patterns);
	return { leg, dir, patterns, files, ...result };
}

/** Unpacks as the scanner does: `tar -xzf … --strip-components=1` into a fresh folder. */
function unpack(tarball: string, into: string): string {
	mkdirSync(into, { recursive: true });
	const result = spawnSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1'], {
		encoding: 'utf8',
	});
	if (result.status !== 0) throw new Error(`tar could not unpack ${tarball}: ${result.stderr}`);
	return into;
}

function argument(name: string): string | undefined {
	const index = process.argv.indexOf(name);
	if (index < 0) return undefined;
	const value = process.argv[index + 1];
	if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
	return value;
}

async function main(): Promise<number> {
	const json = process.argv.includes('--json');
	const log = (message: string) => process.stderr.write(`[scan] ${message}\n`);
	const work = mkdtempSync(path.join(os.tmpdir(), 'n8n-ai-phone-agents-scan-'));
	try {
		let unpacked = argument('--unpacked');
		if (!unpacked) {
			let tarball = argument('--tarball');
			if (!tarball) {
				log('building and packing the package…');
				tarball = await buildAndPack(path.join(work, 'pack'));
			}
			if (!existsSync(tarball)) throw new Error(`no tarball at ${tarball}`);
			unpacked = unpack(path.resolve(tarball), path.join(work, 'package'));
		}
		const scanner = await loadScanner();
		const legs: LegResult[] = [];
		if (!process.argv.includes('--no-source')) {
			legs.push(await scanLeg(scanner, 'source', path.resolve(argument('--source') ?? REPO_ROOT)));
		}
		legs.push(await scanLeg(scanner, 'tarball', path.resolve(unpacked)));

		for (const leg of legs) {
			log(
				`${leg.leg} (${leg.patterns.join(', ')}): ${leg.files.length} files, ${leg.passed ? 'passed' : `FAILED: ${leg.message ?? ''}`}`,
			);
			if (!leg.passed && leg.details && !json) process.stderr.write(`${leg.details}\n`);
		}
		if (json) process.stdout.write(`${JSON.stringify(legs, null, 2)}\n`);
		return legs.every((leg) => leg.passed) ? 0 : 1;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

if (require.main === module) {
	main().then(
		(code) => process.exit(code),
		(error: unknown) => {
			process.stderr.write(`[scan] ${error instanceof Error ? error.message : String(error)}\n`);
			process.exit(2);
		},
	);
}
