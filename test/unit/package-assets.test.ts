/**
 * What the editor and n8n's verification review show before a node runs: for every node and
 * credential package.json's `n8n` section declares (new ones are covered as they are added),
 * light and dark icons that exist, are SVG and differ; a codex file (`<Node>.node.json`) with
 * categories, search aliases and documentation links; a documentationUrl per credential; and one
 * folder per provider, holding its action node and its trigger. And the workflows in examples/,
 * as users import them: node types and versions that exist, this package's parameters as its
 * nodes declare them, connections that hold, and the credential placeholders the harness fills.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
	NodeHelpers,
	type ICredentialType,
	type INode,
	type INodeParameters,
	type INodeProperties,
	type INodePropertyCollection,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { END_REASONS } from '../../nodes/shared/callOutcome';
import type { WorkflowJson } from '../harness/client';
import { EXAMPLES, prepareExample } from '../harness/examples';
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

// -------------------------------------------------------------------------------------------------
// The nodes panel, as n8n 2.41.1's editor builds it (its node creator): one entry per provider,
// the action node and its trigger merged under the action node's name and aliases but with the
// trigger's description; its actions listed in the order of the Resource options, then of each
// resource's Operation options; a search lists a node when the letters typed appear in order in
// its name or one of its aliases, ranked by how closely they match (an exact alias best, a name
// weighing 1.3 times an alias) plus a popularity bonus that only n8n's own nodes have.

describe('the nodes panel', () => {
	const described = (source: string) =>
		load<INodeType>(source).filter((type) => type.description !== undefined)[0].description;
	const codexOf = (source: string) =>
		JSON.parse(readFileSync(source.replace(/\.ts$/, '.json'), 'utf8')) as Codex;
	const actionNodes = nodes
		.filter(({ name }) => !name.endsWith('Trigger'))
		.map(({ source }) => ({ description: described(source), codex: codexOf(source) }));

	/** n8n's match: the letters of the query, in order, case aside, anywhere in the text. */
	const matches = (query: string, text: string) => {
		let at = 0;
		for (const letter of text.toLowerCase()) if (letter === query[at]?.toLowerCase()) at++;
		return at === query.length;
	};
	const listedFor = (query: string) =>
		actionNodes
			.filter(({ description, codex }) =>
				[description.displayName, ...(codex.alias ?? [])].some((text) => matches(query, text)),
			)
			.map(({ description }) => description.displayName);

	test.each(nodes.filter(({ name }) => name.endsWith('Trigger')))(
		"$name: its description is its action node's, the entry's description n8n shows above the actions",
		({ source }) => {
			const trigger = described(source);
			const action = described(source.replace(/Trigger\.node\.ts$/, '.node.ts'));
			expect(trigger.description).toBe(action.description);
			expect(trigger.description).not.toMatch(/trigger/i);
		},
	);

	test('the matcher: letters in order, anywhere, case aside', () => {
		expect(matches('sms', 'SMS patients')).toBe(true);
		expect(matches('sms', 'call customers')).toBe(true);
		expect(matches('sms', 'call a customer')).toBe(false);
		expect(matches('call', 'AICaller')).toBe(true);
	});

	test('"sms" lists HelloAnnie, by an exact alias, and neither AlloMia nor AICaller (they send no SMS)', () => {
		expect(listedFor('sms')).toEqual(['HelloAnnie']);
		const annie = actionNodes.find(({ description }) => description.name === 'helloAnnie');
		expect(annie?.codex.alias?.map((alias) => alias.toLowerCase())).toContain('sms');
	});

	test('"call" and "phone call" list the three, each by an exact alias or its name', () => {
		expect(listedFor('call').sort()).toEqual(['AICaller', 'AlloMia', 'HelloAnnie']);
		expect(listedFor('phone call').sort()).toEqual(['AICaller', 'AlloMia', 'HelloAnnie']);
		for (const { description, codex } of actionNodes) {
			const aliases = (codex.alias ?? []).map((alias) => alias.toLowerCase());
			expect(aliases).toContain('phone call');
			// An exact alias scores what "call" can score in an alias; AICaller's name scores more.
			if (!description.displayName.toLowerCase().includes('call'))
				expect(aliases).toContain('call');
		}
	});

	test("HelloAnnie's actions: calling, texting and reading conversations first, the setup last", () => {
		const description = actionNodes.find(
			({ description: d }) => d.name === 'helloAnnie',
		)!.description;
		const resource = description.properties.find((property) => property.name === 'resource');
		const resources = (resource?.options ?? []) as Array<{ name: string; value: string }>;
		const actions = resources.flatMap(({ value }) => {
			const selector = description.properties.find(
				(property) =>
					property.name === 'operation' &&
					(property.displayOptions?.show?.resource as unknown[] | undefined)?.includes(value),
			);
			return ((selector?.options ?? []) as Array<{ action?: string }>).map(({ action }) => action);
		});
		expect(resources.map(({ name }) => name)).toEqual([
			'Call',
			'SMS',
			'Conversation',
			'Phone Number',
			'Bot',
		]);
		expect(actions.slice(0, 4)).toEqual([
			'Start an outbound call',
			'Start an outbound SMS conversation',
			'Get a conversation',
			'Get many conversations',
		]);
		// A new node opens on Call → Start, as before (a saved workflow keeps what it did).
		expect(resource?.default).toBe('call');
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

// -------------------------------------------------------------------------------------------------
// examples/*.json

const EXAMPLES_DIR = path.join(ROOT, 'examples');
const exampleFiles = readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json'));
const readWorkflow = (file: string) =>
	JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowJson;

/**
 * The versions n8n 2.41.1 (the version the package is tested with) ships of the n8n nodes the
 * examples use, read from its n8n-nodes-base. A node missing here is added after checking there.
 */
const N8N_NODE_VERSIONS: Record<string, number[]> = {
	'n8n-nodes-base.aggregate': [1],
	'n8n-nodes-base.convertToFile': [1, 1.1],
	'n8n-nodes-base.executeWorkflow': [1, 1.1, 1.2, 1.3, 1.4],
	'n8n-nodes-base.executeWorkflowTrigger': [1, 1.1, 1.2],
	'n8n-nodes-base.extractFromFile': [1, 1.1],
	'n8n-nodes-base.if': [1, 2, 2.1, 2.2, 2.3],
	'n8n-nodes-base.manualTrigger': [1],
	'n8n-nodes-base.readWriteFile': [1, 1.1],
	'n8n-nodes-base.respondToWebhook': [1, 1.1, 1.2, 1.3, 1.4, 1.5],
	'n8n-nodes-base.set': [1, 2, 3, 3.1, 3.2, 3.3, 3.4, 3.5],
	'n8n-nodes-base.splitOut': [1],
	'n8n-nodes-base.stickyNote': [1],
	'n8n-nodes-base.switch': [1, 2, 3, 3.1, 3.2, 3.3, 3.4],
	'n8n-nodes-base.wait': [1, 1.1],
	'n8n-nodes-base.webhook': [1, 1.1, 2, 2.1],
};

/** This package's node types as n8n names them once installed: `<package>.<node name>`. */
const packageNodeTypes = new Map<string, INodeTypeDescription>(
	nodes.flatMap(({ source }) =>
		load<INodeType>(source)
			.filter((type) => type.description !== undefined)
			.map((type) => [`${manifest.name}.${type.description.name}`, type.description] as const),
	),
);

const isExpression = (value: unknown) => typeof value === 'string' && value.startsWith('=');

/**
 * The parameter names in `values` that `properties` does not declare (or does not show for these
 * values), and option values that are not among a field's options, as "path: problem". Nested
 * collections and fixed collections are checked against their own fields.
 */
function unknownParameters(
	properties: INodeProperties[],
	values: INodeParameters,
	node: INode,
	description: INodeTypeDescription,
	where: string,
): string[] {
	// What the editor has for these values, defaults included: what displayOptions are read against.
	const resolved =
		NodeHelpers.getNodeParameters(properties, values, true, false, node, description) ?? {};
	const problems: string[] = [];
	for (const [name, value] of Object.entries(values)) {
		const at = `${where}${name}`;
		const property = properties.find(
			(candidate) =>
				candidate.name === name &&
				NodeHelpers.displayParameter(resolved, candidate, node, description, resolved),
		);
		if (!property) {
			problems.push(`${at}: not a field shown here`);
			continue;
		}
		if (property.type === 'options' && !isExpression(value)) {
			const allowed = (property.options ?? []).map(
				(option) => (option as { value: unknown }).value,
			);
			if (!allowed.includes(value))
				problems.push(`${at}: ${String(value)} is not one of its options`);
		}
		if (property.type === 'collection' && value && typeof value === 'object') {
			problems.push(
				...unknownParameters(
					(property.options ?? []) as INodeProperties[],
					value as INodeParameters,
					node,
					description,
					`${at}.`,
				),
			);
		}
		if (property.type === 'fixedCollection' && value && typeof value === 'object') {
			for (const [groupName, entries] of Object.entries(value as INodeParameters)) {
				const group = ((property.options ?? []) as INodePropertyCollection[]).find(
					(candidate) => candidate.name === groupName,
				);
				if (!group) {
					problems.push(`${at}.${groupName}: not a group of this field`);
					continue;
				}
				for (const entry of Array.isArray(entries) ? entries : [entries])
					problems.push(
						...unknownParameters(
							group.values,
							entry as INodeParameters,
							node,
							description,
							`${at}.${groupName}.`,
						),
					);
			}
		}
	}
	return problems;
}

/** How many outputs a node of an example has, as its type and parameters make them. */
function outputCount(node: INode): number {
	if (node.type === 'n8n-nodes-base.switch') {
		const rules = (node.parameters.rules as { values?: unknown[] } | undefined)?.values ?? [];
		const extra = (node.parameters.options as { fallbackOutput?: unknown } | undefined)
			?.fallbackOutput;
		return rules.length + (extra === 'extra' ? 1 : 0);
	}
	if (node.type === 'n8n-nodes-base.if') return 2;
	return node.onError === 'continueErrorOutput' ? 2 : 1;
}

describe.each(exampleFiles)('examples/%s', (file) => {
	const workflow = readWorkflow(file);

	test("n8n's own nodes are types and versions n8n 2.41.1 ships", () => {
		const wrong = workflow.nodes
			.filter((node) => !packageNodeTypes.has(node.type))
			.filter((node) => !N8N_NODE_VERSIONS[node.type]?.includes(node.typeVersion))
			.map((node) => `${node.name}: ${node.type} v${node.typeVersion}`);
		expect(wrong).toEqual([]);
	});

	test("this package's nodes use a resource, an operation and fields the node declares", () => {
		const problems = workflow.nodes.flatMap((node) => {
			const description = packageNodeTypes.get(node.type);
			if (!description) return [];
			const versions = [description.version].flat();
			if (!versions.includes(node.typeVersion))
				return [`${node.name}: ${node.type} has no version ${node.typeVersion}`];
			return unknownParameters(
				description.properties,
				node.parameters,
				node,
				description,
				`${node.name}: `,
			);
		});
		expect(problems).toEqual([]);
	});

	test('node names and ids are unique, and every connection joins two nodes from an output the first has', () => {
		const names = workflow.nodes.map((node) => node.name);
		expect(new Set(names).size).toBe(names.length);
		expect(new Set(workflow.nodes.map((node) => node.id)).size).toBe(names.length);
		const problems: string[] = [];
		for (const [source, byType] of Object.entries(workflow.connections)) {
			const node = workflow.nodes.find((candidate) => candidate.name === source);
			if (!node) {
				problems.push(`${source}: no such node`);
				continue;
			}
			const outputs = byType.main ?? [];
			if (outputs.length > outputCount(node))
				problems.push(
					`${source}: ${outputs.length} outputs connected, it has ${outputCount(node)}`,
				);
			for (const target of outputs.flat())
				if (target && !names.includes(target.node))
					problems.push(`${source} → ${target.node}: no such node`);
		}
		expect(problems).toEqual([]);
	});

	test('credentials are the placeholders the harness (and the user) replace', () => {
		// prepareExample throws on a credential that is not its provider's placeholder.
		const prepared = prepareExample(file, {
			credentialIds: { helloAnnie: 'ha-id', alloMia: 'am-id', aiCaller: 'ac-id' },
		});
		const ids = prepared.nodes.flatMap((node) =>
			Object.values(node.credentials ?? {}).map((credential) => credential.id),
		);
		expect(ids.every((id) => ['ha-id', 'am-id', 'ac-id'].includes(String(id)))).toBe(true);
	});
});

describe('the call-outcome-routing examples (HelloAnnie, AlloMia, AICaller)', () => {
	const examples = [EXAMPLES.helloAnnieRouting, EXAMPLES.alloMiaRouting, EXAMPLES.aiCallerRouting];
	const workflows = examples.map((example) => ({ example, workflow: readWorkflow(example.file) }));
	const nodeOf = (workflow: WorkflowJson, name: string) => {
		const node = workflow.nodes.find((candidate) => candidate.name === name);
		if (!node) throw new Error(`${workflow.name} has no node "${name}"`);
		return node;
	};

	test('route with the same Switch, whose outputs lead to the same nodes', () => {
		const [first, ...others] = workflows.map(({ example, workflow }) => ({
			switchNode: nodeOf(workflow, example.switchNode),
			routes: workflow.connections[example.switchNode].main.map((targets) =>
				(targets ?? []).map((target) => target.node),
			),
		}));
		for (const other of others) expect(other).toEqual(first);
		expect(first.routes).toEqual([
			['Not called'],
			['Mark confirmed'],
			['SMS follow-up'],
			['Schedule call back'],
			['Flag do not call'],
			['Retry later'],
		]);
	});

	test("the Switch's outputs are the end reasons of nodes/shared/callOutcome.ts, then the fallback", () => {
		for (const { example, workflow } of workflows) {
			const { parameters } = nodeOf(workflow, example.switchNode);
			const rules = (
				parameters.rules as {
					values: Array<{
						outputKey: string;
						conditions: { conditions: Array<{ leftValue: string; rightValue: unknown }> };
					}>;
				}
			).values;
			const names = [
				...rules.map((rule) => rule.outputKey),
				(parameters.options as { renameFallbackOutput: string }).renameFallbackOutput,
			];
			expect(names).toEqual(example.switchOutputs);
			// The first rule takes the items the campaign guard skipped; every other one compares
			// endReason with one of the vocabulary's values.
			expect(rules[0].conditions.conditions[0].leftValue).toBe('={{ $json.skipped }}');
			for (const rule of rules.slice(1)) {
				const [condition] = rule.conditions.conditions;
				expect(condition.leftValue).toBe('={{ $json.endReason }}');
				expect(END_REASONS).toContain(condition.rightValue);
				expect(rule.outputKey).toBe(condition.rightValue);
			}
		}
	});

	test("each row node writes the same columns, with the call ID under the provider's own name", () => {
		const callIdFields = {
			helloannie: 'conversationId',
			allomia: 'outboundCallId',
			aicaller: '_id',
		};
		for (const { example, workflow } of workflows) {
			for (const name of example.rowNodes.filter((row) => row !== 'Not called')) {
				const assignments = (
					nodeOf(workflow, name).parameters.assignments as {
						assignments: Array<{ name: string; value: string }>;
					}
				).assignments;
				expect(assignments.map((a) => a.name).slice(0, 7)).toEqual([
					'appointmentId',
					'patientId',
					'status',
					'endReason',
					'callBackAt',
					'summary',
					'callId',
				]);
				expect(assignments[6].value).toMatch(
					new RegExp(`\\.${callIdFields[example.provider]} }}$`),
				);
			}
		}
	});
});
