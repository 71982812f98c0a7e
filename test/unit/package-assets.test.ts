/**
 * What the editor and n8n's verification review show before a node runs: for every node and
 * credential package.json's `n8n` section declares (new ones are covered as they are added),
 * light and dark icons that exist, are SVG and differ; a codex file (`<Node>.node.json`) with
 * categories, search aliases and documentation links; a documentationUrl per credential; and one
 * folder per provider, holding its action node and its trigger.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ICredentialType, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { anchorsOf } from './markdown';

const ROOT = path.resolve(__dirname, '..', '..');

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
	name: string;
	homepage: string;
	n8n: { nodes: string[]; credentials: string[] };
};

/** The categories of n8n's node panel (those its own nodes use). */
const N8N_CATEGORIES = [
	'AI',
	'Analytics',
	'Communication',
	'Core Nodes',
	'Data & Storage',
	'Development',
	'Finance & Accounting',
	'HITL',
	'Marketing',
	'Miscellaneous',
	'Productivity',
	'Sales',
	'Utility',
];

interface Codex {
	node: string;
	nodeVersion: string;
	codexVersion: string;
	categories?: string[];
	alias?: string[];
	resources?: {
		primaryDocumentation?: Array<{ url: string }>;
		credentialDocumentation?: Array<{ url: string }>;
	};
}

/** `dist/nodes/X/X.node.js` → `nodes/X/X.node.ts` (what `n8n-node build` compiles it from). */
function sourceOf(distFile: string): string {
	return path.join(ROOT, distFile.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

/** Instances of the classes a node or credential file exports. */
function load<T>(file: string): T[] {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- the files are found at run time
	const exported = require(file) as Record<string, unknown>;
	return Object.values(exported)
		.filter((value): value is new () => T => typeof value === 'function')
		.map((Class) => new Class());
}

/**
 * Where a link into this package's repository lands: its Markdown file and anchors, or undefined
 * for a link elsewhere. `<homepage>#x` is the README, `<repository>/blob/main/<file>#x` a file.
 */
function packageDoc(url: string): { file: string; anchor?: string } | undefined {
	const [page, anchor] = url.split('#');
	const repository = manifest.homepage.split('#')[0];
	if (page === repository) return { file: 'README.md', anchor };
	const prefix = `${repository}/blob/main/`;
	return page.startsWith(prefix) ? { file: page.slice(prefix.length), anchor } : undefined;
}

/** A link into this package's docs must name a file that exists and land on one of its headings. */
function expectLandsOnHeading(url: string): void {
	const target = packageDoc(url);
	if (!target) return;
	const file = path.join(ROOT, target.file);
	expect(existsSync(file) ? target.file : `no such file: ${target.file}`).toBe(target.file);
	if (target.anchor === undefined) return;
	const anchors = anchorsOf(readFileSync(file, 'utf8'));
	expect(
		anchors.has(target.anchor)
			? target.anchor
			: `${target.file} has no heading for #${target.anchor}`,
	).toBe(target.anchor);
}

function iconFiles(icon: unknown, baseDir: string): { light: string; dark: string } {
	expect(icon).toEqual({
		light: expect.stringMatching(/^file:.+\.svg$/),
		dark: expect.stringMatching(/^file:.+\.svg$/),
	});
	const { light, dark } = icon as { light: string; dark: string };
	return {
		light: path.resolve(baseDir, light.slice('file:'.length)),
		dark: path.resolve(baseDir, dark.slice('file:'.length)),
	};
}

/** Both files exist, are SVG documents with a viewBox, and are not the same picture. */
function expectThemedSvgs(files: { light: string; dark: string }): void {
	const read = (file: string) => {
		expect(existsSync(file) ? file : `${file} is missing`).toBe(file);
		const text = readFileSync(file, 'utf8');
		expect(text.trimStart()).toMatch(/^(<\?xml[^>]*>\s*)?<svg\b[^>]*\bviewBox="[^"]+"/);
		expect(text.trimEnd()).toMatch(/<\/svg>$/);
		return text.replace(/\s+/g, ' ').trim();
	};
	const light = read(files.light);
	const dark = read(files.dark);
	expect(dark).not.toBe(light);
}

function expectHttpsUrl(url: unknown): void {
	expect(typeof url).toBe('string');
	expect(new URL(url as string).protocol).toBe('https:');
}

const nodes = manifest.n8n.nodes.map((distFile) => {
	const source = sourceOf(distFile);
	return { distFile, source, name: path.basename(distFile, '.node.js') };
});

test('package.json declares nodes and credentials whose sources exist', () => {
	expect(nodes.length).toBeGreaterThan(0);
	expect(manifest.n8n.credentials.length).toBeGreaterThan(0);
	for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
		expect(existsSync(sourceOf(file)) ? file : `${sourceOf(file)} is missing`).toBe(file);
	}
});

test('each provider is one folder: its trigger is declared next to its action node', () => {
	const names = nodes.map(({ name }) => name);
	for (const { distFile, name } of nodes) {
		// HelloAnnieTrigger → HelloAnnie
		const provider = name.replace(/Trigger$/, '');
		expect(names).toContain(provider);
		expect(distFile).toBe(`dist/nodes/${provider}/${name}.node.js`);
	}
	// nodes/ holds the providers' folders and the code they share, nothing else.
	const folders = readdirSync(path.join(ROOT, 'nodes'), { withFileTypes: true })
		.filter((entry) => entry.isDirectory())
		.map((entry) => entry.name);
	const providers = new Set(nodes.map(({ distFile }) => path.basename(path.dirname(distFile))));
	expect(folders.sort()).toEqual([...providers, 'shared'].sort());
});

describe.each(nodes)('node $name', ({ source }) => {
	let description: INodeTypeDescription;
	let codex: Codex;

	beforeAll(() => {
		const types = load<INodeType>(source).filter((type) => type.description !== undefined);
		expect(types).toHaveLength(1);
		description = types[0].description;
		const codexFile = source.replace(/\.ts$/, '.json');
		expect(existsSync(codexFile) ? 'codex present' : `${codexFile} is missing`).toBe(
			'codex present',
		);
		codex = JSON.parse(readFileSync(codexFile, 'utf8')) as Codex;
	});

	test('has light and dark SVG icons that differ', () => {
		expectThemedSvgs(iconFiles(description.icon, path.dirname(source)));
	});

	test('its codex names the node, its categories and search aliases', () => {
		expect(codex.node).toBe(`${manifest.name}.${description.name}`);
		expect(codex.nodeVersion).toMatch(/^\d+\.\d+$/);
		expect(codex.codexVersion).toMatch(/^\d+\.\d+$/);
		expect(codex.categories?.length ? 'categories' : 'the codex has no "categories"').toBe(
			'categories',
		);
		for (const category of codex.categories ?? []) expect(N8N_CATEGORIES).toContain(category);
		// n8n's node panel also finds a node by these words ("voice AI", "SMS", …).
		expect(codex.alias?.length ? 'alias' : 'the codex has no "alias" keywords').toBe('alias');
		for (const alias of codex.alias ?? []) expect(alias.trim()).not.toBe('');
	});

	test('its codex links to documentation that exists', () => {
		const primary = codex.resources?.primaryDocumentation ?? [];
		expect(primary.length).toBeGreaterThan(0);
		for (const { url } of primary) {
			expectHttpsUrl(url);
			expectLandsOnHeading(url);
		}
		if (description.credentials?.length) {
			const credentialDocs = codex.resources?.credentialDocumentation ?? [];
			expect(credentialDocs.length).toBeGreaterThan(0);
			for (const { url } of credentialDocs) expectHttpsUrl(url);
		}
	});
});

describe.each(manifest.n8n.credentials.map((file) => ({ file, source: sourceOf(file) })))(
	'credential $file',
	({ source }) => {
		let credential: ICredentialType;

		beforeAll(() => {
			const types = load<ICredentialType>(source).filter((type) => typeof type.name === 'string');
			expect(types).toHaveLength(1);
			credential = types[0];
		});

		test('has light and dark SVG icons that differ', () => {
			expectThemedSvgs(iconFiles(credential.icon, path.dirname(source)));
		});

		test('has a documentationUrl where a user learns how to get the key', () => {
			expectHttpsUrl(credential.documentationUrl);
			expectLandsOnHeading(String(credential.documentationUrl));
		});
	},
);
