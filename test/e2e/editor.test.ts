/**
 * The package in n8n's editor, in a real browser: headless Chromium (Debian's `chromium`, driven
 * by playwright-core; no browser is downloaded) signs in to the running n8n as the owner, opens
 * the panel (NDV) of every node of the package for every resource and operation, checks that the
 * panel shows exactly the fields the node declares for that operation, in order, and saves a
 * screenshot of it to docs/screenshots/ (JPEG: `n8n-node build` copies every .png and .svg of
 * the repo into dist/, which would publish them). The same panels give byte-identical files from
 * run to run here, so a test run leaves the checkout unchanged.
 *
 * How a panel is opened: one workflow holding one node per (node, resource, operation), created
 * through the REST API, is opened once; each node is then double-clicked on the canvas, as a user
 * does, and its panel closed again. A page load per panel (/workflow/<id>/<nodeId>) took 5–8 s
 * here, a double-click under 1 s.
 *
 * The expected fields are computed from the node description n8n serves to the editor
 * (/types/nodes.json) with n8n-workflow's own display rules (NodeHelpers.displayParameter), so
 * nodes added to package.json later are covered without touching this file. Every field shown
 * must also be named in the guides in docs/. The nodes panel must find the nodes by their codex aliases.
 *
 * A user's first half hour, as the editor shows it: a node added from the nodes panel comes with
 * the working sandbox credential and its first list loads; searching for calling or texting finds
 * the action, described as such, with HelloAnnie's clinic actions listed first; every example
 * workflow opens with its notes clear of its nodes.
 *
 * Chromium: scripts/ensure-chromium.sh installs Debian's package when it is missing (root or
 * password-less sudo; ~15 s here). Only where that is impossible are these tests skipped, with
 * the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
	NodeHelpers,
	type INode,
	type INodeParameters,
	type INodeProperties,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { N8nClient, OWNER, type CredentialRef, type WorkflowJson } from '../harness/client';
import { REFUSED_KEY_CREDENTIALS } from '../harness/credentials';
import { EXAMPLES, prepareExample } from '../harness/examples';
import { runCommand, waitFor } from '../harness/processes';
import { PACKAGE_NAME, REPO_ROOT } from '../harness/project';
import { readState, type E2eState } from './state';

jest.setTimeout(240_000);

const SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');

/** The ids of the tests' refused-key credentials (test/harness/credentials.ts). */
const REFUSED_KEY_IDS: string[] = Object.values(REFUSED_KEY_CREDENTIALS).map(
	(credential) => credential.id,
);

/** The launch flags: no GPU, no network of the browser's own (updates, sync, QUIC probes). */
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	// Docker's /dev/shm is 64 MB (the CI container); Chromium then uses /tmp for shared memory.
	'--disable-dev-shm-usage',
];

/** Tall enough that the longest panel needs no scrolling, so one screenshot shows all of it. */
const VIEWPORT = { width: 1440, height: 1400 };

/** n8n adds this resource / operation to every node with credentials ("Custom API Call"). */
const CUSTOM_API_CALL = '__CUSTOM_API_CALL__';

// -------------------------------------------------------------------------------------------------
// Chromium. Whether it is there or can be installed is asked while jest collects the tests (at
// once, so that an impossible install can skip them); the install itself runs in beforeAll, so
// that it never blocks this worker's event loop.

const CHROMIUM_SCRIPT = path.join(REPO_ROOT, 'scripts', 'ensure-chromium.sh');

function chromiumStatus(): { ready: boolean } | { skip: string } {
	const result = spawnSync('bash', [CHROMIUM_SCRIPT, '--check'], {
		encoding: 'utf8',
		timeout: 30_000,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	if (result.status === 0) return { ready: true };
	if (result.status === 4) return { ready: false };
	return {
		skip:
			(result.stderr ?? '').trim() ||
			`scripts/ensure-chromium.sh --check failed (${result.error?.message ?? `exit ${result.status}`})`,
	};
}

/** Installs Chromium if needed (~15 s here); returns its path. */
async function ensureChromium(): Promise<string> {
	const { stdout } = await runCommand('bash', [CHROMIUM_SCRIPT], { timeoutMs: 5 * 60_000 });
	const executable = stdout.trim().split('\n').pop();
	if (!executable) throw new Error('scripts/ensure-chromium.sh printed no path');
	return executable;
}

const browser = chromiumStatus();
if ('skip' in browser) {
	process.stderr.write(
		`[e2e] SKIPPING the editor tests: no Chromium. ${browser.skip}\n` +
			"[e2e] Install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH.\n",
	);
}
const describeWithBrowser = 'skip' in browser ? describe.skip : describe;

// -------------------------------------------------------------------------------------------------
// Which panels: every node of the package × resource × operation, from n8n's own description.

interface Panel {
	node: INode;
	/** "AlloMia: Call → Get", or "AlloMia Trigger" for a node without resources. */
	title: string;
	screenshot: string;
	expectedLabels: string[];
	expectedNotices: string[];
}

/** File names like the icons': "HelloAnnie", "Phone Number", "Get Many" → helloannie-phone-number-get-many. */
function slug(...words: string[]): string {
	return words
		.join(' ')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

function options(property: INodeProperties | undefined): Array<{ name: string; value: string }> {
	return ((property?.options ?? []) as Array<{ name: string; value: unknown }>)
		.filter((option) => typeof option.value === 'string' && option.value !== CUSTOM_API_CALL)
		.map((option) => ({ name: option.name, value: option.value as string }));
}

/** The operation selector n8n shows for a resource (each resource has its own). */
function operationsOf(
	description: INodeTypeDescription,
	resource: string,
): Array<{ name: string; value: string }> {
	const selector = description.properties.find(
		(property) =>
			property.name === 'operation' &&
			(property.displayOptions?.show?.resource as unknown[] | undefined)?.includes(resource),
	);
	return options(selector);
}

/** Labels (and notices) of the top-level fields n8n displays for these parameters. */
function expectedFields(
	description: INodeTypeDescription,
	parameters: INodeParameters,
): { labels: string[]; notices: string[] } {
	const node = { typeVersion: 1 };
	const values =
		NodeHelpers.getNodeParameters(
			description.properties,
			parameters,
			true,
			false,
			node,
			description,
		) ?? {};
	// n8n's editor shows the credential field in place of the last shown field that the node's
	// credentials depend on (their displayOptions, e.g. Add Webhook Secret), or first when none is
	// shown (n8n 2.41.1's ParameterInputList, indexToShowSlotAt).
	const dependencies = new Set(
		(description.credentials ?? []).flatMap((credential) =>
			Object.keys(credential.displayOptions?.show ?? {}),
		),
	);
	// The field every credential depends on (HelloAnnie's Authentication) is not shown as a field:
	// n8n's editor offers the credentials of every authentication in the credential field and sets
	// the field from the one picked (n8n 2.41.1's getMainAuthField), as for its own nodes.
	const credentialTypes = description.credentials ?? [];
	const mainAuth =
		credentialTypes.length > 1
			? [...dependencies].find((name) =>
					credentialTypes.every((credential) => credential.displayOptions?.show?.[name]),
				)
			: undefined;
	const shown = description.properties.filter(
		(property) =>
			property.type !== 'hidden' &&
			property.name !== mainAuth &&
			NodeHelpers.displayParameter(values, property, node, description),
	);
	let credentialAt = 0;
	shown.forEach((property, index) => {
		if (dependencies.has(property.name)) credentialAt = index;
	});
	const labels: string[] = [];
	const notices: string[] = [];
	shown.forEach((property, index) => {
		if (index === credentialAt && description.credentials?.length) labels.push('Credential');
		if (property.type === 'notice') notices.push(property.displayName.replace(/<[^>]+>/g, ''));
		else labels.push(property.displayName);
	});
	return { labels, notices };
}

/** `firstIndex`: where this node's panels start in the workflow (for their canvas positions). */
function panelsFor(
	description: INodeTypeDescription,
	credentials: CredentialRef[],
	firstIndex: number,
): Panel[] {
	const combos: Array<{ operation?: string; file: string; parameters: INodeParameters }> = [];
	const resources = options(description.properties.find((p) => p.name === 'resource'));
	if (resources.length === 0) combos.push({ file: slug(description.displayName), parameters: {} });
	for (const resource of resources) {
		for (const operation of operationsOf(description, resource.value)) {
			combos.push({
				operation: `${resource.name} → ${operation.name}`,
				file: slug(description.displayName, resource.name, operation.name),
				parameters: { resource: resource.value, operation: operation.value },
			});
		}
	}
	const credential = (description.credentials ?? [])
		.map((wanted) => credentials.find((c) => c.type === wanted.name))
		.filter((found): found is CredentialRef => found !== undefined);
	const baseName = description.defaults.name ?? description.displayName;
	return combos.map(({ operation, file, parameters }, offset) => {
		const at = firstIndex + offset;
		const node: INode = {
			id: randomUUID(),
			name: operation ? `${baseName} ${operation}` : baseName,
			type: description.name,
			typeVersion: 1,
			// A grid, so that every node is on screen once the canvas zooms to fit.
			position: [(at % 6) * 280, Math.floor(at / 6) * 220],
			parameters,
			credentials: Object.fromEntries(credential.map((c) => [c.type, { id: c.id, name: c.name }])),
		};
		// Trigger nodes with webhooks get a webhook id from the editor when added by hand.
		if (description.webhooks?.length) node.webhookId = randomUUID();
		const { labels, notices } = expectedFields(description, parameters);
		return {
			node,
			title: operation ? `${description.displayName}: ${operation}` : description.displayName,
			screenshot: `${file}.jpg`,
			expectedLabels: labels,
			expectedNotices: notices,
		};
	});
}

// -------------------------------------------------------------------------------------------------
// The browser

/** Labels of the panel's top-level fields, in order (nested collection fields excluded). */
async function shownLabels(page: Page): Promise<string[]> {
	return await page
		.locator('[data-test-id=ndv] [data-test-id=node-parameters]')
		.evaluate((root) => {
			const outer = root.querySelector('.parameter-input-list-wrapper');
			if (!outer) return [];
			return Array.from(outer.querySelectorAll('label.n8n-input-label'))
				.filter((label) => label.closest('.parameter-input-list-wrapper') === outer)
				.map((label) => (label.querySelector('span.n8n-text') ?? label).textContent?.trim() ?? '');
		});
}

/** Which of the panel's top-level fields are listed: waits until the panel has settled. */
async function settledLabels(page: Page, expected: string[]): Promise<string[]> {
	try {
		return await waitFor(
			'the panel to show its fields',
			async () => {
				const labels = await shownLabels(page);
				return labels.join('\n') === expected.join('\n') ? labels : undefined;
			},
			{ timeoutMs: 10_000, intervalMs: 100 },
		);
	} catch {
		// Report what is shown; the test's comparison then names the difference.
		return await shownLabels(page);
	}
}

/** The parameters column (tabs, fields), cut below its last field. */
async function panelClip(
	page: Page,
): Promise<{ x: number; y: number; width: number; height: number }> {
	return await page
		.locator('[data-test-id=ndv] [data-test-id=node-parameters]')
		.evaluate((root) => {
			const column = root.parentElement ?? root;
			const box = column.getBoundingClientRect();
			const outer = root.querySelector('.parameter-input-list-wrapper') ?? root;
			const bottom = Math.max(
				...Array.from(outer.children).map((child) => child.getBoundingClientRect().bottom),
				box.top + 200,
			);
			return {
				x: Math.floor(box.left),
				y: Math.floor(box.top),
				width: Math.ceil(box.width),
				height: Math.ceil(Math.min(bottom + 24, box.bottom) - box.top),
			};
		});
}

/** The action label n8n's nodes panel lists first for a node: its first resource's first operation. */
function firstAction(description: INodeTypeDescription): string {
	// The resource and operation a new node opens on: their defaults (the package lists each first,
	// but reading the defaults does not depend on that).
	const resourceSelector = description.properties.find((p) => p.name === 'resource');
	const resource = resourceSelector?.default ?? options(resourceSelector)[0]?.value;
	const selector = description.properties.find(
		(property) =>
			property.name === 'operation' &&
			(property.displayOptions?.show?.resource as unknown[] | undefined)?.includes(resource),
	);
	const operations = (selector?.options ?? []) as Array<{
		name: string;
		value: string;
		action?: string;
	}>;
	const operation = operations.find((o) => o.value === selector?.default) ?? operations[0];
	if (!operation) throw new Error(`${description.displayName} has no operation`);
	return operation.action ?? operation.name;
}

/** A workflow holding only a Manual Trigger: the nodes panel then offers regular nodes. */
function triggerOnlyWorkflow(name: string): WorkflowJson {
	return {
		name: `${name} ${randomUUID().slice(0, 8)}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'When clicking Execute workflow',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

interface Box {
	name: string;
	left: number;
	top: number;
	right: number;
	bottom: number;
}

/** Screen pixels, for the failure message. */
const where = (box: Box) =>
	`(${[box.left, box.top, box.right, box.bottom].map(Math.round).join(', ')})`;

const overlaps = (a: Box, b: Box) =>
	a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

interface Codex {
	categories?: string[];
	alias?: string[];
	resources?: { primaryDocumentation?: unknown[]; credentialDocumentation?: unknown[] };
}

test('n8n serves each node with the categories, aliases and documentation links of its codex', async () => {
	// The codex files reach n8n only if the build copies them next to the compiled nodes.
	const state = readState();
	const n8n = new N8nClient(state.n8nUrl);
	await n8n.login();
	const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[] };
	};
	const served = await n8n.rest<Array<{ name: string; codex?: Codex }>>('GET', '/types/nodes.json');
	for (const distFile of manifest.n8n.nodes) {
		const codexFile = path.join(
			REPO_ROOT,
			distFile.replace(/^dist\//, '').replace(/\.js$/, '.json'),
		);
		const codex = JSON.parse(readFileSync(codexFile, 'utf8')) as Codex & { node: string };
		const type = served.find((candidate) => candidate.name === codex.node);
		expect(type ? type.name : `n8n serves no ${codex.node}`).toBe(codex.node);
		expect(type?.codex).toEqual({
			categories: codex.categories,
			alias: codex.alias,
			resources: {
				primaryDocumentation: codex.resources?.primaryDocumentation,
				credentialDocumentation: codex.resources?.credentialDocumentation,
			},
		});
	}
});

describeWithBrowser('the node panels in the n8n editor (headless Chromium)', () => {
	let state: E2eState;
	let n8n: N8nClient;
	let context: BrowserContext;
	let page: Page;
	let userDataDir: string;
	const pageErrors: string[] = [];
	const panels: Panel[] = [];
	let types: INodeTypeDescription[] = [];
	let workflowId: string;

	beforeAll(async () => {
		state = readState();
		n8n = new N8nClient(state.n8nUrl);
		await n8n.login();

		// The package's nodes as the editor gets them, checked against package.json.
		const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
			n8n: { nodes: string[] };
		};
		types = (await n8n.rest<INodeTypeDescription[]>('GET', '/types/nodes.json')).filter(
			(type) => type.name.startsWith(`${PACKAGE_NAME}.`) && !type.name.endsWith('Tool'),
		);
		expect(types).toHaveLength(manifest.n8n.nodes.length);

		const credentials = Object.values(state.credentials as Record<string, CredentialRef>)
			// The harness also holds refused keys for the 401 tests; show the working ones.
			.filter((credential) => !REFUSED_KEY_IDS.includes(credential.id));
		for (const type of types) panels.push(...panelsFor(type, credentials, panels.length));
		const stored = await n8n.createWorkflow({
			name: `e2e editor panels ${randomUUID().slice(0, 8)}`,
			nodes: panels.map((panel) => panel.node),
			connections: {},
			settings: { executionOrder: 'v1' },
		});
		workflowId = stored.id;

		const executablePath = await ensureChromium();
		userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'n8n-ai-phone-agents-chromium-'));
		// A persistent context is how playwright takes a fresh --user-data-dir of our own.
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: VIEWPORT,
			locale: 'en-US',
			timezoneId: 'UTC',
		});
		page = context.pages()[0] ?? (await context.newPage());
		page.setDefaultTimeout(30_000);
		page.on('pageerror', (error) => pageErrors.push(error.message));
		await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
	}, 6 * 60_000); // a first run installs Chromium (bounded to 5 min by ensureChromium)

	afterAll(async () => {
		// Closing a persistent context ends its browser process.
		await context?.close();
		if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
	});

	test('the owner signs in through the sign-in page', async () => {
		await page.goto(`${state.n8nUrl}/signin`);
		await page.locator('input[name=emailOrLdapLoginId]').fill(OWNER.email);
		await page.locator('input[name=password]').fill(OWNER.password);
		await page.locator('[data-test-id=form-submit-button]').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
		expect(new URL(page.url()).pathname).not.toMatch(/^\/signin/);
	});

	test('every panel shows the fields the node declares for its operation, in order', async () => {
		expect(panels.length).toBeGreaterThan(0);
		await page.goto(`${state.n8nUrl}/workflow/${workflowId}`);
		await waitFor(
			'the canvas to show every node',
			async () =>
				(await page.locator('[data-test-id=canvas-node]').count()) === panels.length
					? true
					: undefined,
			{ timeoutMs: 30_000, intervalMs: 200 },
		);

		const shown: Array<{ panel: string; labels: string[]; notices: string[] }> = [];
		const expected: typeof shown = [];
		for (const panel of panels) {
			await page
				.locator(`[data-test-id=canvas-node][data-node-name="${panel.node.name}"]`)
				.dblclick();
			const ndv = page.locator('[data-test-id=ndv]');
			await ndv.locator('[data-test-id=node-parameters]').waitFor();
			await waitFor(
				`the panel of "${panel.node.name}"`,
				async () =>
					(await ndv.locator('[data-test-id=node-title-container]').innerText()).trim() ===
					panel.node.name
						? true
						: undefined,
				{ timeoutMs: 10_000 },
			);
			const labels = await settledLabels(page, panel.expectedLabels);
			const text = await ndv.locator('[data-test-id=node-parameters]').innerText();
			shown.push({
				panel: panel.title,
				labels,
				notices: panel.expectedNotices.filter((notice) => text.includes(notice)),
			});
			expected.push({
				panel: panel.title,
				labels: panel.expectedLabels,
				notices: panel.expectedNotices,
			});

			// No hover state in the picture: the pointer leaves the panel first.
			await page.mouse.move(2, VIEWPORT.height - 2);
			await page.screenshot({
				path: path.join(SCREENSHOT_DIR, panel.screenshot),
				type: 'jpeg',
				quality: 80,
				clip: await panelClip(page),
				animations: 'disabled',
				caret: 'hide',
			});

			await ndv.locator('[data-test-id=ndv-close-button]').click();
			await ndv.waitFor({ state: 'hidden' });
		}
		expect(shown).toEqual(expected);
		expect(pageErrors).toEqual([]);

		// Screenshots of operations that no longer exist would linger in the docs.
		const current = new Set(panels.map((panel) => panel.screenshot));
		for (const file of await fs.readdir(SCREENSHOT_DIR)) {
			if (file.endsWith('.jpg') && !current.has(file)) await fs.rm(path.join(SCREENSHOT_DIR, file));
		}
	});

	test("the nodes panel finds the package's nodes by every search alias of their codex", async () => {
		// n8n 2.41.1 lists a node and its trigger as one entry under the node's name, found by the
		// node's aliases; a trigger's own aliases are not searched there (measured: "callback" finds
		// nothing), so only the action nodes' aliases are checked.
		const wanted = new Map<string, Set<string>>();
		for (const type of types.filter((candidate) => !candidate.group.includes('trigger'))) {
			for (const alias of type.codex?.alias ?? []) {
				const apps = wanted.get(alias) ?? new Set<string>();
				apps.add(type.displayName);
				wanted.set(alias, apps);
			}
		}
		expect(wanted.size).toBeGreaterThan(0);
		await page.locator('[data-test-id=node-creator-plus-button]').click();
		const search = page.locator('[data-test-id=node-creator-search-bar]');
		const items = page.locator('[data-test-id=node-creator-item-name]');
		const notFound: string[] = [];
		for (const [alias, apps] of wanted) {
			// The list updates a moment after typing: empty it first, so that what is read next
			// can only be the answer to this alias.
			await search.fill('zzqx no such node');
			await waitFor(
				'the nodes panel to list nothing',
				async () => ((await items.count()) === 0 ? true : undefined),
				{ timeoutMs: 5000, intervalMs: 50 },
			);
			await search.fill(alias);
			let shown: string[] = [];
			const found = await waitFor(
				`"${alias}" to list ${[...apps].join(', ')}`,
				async () => {
					shown = await items.allInnerTexts();
					return [...apps].every((app) => shown.includes(app)) ? true : undefined;
				},
				{ timeoutMs: 5000, intervalMs: 100 },
			).catch(() => false);
			if (!found)
				notFound.push(
					`"${alias}" lists ${shown.join(', ') || 'nothing'}, not ${[...apps].join(', ')}`,
				);
		}
		expect(notFound).toEqual([]);
		await page.keyboard.press('Escape');
	});

	/** Opens the nodes panel of a fresh workflow that holds a Manual Trigger only. */
	async function openNodesPanel(name: string): Promise<void> {
		const stored = await n8n.createWorkflow(triggerOnlyWorkflow(name));
		await page.goto(`${state.n8nUrl}/workflow/${stored.id}`);
		await page.locator('[data-test-id=canvas-node]').first().waitFor();
		await page.locator('[data-test-id=node-creator-plus-button]').click();
		await page.locator('[data-test-id=node-creator-search-bar]').waitFor();
	}

	/** The entries the nodes panel lists for a search, in order: name and the line under it. */
	async function searchNodesPanel(
		query: string,
	): Promise<Array<{ name: string; description: string }>> {
		const search = page.locator('[data-test-id=node-creator-search-bar]');
		const names = page.locator('[data-test-id=node-creator-item-name]');
		// Empty the list first, so that what is read next can only be the answer to this query.
		await search.fill('zzqx no such node');
		await waitFor(
			'the nodes panel to list nothing',
			async () => ((await names.count()) === 0 ? true : undefined),
			{
				timeoutMs: 5000,
				intervalMs: 50,
			},
		);
		await search.fill(query);
		let previous = '';
		// The list updates a moment after typing; read it once it stopped changing.
		return await waitFor(
			`the nodes panel's answer to "${query}"`,
			async () => {
				const entries = await page
					.locator('[data-test-id=item-iterator-item]')
					.evaluateAll((items) =>
						items
							.map((item) => ({
								name:
									item
										.querySelector('[data-test-id=node-creator-item-name]')
										?.textContent?.trim() ?? '',
								description:
									item
										.querySelector('[data-test-id=node-creator-item-description]')
										?.textContent?.trim() ?? '',
							}))
							.filter((entry) => entry.name !== ''),
					);
				const now = JSON.stringify(entries);
				const settled = now === previous && entries.length > 0;
				previous = now;
				return settled ? entries : undefined;
			},
			{ timeoutMs: 10_000, intervalMs: 300 },
		).catch(() => JSON.parse(previous || '[]') as Array<{ name: string; description: string }>);
	}

	test('a node added from the nodes panel comes with the working sandbox credential, and its first list loads', async () => {
		// n8n gives a new node the most recently updated credential of its type; the e2e instance
		// also holds the refused-key credentials of the 401 tests, as a dev:sandbox instance once did.
		const working = Object.values(state.credentials as Record<string, CredentialRef>).filter(
			(credential) => !REFUSED_KEY_IDS.includes(credential.id),
		);
		const seen: Array<{ node: string; credential: string; list: string }> = [];
		const expected: typeof seen = [];
		for (const type of types.filter((candidate) => !candidate.group.includes('trigger'))) {
			// Any working credential of the node's types: with two authentications (HelloAnnie's API
			// key and OAuth2), n8n picks the most recent of either and sets Authentication to match.
			const usable = working.filter((c) =>
				(type.credentials ?? []).some((wanted) => wanted.name === c.type),
			);
			if (!usable.length) throw new Error(`no working credential for ${type.displayName}`);
			await openNodesPanel(`e2e new ${type.displayName} node`);
			await searchNodesPanel(type.displayName);
			await page
				.locator('[data-test-id=item-iterator-item]')
				.filter({
					has: page.locator('[data-test-id=node-creator-item-name]', {
						hasText: new RegExp(`^${type.displayName}$`),
					}),
				})
				.first()
				.click();
			await page
				.locator('[data-test-id=item-iterator-item]', { hasText: firstAction(type) })
				.first()
				.click();
			const ndv = page.locator('[data-test-id=ndv]');
			await ndv.locator('[data-test-id=node-parameters]').waitFor();
			const chosen = await waitFor(
				'the credential of the new node',
				async () =>
					(await ndv
						.locator('[data-test-id=node-credentials-select] input')
						.first()
						.inputValue()) || undefined,
				{ timeoutMs: 10_000 },
			).catch(() => '(none)');
			// The first dropdown of the panel (a list the provider fills), where there is one.
			let list = 'no list on this panel';
			if ((await ndv.locator('[data-test-id=rlc-input]').count()) > 0) {
				await ndv.locator('[data-test-id=rlc-input]').first().click();
				list = await waitFor(
					'the list to load',
					async () => {
						if ((await page.locator('[data-test-id=rlc-error-container]').count()) > 0)
							return `error: ${(await page.locator('[data-test-id=rlc-error-container]').first().innerText()).trim()}`;
						return (await page.locator('[data-test-id=rlc-item]').count()) > 0
							? 'loaded'
							: undefined;
					},
					{ timeoutMs: 15_000, intervalMs: 200 },
				).catch(() => 'nothing listed');
				await page.keyboard.press('Escape');
			}
			seen.push({ node: type.displayName, credential: chosen, list });
			expected.push({
				node: type.displayName,
				credential: usable.some((c) => c.name === chosen)
					? chosen
					: usable.map((c) => c.name).join(' or '),
				list: list === 'no list on this panel' ? list : 'loaded',
			});
		}
		expect(seen).toEqual(expected);
		// The HelloAnnie action opens on Call → Start, whose From Number is such a list.
		expect(seen.find((entry) => entry.node === 'HelloAnnie')?.list).toBe('loaded');
	});

	/** The action labels of the entry the nodes panel opens for a search's result, in order. */
	async function actionsOf(entryName: string): Promise<string[]> {
		await page
			.locator('[data-test-id=item-iterator-item]')
			.filter({
				has: page.locator('[data-test-id=node-creator-item-name]', {
					hasText: new RegExp(`^${entryName}$`),
				}),
			})
			.first()
			.click();
		let previous = '';
		return await waitFor(
			`the actions of ${entryName}`,
			async () => {
				const names = (await page.locator('[data-test-id=item-iterator-item]').allInnerTexts())
					.map((text) => text.split('\n')[0].trim())
					.filter((text) => text !== '');
				const now = JSON.stringify(names);
				const settled = now === previous && names.length > 0;
				previous = now;
				return settled ? names : undefined;
			},
			{ timeoutMs: 10_000, intervalMs: 300 },
		).catch(() => JSON.parse(previous || '[]') as string[]);
	}

	test('searching for calling or texting finds the action, described as the action, with the clinic actions first', async () => {
		await openNodesPanel('e2e nodes panel search');
		const actions = types.filter((candidate) => !candidate.group.includes('trigger'));
		const problems: string[] = [];
		// n8n 2.41.1 lists a node and its trigger as one entry, under the trigger's description (and
		// shows it again above the entry's actions): each trigger's description is its action node's,
		// so the entry reads as what the action does and nothing about the trigger.
		for (const type of actions) {
			const entry = (await searchNodesPanel(type.displayName)).find(
				(e) => e.name === type.displayName,
			);
			if (entry?.description !== type.description)
				problems.push(
					`"${type.displayName}" is described as "${entry?.description ?? '(not listed)'}"`,
				);
		}
		// What a clinic's automation builder types. n8n ranks a name or alias match (an exact alias
		// scores best; a name weighs 1.3 times an alias) plus a popularity bonus only its own nodes
		// have. So for "SMS" the nodes that have both an SMS alias or name and that bonus (Twilio,
		// SyncroMSP, seven, Vonage: 264 to 296 points) stay above HelloAnnie's exact alias (235), and
		// for "call" Execute Sub-workflow (alias "call" plus its bonus, 374) and Calendly Trigger
		// (314) stay above AICaller's name (299) and the others' alias "call" (295). No alias or
		// name a community node may have reaches those scores; its own words put it first.
		const names = async (query: string) =>
			(await searchNodesPanel(query)).map((entry) => entry.name);
		const sms = await names('SMS');
		if (!sms.slice(0, 5).includes('HelloAnnie'))
			problems.push(
				`"SMS" lists ${sms.slice(0, 8).join(', ')}: HelloAnnie not among the first five`,
			);
		for (const other of ['AlloMia', 'AICaller'])
			if (sms.includes(other)) problems.push(`"SMS" lists ${other}, which sends no SMS`);
		const call = await names('call');
		for (const app of ['HelloAnnie', 'AlloMia', 'AICaller'])
			if (!call.slice(0, 5).includes(app))
				problems.push(
					`"call" lists ${call.slice(0, 8).join(', ')}: ${app} not among the first five`,
				);
		const phoneCall = (await names('phone call')).slice(0, 3).sort();
		if (phoneCall.join() !== 'AICaller,AlloMia,HelloAnnie')
			problems.push(`"phone call" lists ${phoneCall.join(', ')} first, not the three`);
		for (const query of [
			'text patients',
			'SMS patients',
			'call patients',
			'appointment reminder',
		]) {
			const [first] = await names(query);
			if (first !== 'HelloAnnie') problems.push(`"${query}" lists ${first ?? 'nothing'} first`);
		}

		// HelloAnnie's actions, in the order of its Resource options: calling, texting and reading
		// conversations before the setup of numbers and bots.
		const annie = actions.find((type) => type.name.endsWith('.helloAnnie'));
		if (!annie) throw new Error('n8n serves no HelloAnnie node');
		const declared = options(annie.properties.find((p) => p.name === 'resource')).flatMap(
			({ value }) =>
				(
					(annie.properties.find(
						(property) =>
							property.name === 'operation' &&
							(property.displayOptions?.show?.resource as unknown[] | undefined)?.includes(value),
					)?.options ?? []) as Array<{ action?: string; name: string; value: string }>
				)
					// n8n adds its own "Custom API Call" to each resource it serves.
					.filter((operation) => operation.value !== CUSTOM_API_CALL)
					.map((operation) => operation.action ?? operation.name),
		);
		expect(declared.slice(0, 4)).toEqual([
			'Start an outbound call',
			'Start an outbound SMS conversation',
			'Get a conversation',
			'Get many conversations',
		]);
		await searchNodesPanel('HelloAnnie');
		const listed = (await actionsOf('HelloAnnie')).filter((name) => declared.includes(name));
		if (listed.join('\n') !== declared.join('\n'))
			problems.push(`HelloAnnie's actions are listed as ${listed.join(', ')}`);
		expect(problems).toEqual([]);
		await page.keyboard.press('Escape');
	});

	test('every example workflow opens with its notes clear of its nodes', async () => {
		const problems: string[] = [];
		for (const example of Object.values(EXAMPLES)) {
			const workflow = prepareExample(example.file, {
				credentialIds: {
					helloAnnie: state.credentials.helloAnnie.id,
					alloMia: state.credentials.alloMia.id,
					aiCaller: state.credentials.aiCaller.id,
				},
				nameSuffix: `(layout ${randomUUID().slice(0, 8)})`,
			});
			const notes = workflow.nodes.filter(
				(node) => node.type === 'n8n-nodes-base.stickyNote',
			).length;
			const nodes = workflow.nodes.length - notes;
			expect(notes).toBeGreaterThan(0);
			const stored = await n8n.createWorkflow(workflow);
			await page.goto(`${state.n8nUrl}/workflow/${stored.id}`);
			await waitFor(
				`the canvas of ${example.file}`,
				async () =>
					(await page.locator('[data-test-id=canvas-node]').count()) === nodes &&
					(await page.locator('[data-test-id=sticky]').count()) === notes
						? true
						: undefined,
				{ timeoutMs: 30_000, intervalMs: 200 },
			);
			// Zoomed to fit once the canvas has its size; the rectangles are compared on screen.
			let previous = '';
			const boxes = await waitFor(
				'the canvas to settle',
				async () => {
					const now = await page.evaluate(() => {
						const box = (name: string, rects: DOMRect[]) => ({
							name,
							left: Math.min(...rects.map((r) => r.left)),
							top: Math.min(...rects.map((r) => r.top)),
							right: Math.max(...rects.map((r) => r.right)),
							bottom: Math.max(...rects.map((r) => r.bottom)),
						});
						// A node as the user sees it: with its name and subtitle under it, its output labels and
						// the toolbar shown above it on hover; the "+" of a free output is not the node.
						const nodes = Array.from(document.querySelectorAll('[data-test-id=canvas-node]')).map(
							(node) =>
								box(
									node.getAttribute('data-node-name') ?? '?',
									[node, ...Array.from(node.querySelectorAll('*'))]
										.filter((el) => !el.closest('[data-test-id=canvas-handle-plus-wrapper]'))
										.map((el) => el.getBoundingClientRect())
										.filter((r) => r.width > 0 && r.height > 0),
								),
						);
						const notes = Array.from(document.querySelectorAll('[data-test-id=sticky]')).map(
							(note, index) =>
								box(`note ${index + 1}`, [
									(note.closest('.vue-flow__node') ?? note).getBoundingClientRect(),
								]),
						);
						return { nodes, notes };
					});
					const text = JSON.stringify(now);
					const settled = text === previous;
					previous = text;
					return settled ? now : undefined;
				},
				{ timeoutMs: 10_000, intervalMs: 300 },
			);
			for (const note of boxes.notes)
				for (const node of boxes.nodes)
					if (overlaps(note, node))
						problems.push(
							`${example.file}: "${node.name}" ${where(node)} overlaps ${note.name} ${where(note)}`,
						);
			boxes.nodes.forEach((node, index) => {
				for (const other of boxes.nodes.slice(index + 1))
					if (overlaps(node, other))
						problems.push(
							`${example.file}: "${node.name}" ${where(node)} overlaps "${other.name}" ${where(other)}`,
						);
			});
		}
		expect(problems).toEqual([]);
	});

	test('every field a panel shows is named in the field guide (docs/fields.md) or another guide', () => {
		const docsDir = path.join(REPO_ROOT, 'docs');
		const guides = readdirSync(docsDir)
			.filter((file) => file.endsWith('.md'))
			.map((file) => readFileSync(path.join(docsDir, file), 'utf8'))
			.join('\n');
		const undocumented = panels.flatMap((panel) =>
			panel.expectedLabels
				.filter((label) => !guides.includes(label))
				.map((label) => `${panel.title}: "${label}"`),
		);
		expect(undocumented).toEqual([]);
	});

	test('docs/screenshots holds one screenshot per panel, and README.md shows only those', async () => {
		const files = (await fs.readdir(SCREENSHOT_DIR)).filter((file) => file.endsWith('.jpg'));
		expect(files.sort()).toEqual(panels.map((panel) => panel.screenshot).sort());
		const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
		const used = [...readme.matchAll(/docs\/screenshots\/([\w.-]+)/g)].map((match) => match[1]);
		expect(used.length).toBeGreaterThan(0);
		for (const file of used) expect(files).toContain(file);
	});
});
