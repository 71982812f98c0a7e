/**
 * AI-agent tools: n8n 2.41.1 turns every node with `usableAsTool` into a second node type,
 * `<type>Tool` (its load-nodes-and-credentials step calls createAiTools): no main input, one
 * `ai_tool` output, a "Tool Description" field whose default is the node's description. The
 * editor reads the loaded types from /types/nodes.json, as the first part of this file does
 * (n8n only: no sandbox, no test-file lock).
 *
 * The second part runs each tool variant as an agent calls it, without a language model: the
 * editor's "Execute step" on a tool connected to an AI Agent. n8n then swaps the agent for its
 * Tool Executor (n8n-core rewireGraph), which calls the tool with the arguments of the run's
 * `agentRequest`; the tool's `$fromAI()` parameters take them.
 */
import type { INode, INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { N8nClient, type CredentialRef } from '../harness/client';
import { CREDENTIAL_TYPES, NODE_TYPES } from '../harness/project';
import {
	expectBearer,
	expectKeyHeader,
	LOCK_WAIT_MS,
	openContext,
	wire,
	type E2eContext,
} from './support';
import { readState } from './state';
import type { ProviderName, RecordedRequest } from '../sandbox/types';

let types: Map<string, INodeTypeDescription>;

beforeAll(async () => {
	const n8n = new N8nClient(readState().n8nUrl);
	await n8n.login();
	const list = await n8n.rest<INodeTypeDescription[]>('GET', '/types/nodes.json');
	types = new Map(list.map((type) => [type.name, type]));
});

/** The operations a node offers, with the description an agent reads for each. */
function operations(
	type: INodeTypeDescription,
): Array<{ resource: string; name: string; description: string }> {
	const result: Array<{ resource: string; name: string; description: string }> = [];
	for (const property of type.properties.filter((p) => p.name === 'operation')) {
		const [resource] = (property.displayOptions?.show?.resource as string[] | undefined) ?? [''];
		for (const option of (property.options ?? []) as Array<{
			name: string;
			value: string;
			description?: string;
		}>) {
			// n8n adds "Custom API Call" to nodes whose credential it can reuse in an HTTP request.
			if (option.value === '__CUSTOM_API_CALL__') continue;
			result.push({ resource, name: option.name, description: option.description ?? '' });
		}
	}
	return result;
}

const NODES = [
	{
		key: 'helloAnnie',
		displayName: 'HelloAnnie',
		callPlacing: [
			['call', 'Start'],
			['sms', 'Start Conversation'],
			// As SMS, a conversation created texts a patient.
			['conversation', 'Create'],
		],
	},
	{ key: 'alloMia', displayName: 'AlloMia', callPlacing: [['call', 'Create Outbound']] },
	{
		key: 'aiCaller',
		displayName: 'AICaller',
		callPlacing: [
			['phoneCall', 'Create'],
			['phoneCall', 'Create Many'],
		],
	},
] as const;

describe.each(NODES)('$displayName', ({ key, displayName, callPlacing }) => {
	test(`n8n loaded the tool variant ${NODE_TYPES[key]}Tool next to the node`, () => {
		const node = types.get(NODE_TYPES[key]);
		const tool = types.get(`${NODE_TYPES[key]}Tool`);
		expect(node?.usableAsTool).toBe(true);
		expect(tool).toBeDefined();
		if (!node || !tool) return;

		expect(tool.displayName).toBe(`${displayName} Tool`);
		expect(tool.inputs).toEqual([]);
		expect(tool.outputs).toEqual(['ai_tool']);
		// The API key's credential first; the node's other credentials (a trigger's secret, shown
		// only with Add Callback Token / Add Webhook Secret) come along as the node declares them.
		// (HelloAnnie's shows it for Authentication: API Key, beside its OAuth2 credential.)
		expect(tool.credentials?.[0]).toMatchObject({ name: CREDENTIAL_TYPES[key], required: true });
		expect(tool.credentials).toEqual(node.credentials);
		expect(tool.codex?.categories).toContain('AI');
		expect(tool.codex?.subcategories?.AI).toContain('Tools');

		// What the agent is told the tool does: the node's description unless set by hand…
		const toolDescription = tool.properties.find(
			(p) => p.name === 'toolDescription',
		) as INodeProperties;
		expect(toolDescription).toMatchObject({
			type: 'string',
			required: true,
			default: node.description,
		});
		expect(node.description.length).toBeGreaterThan(20);
		// …or, set automatically, the description of the chosen resource and operation.
		const descriptionType = tool.properties.find((p) => p.name === 'descriptionType');
		expect(descriptionType).toMatchObject({ default: 'auto' });
		expect(operations(tool)).toEqual(operations(node));
		for (const { description } of operations(tool)) expect(description.length).toBeGreaterThan(10);
	});

	test('the operations that call or text someone tell the agent that they reach a real person', () => {
		const tool = types.get(`${NODE_TYPES[key]}Tool`);
		expect(tool).toBeDefined();
		if (!tool) return;
		const byName = new Map(
			operations(tool).map((op) => [`${op.resource}/${op.name}`, op.description]),
		);
		for (const [resource, name] of callPlacing) {
			expect(`${resource}/${name}: ${byName.get(`${resource}/${name}`)}`).toMatch(
				/\breal (phone number|person|people)/i,
			);
		}
		// The others (reads, phone-number management) do not cry wolf.
		const others = operations(tool).filter(
			(op) => !callPlacing.some(([resource, name]) => resource === op.resource && name === op.name),
		);
		expect(others.length).toBeGreaterThan(0);
		for (const op of others)
			expect(`${op.resource}/${op.name}: ${op.description}`).not.toMatch(
				/\breal (phone|person|people)/i,
			);
	});
});

describe('the tool variants run as an agent calls them (Tool Executor, no language model)', () => {
	let ctx: E2eContext;
	let all: Awaited<ReturnType<E2eContext['sandbox']['allFixtures']>>;

	jest.setTimeout(120_000);

	// Waits for the other e2e test files first (they share the sandbox).
	beforeAll(async () => {
		ctx = await openContext();
		all = await ctx.sandbox.allFixtures();
	}, LOCK_WAIT_MS + 60_000);

	afterAll(async () => {
		await ctx?.close();
	});

	beforeEach(async () => {
		await ctx.sandbox.reset();
	});

	/**
	 * Manual Trigger → AI Agent, with the tool on the agent's tool input; runs the tool as the
	 * editor's "Execute step" does, the agent asking for `args`. Returns what the tool handed back
	 * to the agent and the requests the provider received.
	 */
	async function runTool(
		key: 'helloAnnie' | 'alloMia' | 'aiCaller',
		provider: ProviderName,
		credential: CredentialRef,
		parameters: INode['parameters'],
		args: Record<string, string>,
	): Promise<{ response: unknown; requests: RecordedRequest[] }> {
		const toolName = `${key} tool`;
		const nodes: INode[] = [
			{
				id: 'b0000000-0000-4000-8000-000000000001',
				name: 'Input',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'b0000000-0000-4000-8000-000000000002',
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 3.1,
				position: [240, 0],
				parameters: { options: {} },
			},
			{
				id: 'b0000000-0000-4000-8000-000000000003',
				name: toolName,
				type: `${NODE_TYPES[key]}Tool`,
				typeVersion: 1,
				position: [240, 200],
				parameters: { descriptionType: 'auto', ...parameters },
				credentials: { [credential.type]: { id: credential.id, name: credential.name } },
			},
		];
		const stored = await ctx.n8n.createWorkflow({
			name: `e2e ${toolName} as an agent's tool`,
			nodes,
			connections: {
				Input: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
				[toolName]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
			pinData: { Input: [{ json: {} }] },
		});
		// The agent's request names the tool as n8n names it for the model (spaces → underscores).
		const agentToolName = toolName.replace(/ /g, '_');
		const { executionId } = await ctx.n8n.rest<{ executionId: string }>(
			'POST',
			`/rest/workflows/${stored.id}/run`,
			{
				triggerToStartFrom: { name: 'Input' },
				destinationNode: { nodeName: toolName, mode: 'inclusive' },
				agentRequest: { query: { [agentToolName]: args }, tool: { name: agentToolName } },
			},
		);
		const execution = await ctx.n8n.waitForExecution(executionId);
		expect(execution.status).toBe('success');
		const run = execution.data.resultData.runData[toolName]?.[0];
		const [[item]] = (run?.data?.ai_tool ?? [[]]) as Array<Array<{ json: { response: unknown } }>>;
		return { response: item?.json.response, requests: await ctx.sandbox.requests(provider) };
	}

	test('HelloAnnie Tool: Conversation → Get with the conversation ID the agent gives', async () => {
		const { archived, parentConversationId, ...conversation } = all.helloAnnie.conversations[0];
		expect({ archived, parentConversationId }).toEqual({
			archived: false,
			parentConversationId: null,
		});
		const { response, requests } = await runTool(
			'helloAnnie',
			'helloannie',
			ctx.state.credentials.helloAnnie,
			{
				resource: 'conversation',
				operation: 'get',
				conversationId: "={{ $fromAI('conversationId', 'ID of the conversation', 'string') }}",
			},
			{ conversationId: conversation.conversationId },
		);
		// With the shared vocabulary: a CLOSED conversation has ended, how is not documented.
		expect(response).toEqual([
			{
				...conversation,
				callEnded: true,
				endReason: 'unknown',
				callBackAt: null,
				outcome: null,
				summary: conversation.summary,
				durationSeconds: null,
			},
		]);
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: `/conversations/${conversation.conversationId}`,
				query: {},
				body: undefined,
			},
		]);
		expectBearer(requests[0], all.helloAnnie.apiKey);
	});

	test('AlloMia Tool: Call → Get Many filtered by the call type the agent gives', async () => {
		const { response, requests } = await runTool(
			'alloMia',
			'allomia',
			ctx.state.credentials.alloMia,
			{
				resource: 'call',
				operation: 'getAll',
				returnAll: false,
				limit: 5,
				filters: { callType: "={{ $fromAI('callType', 'Inbound, Outbound or Web', 'string') }}" },
			},
			{ callType: 'Outbound' },
		);
		expect(
			(response as Array<{ id: string; callType: string }>).map((c) => [c.id, c.callType]),
		).toEqual([
			['c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e62', 'Outbound'],
			['c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51', 'Outbound'],
		]);
		expect(requests.map(wire)).toEqual([
			{
				method: 'GET',
				path: '/api/calls',
				query: {
					organizationId: all.alloMia.organizationId,
					page: '1',
					limit: '5',
					callType: 'Outbound',
				},
				body: undefined,
			},
		]);
		expectBearer(requests[0], all.alloMia.apiKey);
	});

	test('AICaller Tool: Phone Call → Get with the call ID the agent gives', async () => {
		const [call] = all.aiCaller.calls;
		const { response, requests } = await runTool(
			'aiCaller',
			'aicaller',
			ctx.state.credentials.aiCaller,
			{
				resource: 'phoneCall',
				operation: 'get',
				phoneCallId: "={{ $fromAI('phoneCallId', 'ID of the phone call', 'string') }}",
			},
			{ phoneCallId: call._id },
		);
		// With the shared vocabulary: the fixture call completed (ENDED_NORMALLY) after 176 s.
		expect(response).toEqual([
			{
				...call,
				callEnded: true,
				endReason: 'completed',
				callBackAt: null,
				outcome: null,
				summary: null,
				durationSeconds: 176,
			},
		]);
		expect(requests.map(wire)).toEqual([
			{ method: 'GET', path: `/v1/phoneCalls/${call._id}`, query: {}, body: undefined },
		]);
		expectKeyHeader(requests[0], 'aicaller-api-key', all.aiCaller.apiKey);
	});
});
