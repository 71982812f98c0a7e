/**
 * The import check of `npm run lint` (npx tsx scripts/check-imports.ts). Fails, listing each
 * problem, when
 *   - the TypeScript files of nodes/, credentials/, test/ and scripts/ import each other in a
 *     cycle (type-only and dynamic imports count too: a cycle of types still ties the files
 *     together);
 *   - a part imports from a part it may not (PARTS below): the shipped package (nodes/,
 *     credentials/) imports nothing of the tooling; the provider sandbox nothing but itself; the
 *     real-n8n harness the sandbox; the benchmark the harness, the sandbox and the package; the
 *     entry points in scripts/ those; the tests all of these, and nothing imports the tests.
 *
 * Only relative imports are followed (a package never imports this repository's files), resolved
 * as TypeScript resolves them here: `./x` is `./x.ts`, `./x.d.ts` or `./x/index.ts`. The imports
 * are read with TypeScript's own pre-processor, so comments and strings never count.
 *
 * Exit code: 0 = no problem, 1 = problems (listed on stderr).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const REPO_ROOT = path.resolve(__dirname, '..');
const CHECKED_DIRS = ['nodes', 'credentials', 'test', 'bench', 'scripts'];

/**
 * The repository's parts (the first that prefixes a file's path) and the parts each may import.
 * A part always imports itself.
 */
const PARTS: Array<{ part: string; mayImport: string[] }> = [
	{ part: 'nodes/', mayImport: [] },
	{ part: 'credentials/', mayImport: ['nodes/'] },
	{ part: 'test/sandbox/', mayImport: [] },
	{ part: 'test/harness/', mayImport: ['test/sandbox/'] },
	{ part: 'bench/', mayImport: ['test/harness/', 'test/sandbox/', 'nodes/'] },
	{ part: 'scripts/', mayImport: ['bench/', 'test/harness/', 'test/sandbox/'] },
	{ part: 'test/fixtures/', mayImport: ['test/sandbox/', 'nodes/'] },
	{
		part: 'test/in-process/',
		mayImport: ['test/fixtures/', 'test/sandbox/', 'nodes/', 'credentials/'],
	},
	{ part: 'test/', mayImport: ['test/', 'bench/', 'nodes/', 'credentials/'] }, // test/unit, test/e2e: the tests
];

const partOf = (file: string) => PARTS.find(({ part }) => file.startsWith(part));
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);

/** Repository-relative, with forward slashes: what the report shows. */
const relative = (file: string) => path.relative(REPO_ROOT, file).split(path.sep).join('/');

function typeScriptFiles(dir: string): string[] {
	if (!existsSync(dir)) return [];
	const files: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) files.push(...typeScriptFiles(full));
		else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(full);
	}
	return files;
}

const isFile = (file: string) => existsSync(file) && statSync(file).isFile();

/** The .ts file a relative import names, if it names one. */
function resolveImport(fromFile: string, specifier: string): string | undefined {
	const base = path.resolve(path.dirname(fromFile), specifier);
	const candidates = [
		base,
		base.replace(/\.js$/, '.ts'),
		`${base}.ts`,
		`${base}.d.ts`,
		path.join(base, 'index.ts'),
	];
	return candidates.find((candidate) => candidate.endsWith('.ts') && isFile(candidate));
}

interface Problem {
	kind: 'cycle' | 'direction';
	text: string;
}

/** Each file's imports of other repository .ts files; direction problems on the way. */
function importGraph(files: string[], problems: Problem[]): Map<string, string[]> {
	const graph = new Map<string, string[]>();
	for (const file of files) {
		const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
		const targets = new Set<string>();
		for (const { fileName: specifier } of importedFiles) {
			if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
			const target = resolveImport(file, specifier);
			const named = relative(target ?? path.resolve(path.dirname(file), specifier));
			const from = partOf(relative(file));
			const to = partOf(named);
			if (
				from &&
				to &&
				from !== to &&
				!from.mayImport.some((allowed) => to.part.startsWith(allowed))
			) {
				problems.push({
					kind: 'direction',
					text: `${relative(file)} imports '${specifier}' (${named}): ${from.part} may import only ${[from.part, ...from.mayImport].join(', ')}`,
				});
			}
			if (target) targets.add(target);
		}
		graph.set(file, [...targets].sort());
	}
	return graph;
}

/** Strongly connected components (Tarjan), each a set of files that import each other. */
function tangles(graph: Map<string, string[]>): string[][] {
	let counter = 0;
	const index = new Map<string, number>();
	const lowLink = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const components: string[][] = [];
	const visit = (file: string) => {
		index.set(file, counter);
		lowLink.set(file, counter);
		counter++;
		stack.push(file);
		onStack.add(file);
		for (const target of graph.get(file) ?? []) {
			if (!index.has(target)) {
				visit(target);
				lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
			} else if (onStack.has(target)) {
				lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
			}
		}
		if (lowLink.get(file) !== index.get(file)) return;
		const component: string[] = [];
		let member: string;
		do {
			member = stack.pop()!;
			onStack.delete(member);
			component.push(member);
		} while (member !== file);
		const selfImport = graph.get(file)?.includes(file) ?? false;
		if (component.length > 1 || selfImport) components.push(component.sort());
	};
	for (const file of graph.keys()) if (!index.has(file)) visit(file);
	return components;
}

/** A shortest cycle through `start` that stays inside its component (breadth-first). */
function cycleThrough(
	start: string,
	component: Set<string>,
	graph: Map<string, string[]>,
): string[] {
	const previous = new Map<string, string>();
	const queue = [start];
	while (queue.length) {
		const file = queue.shift()!;
		for (const target of graph.get(file) ?? []) {
			if (!component.has(target)) continue;
			if (target === start) {
				const cycle = [start];
				for (let at = file; at !== start; at = previous.get(at)!) cycle.splice(1, 0, at);
				return [...cycle, start];
			}
			if (!previous.has(target)) {
				previous.set(target, file);
				queue.push(target);
			}
		}
	}
	return [start, start];
}

function main(): number {
	const files = CHECKED_DIRS.flatMap((dir) => typeScriptFiles(path.join(REPO_ROOT, dir))).sort();
	const problems: Problem[] = [];
	const graph = importGraph(files, problems);
	for (const component of tangles(graph)) {
		const cycle = cycleThrough(component[0], new Set(component), graph).map(relative);
		const others = component.length + 1 > cycle.length ? component.map(relative) : [];
		problems.push({
			kind: 'cycle',
			text:
				`import cycle: ${cycle.join(' → ')}` +
				(others.length ? `\n  (the files that import each other: ${others.join(', ')})` : ''),
		});
	}
	const scope = CHECKED_DIRS.map((dir) => `${dir}/`).join(', ');
	if (problems.length === 0) {
		process.stdout.write(
			`imports: ${files.length} files in ${scope}: no import cycle; every part imports only what it may\n`,
		);
		return 0;
	}
	for (const problem of problems) process.stderr.write(`${problem.text}\n`);
	const count = (kind: Problem['kind']) => problems.filter((p) => p.kind === kind).length;
	process.stderr.write(
		`imports: ${count('cycle')} import cycle(s), ${count('direction')} import(s) across parts that may not ` +
			`(${files.length} files in ${scope})\n`,
	);
	return 1;
}

process.exit(main());
