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
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { buildAndPack } from '../test/harness/pack';
import { REPO_ROOT } from '../test/harness/project';
import { loadScanner, scanLeg, unpack, type LegResult } from '../test/harness/scan';

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
