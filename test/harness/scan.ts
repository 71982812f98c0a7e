/**
 * n8n's community-package scanner (@n8n/scan-community-package 0.32.0) run offline, as n8n runs
 * it before verifying a package: its own `analyzePackage` with its own file patterns on a source
 * checkout and on an unpacked tarball (see scripts/scan-package.ts, the command, for what the
 * scanner lints and what is left out). `LegResult` is what the command prints with --json and
 * what test/e2e/scan.test.ts reads.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** What the scanner module exports (it ships no type declarations). */
export interface ScannerModule {
	analyzePackage(
		packageDir: string,
		filePatterns?: string[],
	): Promise<{ passed: boolean; message?: string; details?: string }>;
	SOURCE_FILE_PATTERNS: string[];
}

/** The tarball leg's patterns, as in the scanner's analyzePackageByName. */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

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

export async function loadScanner(): Promise<ScannerModule> {
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
export function unpack(tarball: string, into: string): string {
	mkdirSync(into, { recursive: true });
	const result = spawnSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1'], {
		encoding: 'utf8',
	});
	if (result.status !== 0) throw new Error(`tar could not unpack ${tarball}: ${result.stderr}`);
	return into;
}
