/**
 * Runs this package's nodes inside n8n's own execution engine (n8n-core's WorkflowExecute),
 * in-process, against the provider sandbox. Parameters go through n8n's parameter resolution
 * and expressions, requests through n8n-core's HTTP helper and the credential's `authenticate`,
 * errors through n8n's continueOnFail handling. Nothing of the node is mocked.
 *
 * What n8n's server would supply is supplied here: a node-type registry with a small
 * "Test Items" source node, and a credentials helper that holds plain credentials and applies a
 * credential type's generic `authenticate` block. An OAuth2 credential (one that extends
 * `oAuth2Api`) is handled as n8n's server does it: n8n-core's own OAuth2 request helper gets and
 * renews its token, and the helper below keeps the token with the credential, where the next
 * request (and the test) reads it.
 */
import { ExecutionLifecycleHooks, LoadOptionsContext, WorkflowExecute } from 'n8n-core';
import {
	type IConnections,
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IWorkflowExecuteAdditionalData,
	type IRequestOptionsSimplified,
	type INodeListSearchResult,
	type ILoadOptionsFunctions,
} from 'n8n-workflow';
import { AiCallerApi } from '../../credentials/AiCallerApi.credentials';
import { AlloMiaApi } from '../../credentials/AlloMiaApi.credentials';
import { AlloMiaCallbackApi } from '../../credentials/AlloMiaCallbackApi.credentials';
import { AiCallerWebhookApi } from '../../credentials/AiCallerWebhookApi.credentials';
import { HelloAnnieApi } from '../../credentials/HelloAnnieApi.credentials';
import { HelloAnnieOAuth2Api } from '../../credentials/HelloAnnieOAuth2Api.credentials';
import { AiCaller } from '../../nodes/AiCaller/AiCaller.node';
import { AlloMia } from '../../nodes/AlloMia/AlloMia.node';
import { HelloAnnie } from '../../nodes/HelloAnnie/HelloAnnie.node';
import { useInMemoryDeduplication } from './deduplication';

class TestItems implements INodeType {
	description = {
		displayName: 'Test Items',
		name: 'testItems',
		group: ['input'],
		version: 1,
		description: 'Emits the items given in its parameter',
		defaults: { name: 'Test Items' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{ displayName: 'Items', name: 'items', type: 'json', default: '[]' },
		] as INodeProperties[],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0) as string | IDataObject[];
		const items = (typeof raw === 'string' ? JSON.parse(raw) : raw) as IDataObject[];
		return [items.map((json) => ({ json }))];
	}
}

const NODE_TYPES: Record<string, INodeType> = {
	'test.items': new TestItems(),
	'n8n-nodes-ai-phone-agents.helloAnnie': new HelloAnnie(),
	'n8n-nodes-ai-phone-agents.alloMia': new AlloMia(),
	'n8n-nodes-ai-phone-agents.aiCaller': new AiCaller(),
};

/** Adds a node type that only a test uses (e.g. one that calls a shared helper directly). */
export function registerNodeType(type: string, node: INodeType): void {
	NODE_TYPES[type] = node;
}

const CREDENTIAL_TYPES: Record<string, ICredentialType> = {
	helloAnnieApi: new HelloAnnieApi(),
	helloAnnieOAuth2Api: new HelloAnnieOAuth2Api(),
	alloMiaApi: new AlloMiaApi(),
	aiCallerApi: new AiCallerApi(),
	alloMiaCallbackApi: new AlloMiaCallbackApi(),
	aiCallerWebhookApi: new AiCallerWebhookApi(),
};

const nodeTypes: INodeTypes = {
	getByName: (type) => NODE_TYPES[type],
	getByNameAndVersion: (type) => NODE_TYPES[type],
	getKnownTypes: () => ({}),
};

/** `=Bearer {{$credentials.apiKey}}` → `Bearer <key>`: the only expression form our credentials use. */
function resolveCredentialExpression(
	template: string,
	credentials: ICredentialDataDecryptedObject,
): string {
	if (!template.startsWith('=')) return template;
	return template
		.slice(1)
		.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, key: string) =>
			String(credentials[key] ?? ''),
		);
}

/**
 * The defaults of a credential type's hidden fields (an OAuth2 credential's grant, audience …):
 * a user cannot set them, and n8n adds them when it decrypts a credential.
 */
function hiddenDefaults(type: string): ICredentialDataDecryptedObject {
	const defaults: ICredentialDataDecryptedObject = {};
	for (const property of CREDENTIAL_TYPES[type]?.properties ?? []) {
		if (property.type === 'hidden') defaults[property.name] = property.default as string;
	}
	return defaults;
}

class PlainCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly store: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	/** What n8n's server answers: the types a credential type extends, nearest first. */
	getParentTypes(type: string): string[] {
		const parents = CREDENTIAL_TYPES[type]?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
	): Promise<IHttpRequestOptions> {
		const type = CREDENTIAL_TYPES[typeName];
		const options = requestOptions as IHttpRequestOptions;
		const auth = type?.authenticate;
		if (auth && typeof auth === 'object' && auth.type === 'generic') {
			const headers: IDataObject = { ...(options.headers ?? {}) };
			for (const [name, value] of Object.entries(auth.properties.headers ?? {})) {
				headers[name] = resolveCredentialExpression(String(value), credentials);
			}
			options.headers = headers;
		}
		return options;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these tests');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.store[type];
		if (!data) throw new Error(`No test credentials of type ${type}`);
		return { ...hiddenDefaults(type), ...data };
	}

	async updateCredentials(): Promise<void> {}

	/** Where n8n-core keeps an OAuth2 credential's new token: with the credential, as n8n's database does. */
	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.store[type] = { ...this.store[type], oauthTokenData: data.oauthTokenData };
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return CREDENTIAL_TYPES[type]?.properties ?? [];
	}
}

export interface NodeRunOptions {
	/** Node type, e.g. `n8n-nodes-ai-phone-agents.helloAnnie`. */
	type: string;
	parameters: IDataObject;
	/** Input items; one empty item when omitted (like a manual trigger). */
	items?: IDataObject[];
	credentials: Record<string, ICredentialDataDecryptedObject>;
	continueOnFail?: boolean;
	timezone?: string;
	/** How the execution was started: 'manual' (the editor's Execute buttons, the default) or a production mode. */
	mode?: 'manual' | 'trigger' | 'webhook';
}

export interface NodeRunResult {
	/** Output items of the node under test (main output 0). */
	items: INodeExecutionData[];
	/** The error that stopped the node, if it did. */
	error?: {
		message: string;
		description?: string | null;
		name: string;
		context?: IDataObject;
		httpCode?: string | null;
	};
	run: IRun;
}

/** What n8n's server supplies to a node run: the credentials helper above holding `credentials`. */
export function makeAdditionalData(
	workflowData: ConstructorParameters<typeof ExecutionLifecycleHooks>[2],
	credentials: Record<string, ICredentialDataDecryptedObject>,
): IWorkflowExecuteAdditionalData {
	const options = { credentials };
	const hooks = new ExecutionLifecycleHooks('manual', 'test-execution', workflowData);
	const base = 'http://127.0.0.1:5678';
	const additionalData = {
		credentialsHelper: new PlainCredentialsHelper(options.credentials),
		hooks,
		executeWorkflow: async () => {
			throw new Error('not used');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('not used');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	return additionalData;
}

/** A workflow as n8n stores it, for the execution hooks of an in-process run. */
export function storedWorkflow(
	id: string,
	name: string,
	nodes: INode[],
	connections: IConnections,
) {
	return {
		id,
		name,
		nodes,
		connections,
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		settings: {},
	};
}

const UNDER_TEST = 'Node Under Test';

export async function runNode(options: NodeRunOptions): Promise<NodeRunResult> {
	await useInMemoryDeduplication();
	const credentialTypes = Object.keys(options.credentials);
	const nodes: INode[] = [
		{
			id: 'items',
			name: 'Test Items',
			type: 'test.items',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(options.items ?? [{}]) },
		},
		{
			id: 'under-test',
			name: UNDER_TEST,
			type: options.type,
			typeVersion: 1,
			position: [200, 0],
			parameters: options.parameters as INode['parameters'],
			credentials: Object.fromEntries(
				credentialTypes.map((t) => [t, { id: `cred-${t}`, name: t }]),
			),
			...(options.continueOnFail
				? { onError: 'continueRegularOutput' as const, continueOnFail: true }
				: {}),
		},
	];
	const connections = {
		'Test Items': { main: [[{ node: UNDER_TEST, type: NodeConnectionTypes.Main, index: 0 }]] },
	};
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'test',
		nodes,
		connections,
		active: false,
		nodeTypes,
		settings: { timezone: options.timezone ?? 'America/Denver' },
	});
	const workflowData = storedWorkflow('test-workflow', 'test', nodes, connections);
	const additionalData = makeAdditionalData(workflowData, options.credentials);

	const execute = new WorkflowExecute(additionalData, options.mode ?? 'manual');
	const run = await execute.run({
		workflow,
		startNode: workflow.getNode('Test Items') ?? undefined,
	});
	const taskData = run.data.resultData.runData[UNDER_TEST]?.[0];
	const items = taskData?.data?.main?.[0] ?? [];
	const error = taskData?.error ?? run.data.resultData.error;
	return {
		items,
		run,
		error: error
			? {
					message: error.message,
					description: (error as { description?: string | null }).description,
					name: error.name,
					context: (error as { context?: IDataObject }).context,
					httpCode: (error as { httpCode?: string | null }).httpCode,
				}
			: undefined,
	};
}

/**
 * Runs one of a node's list searches (the editor's searchable dropdowns) as n8n's editor would,
 * with the node's other parameters as set in the panel (e.g. its Authentication).
 */
export async function listSearch(
	type: string,
	method: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	filter?: string,
	parameters: IDataObject = {},
): Promise<INodeListSearchResult> {
	const nodeType = NODE_TYPES[type];
	const node: INode = {
		id: 'under-test',
		name: UNDER_TEST,
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: Object.fromEntries(
			Object.keys(credentials).map((t) => [t, { id: `cred-${t}`, name: t }]),
		),
	};
	const workflowData = storedWorkflow('test-workflow', 'test', [node], {});
	const workflow = new Workflow({
		id: 'test-workflow',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes,
	});
	const context = new LoadOptionsContext(
		workflow,
		node,
		makeAdditionalData(workflowData, credentials),
		'parameters.x',
	);
	const search = nodeType.methods?.listSearch?.[method];
	if (!search) throw new Error(`${type} has no list search ${method}`);
	return await search.call(context as ILoadOptionsFunctions, filter);
}
