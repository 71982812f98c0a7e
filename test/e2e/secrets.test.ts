/**
 * Webhook secrets live in credentials, never in workflow JSON or execution data. One workflow in
 * the real n8n holds the three triggers and the nodes that send their secrets (AICaller Phone
 * Call → Create with Add Webhook Secret, then Get; AlloMia Call → Create Outbound with Add
 * Callback Token), each secret in a credential. It is activated, run, and its calls call back.
 * Then the secrets are searched for, as raw text, in:
 * - the workflow as n8n's REST API gives it (static data included) and its version history;
 * - the file `n8n export:workflow` writes;
 * - every stored execution of the workflow (Create, Get, the three trigger runs), raw;
 * - n8n's SQLite database files themselves (credentials are stored encrypted).
 * Secrets are compared with booleans, never printed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import type { INode } from 'n8n-workflow';

import { nodeOutput, type CredentialRef, type WorkflowJson } from '../harness/client';
import { n8nEnv } from '../harness/n8n-server';
import { runCommand, waitFor } from '../harness/processes';
import { CREDENTIAL_TYPES, NODE_TYPES, PACKAGE_NAME } from '../harness/project';
import { ensureRuntime } from '../harness/runtime';
import type { CallbackAttempt } from '../sandbox/types';
import { LOCK_WAIT_MS, openContext, type E2eContext } from './support';

let ctx: E2eContext;
let workflowId: string | undefined;

// Activation, three callbacks and one `n8n export:workflow` (a second n8n process, ~10 s here).
jest.setTimeout(240_000);

beforeAll(async () => {
	ctx = await openContext();
}, LOCK_WAIT_MS + 60_000);

afterAll(async () => {
	if (workflowId) await ctx?.n8n.deactivateWorkflow(workflowId).catch(() => undefined);
	await ctx?.close();
});

const newSecret = () => randomBytes(32).toString('hex');

function node(
	name: string,
	type: string,
	parameters: INode['parameters'],
	extra: Partial<INode> = {},
): INode {
	return { id: randomUUID(), name, type, typeVersion: 1, position: [0, 0], parameters, ...extra };
}

const ref = (credential: CredentialRef) => ({ id: credential.id, name: credential.name });

async function control<T>(route: string, body: unknown = {}): Promise<T> {
	const response = await fetch(`${ctx.state.sandboxUrl}/__sandbox${route}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
	if (!response.ok) throw new Error(`sandbox ${route} answered ${response.status}`);
	return (await response.json()) as T;
}

/** Which of the named secrets occur in `text`; [] is the expected answer (never the values). */
function found(text: string, secrets: Record<string, string>): string[] {
	return Object.entries(secrets)
		.filter(([, secret]) => text.includes(secret))
		.map(([name]) => name);
}

test('no secret of the triggers is in the workflow, its export, its history, its executions or the database in clear', async () => {
	const fixtures = await ctx.sandbox.allFixtures();
	const secrets = { alloMiaToken: newSecret(), aiCallerSecret: newSecret() };
	const tokenCredential = await ctx.n8n.createCredential(
		`e2e secrets allomia ${randomUUID().slice(0, 8)}`,
		CREDENTIAL_TYPES.alloMiaCallback,
		{ token: secrets.alloMiaToken },
	);
	const secretCredential = await ctx.n8n.createCredential(
		`e2e secrets aicaller ${randomUUID().slice(0, 8)}`,
		CREDENTIAL_TYPES.aiCallerWebhook,
		{ secret: secrets.aiCallerSecret },
	);
	const hooks = { helloAnnie: randomUUID(), alloMia: randomUUID(), aiCaller: randomUUID() };
	const port = new URL(ctx.state.n8nUrl).port;
	const productionUrl = (webhookId: string, route: string) =>
		`http://localhost:${port}/webhook/${webhookId}/${route}`;
	const bot = fixtures.helloAnnie.bots[0].id;

	const workflow: WorkflowJson = {
		name: `e2e secrets ${randomUUID().slice(0, 8)}`,
		nodes: [
			node(
				'HelloAnnie Trigger',
				`${PACKAGE_NAME}.helloAnnieTrigger`,
				{ botId: { __rl: true, mode: 'id', value: bot } },
				{
					webhookId: hooks.helloAnnie,
					credentials: { [CREDENTIAL_TYPES.helloAnnie]: ref(ctx.state.credentials.helloAnnie) },
				},
			),
			node(
				'AlloMia Trigger',
				`${PACKAGE_NAME}.alloMiaTrigger`,
				{ statuses: [] },
				{
					webhookId: hooks.alloMia,
					credentials: { [CREDENTIAL_TYPES.alloMiaCallback]: ref(tokenCredential) },
				},
			),
			node(
				'AICaller Trigger',
				`${PACKAGE_NAME}.aiCallerTrigger`,
				{ events: ['phoneCall.completed'], secretCheck: 'header' },
				{
					webhookId: hooks.aiCaller,
					credentials: { [CREDENTIAL_TYPES.aiCallerWebhook]: ref(secretCredential) },
				},
			),
			node('Start', 'n8n-nodes-base.manualTrigger', {}),
			node(
				'Create',
				NODE_TYPES.aiCaller,
				{
					resource: 'phoneCall',
					operation: 'create',
					teamId: fixtures.aiCaller.teamId,
					callTemplateId: fixtures.aiCaller.callTemplates[0]._id,
					nameOfHuman: 'Jane',
					toPhoneNumber: '+15550102030',
					phoneCallWebhooks: {
						webhook: [
							{
								url: productionUrl(hooks.aiCaller, 'webhook'),
								subscribedEvent: 'phoneCall.completed',
							},
						],
					},
					addWebhookSecret: true,
				},
				{
					credentials: {
						[CREDENTIAL_TYPES.aiCaller]: ref(ctx.state.credentials.aiCaller),
						[CREDENTIAL_TYPES.aiCallerWebhook]: ref(secretCredential),
					},
				},
			),
			node(
				'Get',
				NODE_TYPES.aiCaller,
				{ resource: 'phoneCall', operation: 'get', phoneCallId: '={{ $json._id }}' },
				{ credentials: { [CREDENTIAL_TYPES.aiCaller]: ref(ctx.state.credentials.aiCaller) } },
			),
			node(
				'Create Outbound',
				NODE_TYPES.alloMia,
				{
					resource: 'call',
					operation: 'createOutbound',
					phoneNumber: '+15145551234',
					assistantId: fixtures.alloMia.assistants[0].id,
					phoneNumberId: fixtures.alloMia.phoneNumbers[0].id,
					callbackUrl: productionUrl(hooks.alloMia, 'callback'),
					addCallbackToken: true,
				},
				{
					credentials: {
						[CREDENTIAL_TYPES.alloMia]: ref(ctx.state.credentials.alloMia),
						[CREDENTIAL_TYPES.alloMiaCallback]: ref(tokenCredential),
					},
				},
			),
		],
		connections: {
			Start: {
				main: [
					[
						{ node: 'Create', type: 'main', index: 0 },
						{ node: 'Create Outbound', type: 'main', index: 0 },
					],
				],
			},
			Create: { main: [[{ node: 'Get', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
	// AICaller's webhooks carry the secret in a header here (the trigger's Secret Check: Header).
	await control('/aicaller/webhook-secret-mode', { mode: 'header' });
	const stored = await ctx.n8n.createWorkflow(workflow);
	workflowId = stored.id;
	await ctx.n8n.activateWorkflow(stored);
	expect((await ctx.n8n.waitForPublication(stored.id)).status).toBe('published');
	// The HelloAnnie token exists only in HelloAnnie's copy (the sandbox): derived, never stored.
	const upsert = (await ctx.sandbox.requests('helloannie')).find((r) => r.method === 'PUT');
	const helloAnnieToken = (upsert?.body as { authToken?: string } | undefined)?.authToken ?? '';
	expect(/^[0-9a-f]{64}$/.test(helloAnnieToken)).toBe(true);
	const all = { ...secrets, helloAnnieToken };

	// Create (the secret sent to AICaller) → Get, and Create Outbound (the token in its Callback URL).
	const manual = await ctx.n8n.waitForExecution(await ctx.n8n.runManually(stored.id, 'Start'));
	expect(manual.status).toBe('success');
	const sentCall = (await ctx.sandbox.requests('aicaller')).find((r) => r.method === 'POST');
	const sentHooks =
		(sentCall?.body as { phoneCallWebhooks?: Array<{ secret?: string }> }).phoneCallWebhooks ?? [];
	expect(sentHooks.map((hook) => hook.secret === secrets.aiCallerSecret)).toEqual([true]);
	const sentOutbound = (await ctx.sandbox.requests('allomia')).find(
		(r) => r.path === '/api/outbound',
	);
	const callbackUrl = (sentOutbound?.body as { callbackUrl?: string }).callbackUrl ?? '';
	expect(
		callbackUrl === `${productionUrl(hooks.alloMia, 'callback')}?token=${secrets.alloMiaToken}`,
	).toBe(true);
	const created = nodeOutput(manual, 'Create')[0].json;
	expect(created.phoneCallWebhooks).toEqual([
		{ url: productionUrl(hooks.aiCaller, 'webhook'), subscribedEvent: 'phoneCall.completed' },
	]);
	expect(nodeOutput(manual, 'Get')[0].json.phoneCallWebhooks).toEqual(created.phoneCallWebhooks);

	// The calls end and call back; the bot's webhook fires: three trigger executions.
	const before = new Set(await ctx.n8n.executionIds(stored.id));
	const aiCallerDone = await control<{ webhooks: CallbackAttempt[] }>(
		`/aicaller/calls/${String(created._id)}/complete`,
		{
			outcome: 'completed',
		},
	);
	expect(aiCallerDone.webhooks.map((w) => w.status)).toEqual([200]);
	const outboundCallId = String(nodeOutput(manual, 'Create Outbound')[0].json.outboundCallId);
	const alloMiaDone = await control<{ callback?: CallbackAttempt }>(
		`/allomia/calls/${outboundCallId}/complete`,
		{
			outcome: 'completed',
		},
	);
	expect(alloMiaDone.callback?.status).toBe(200);
	const fired = await control<CallbackAttempt>(`/helloannie/bots/${bot}/webhook/fire`, {
		event: 'conversation.ended',
		conversationId: '9b2f6c1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b',
	});
	expect(fired.status).toBe(200);
	const triggered = await waitFor(
		'the three trigger executions',
		async () => {
			const ids = (await ctx.n8n.executionIds(stored.id)).filter((id) => !before.has(id));
			return ids.length >= 3 ? ids : undefined;
		},
		{ timeoutMs: 30_000, intervalMs: 200 },
	);
	const executions = [manual.id, ...triggered];
	const outputs: string[] = [];
	for (const id of executions) {
		const execution = await ctx.n8n.waitForExecution(id);
		expect(execution.status).toBe('success');
		outputs.push(...Object.keys(execution.data.resultData.runData));
	}
	expect(outputs.sort()).toEqual(
		[
			'AICaller Trigger',
			'AlloMia Trigger',
			'Create',
			'Create Outbound',
			'Get',
			'HelloAnnie Trigger',
			'Start',
		].sort(),
	);

	// Stored executions, as n8n stores and serves them (raw, before any parsing).
	for (const id of executions) {
		const raw = await ctx.n8n.raw('GET', `/rest/executions/${id}`);
		expect(raw.status).toBe(200);
		expect({ execution: id, found: found(raw.text, all) }).toEqual({ execution: id, found: [] });
	}

	// The workflow through the REST API (static data included) and its version history.
	const rest = await ctx.n8n.raw('GET', `/rest/workflows/${stored.id}`);
	expect(rest.status).toBe(200);
	expect(rest.text).toContain(tokenCredential.id);
	expect(found(rest.text, all)).toEqual([]);
	const history = await ctx.n8n.raw('GET', `/rest/workflow-history/workflow/${stored.id}?take=100`);
	expect(history.status).toBe(200);
	const versions = (history.body as { data?: Array<{ versionId: string }> }).data ?? [];
	expect(versions.length).toBeGreaterThan(0);
	for (const { versionId } of versions) {
		const version = await ctx.n8n.raw(
			'GET',
			`/rest/workflow-history/workflow/${stored.id}/version/${versionId}`,
		);
		expect(version.status).toBe(200);
		expect(found(version.text, all)).toEqual([]);
	}

	// n8n's own export, a second n8n process on the same user folder and database.
	const runtime = await ensureRuntime();
	const output = path.join(ctx.state.runDir, `export-${stored.id}.json`);
	const env = n8nEnv(runtime, {
		userFolder: ctx.state.userFolder,
		port: Number(port),
		brokerPort: Number(port) + 1,
		filesDir: ctx.state.filesDir,
	});
	await runCommand(
		runtime.nodeBin,
		[runtime.n8nBin, 'export:workflow', `--id=${stored.id}`, `--output=${output}`],
		{
			env,
			timeoutMs: 3 * 60_000,
		},
	);
	const exported = await fs.readFile(output, 'utf8');
	await fs.rm(output, { force: true });
	expect(exported).toContain(stored.id);
	expect(exported).toContain(secretCredential.id);
	expect(found(exported, all)).toEqual([]);

	// The database itself: credentials are there, encrypted; nothing else holds the secrets.
	const folder = path.join(ctx.state.userFolder, '.n8n');
	const files = (await fs.readdir(folder)).filter((name) => name.startsWith('database.sqlite'));
	expect(files).toContain('database.sqlite');
	let database = '';
	for (const name of files)
		database += (await fs.readFile(path.join(folder, name))).toString('latin1');
	expect(database).toContain(workflow.name);
	expect(found(database, all)).toEqual([]);
});
