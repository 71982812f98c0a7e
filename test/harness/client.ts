/**
 * A client of a running n8n: the editor's own REST API (cookie session: owner set-up and login,
 * workflows, activation, executions, credential tests) and production webhooks.
 */
import type {
	INode,
	INodeExecutionData,
	IConnections,
	IRunExecutionData,
	IWorkflowSettings,
} from 'n8n-workflow';

import { waitFor } from './processes';

/** The local owner account (n8n's password rule: 8+ characters, a digit and an upper-case letter). */
export const OWNER = {
	email: 'owner@sandbox.local',
	password: 'Sandbox-0wner',
	firstName: 'Sandbox',
	lastName: 'Owner',
} as const;

/** A credential stored in n8n, as workflows and the credential test reference it. */
export type CredentialRef = { id: string; name: string; type: string };

export interface WorkflowJson {
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	pinData?: Record<string, Array<{ json: Record<string, unknown> }>>;
	meta?: Record<string, unknown>;
	tags?: unknown[];
}

export interface StoredWorkflow {
	id: string;
	versionId: string;
	name: string;
}

export interface Execution {
	id: string;
	status: string;
	mode: string;
	workflowId: string;
	data: IRunExecutionData;
}

export interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage: string | null }>;
}

export interface HttpAnswer {
	status: number;
	body: unknown;
	text: string;
}

/** n8n stores run data in the `flatted` format (a table of values with string references). */
function parseFlatted(text: string): unknown {
	const table = JSON.parse(text) as unknown;
	if (!Array.isArray(table)) return table;
	const resolved = new Map<number, unknown>();
	const resolve = (index: number): unknown => {
		const value: unknown = table[index];
		if (value === null || typeof value !== 'object') return value;
		const seen = resolved.get(index);
		if (seen !== undefined) return seen;
		const out: Record<string, unknown> = Array.isArray(value)
			? ([] as unknown as Record<string, unknown>)
			: {};
		resolved.set(index, out);
		// Inside objects every string is a reference into the table; numbers, booleans, null are inline.
		for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
			out[key] = typeof entry === 'string' ? resolve(Number(entry)) : entry;
		}
		return out;
	};
	return resolve(0);
}

const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);

/**
 * The editor's own REST API (cookie session), plus production webhooks. Execution details come
 * from GET /rest/executions/:id, the data the editor shows for a run.
 */
export class N8nClient {
	private cookie = '';

	constructor(readonly baseUrl: string) {}

	async raw(
		method: string,
		urlPath: string,
		body?: unknown,
		timeoutMs = 60_000,
	): Promise<HttpAnswer> {
		const response = await fetch(`${this.baseUrl}${urlPath}`, {
			method,
			headers: {
				'content-type': 'application/json',
				accept: 'application/json',
				...(this.cookie ? { cookie: this.cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const setCookie = response.headers.get('set-cookie');
		const auth = setCookie && /(?:^|,\s*)(n8n-auth=[^;]*)/.exec(setCookie);
		if (auth) this.cookie = auth[1];
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = text ? (JSON.parse(text) as unknown) : undefined;
		} catch {
			// not JSON: keep the text
		}
		return { status: response.status, body: parsed, text };
	}

	/** The bytes of one file in n8n's binary data store (an item's `binary.<name>.id`), as the editor downloads it. */
	async binaryData(id: string): Promise<Buffer> {
		const response = await fetch(
			`${this.baseUrl}/rest/binary-data?id=${encodeURIComponent(id)}&action=download`,
			{ headers: this.cookie ? { cookie: this.cookie } : {}, signal: AbortSignal.timeout(60_000) },
		);
		if (!response.ok) throw new Error(`n8n GET /rest/binary-data answered ${response.status}`);
		return Buffer.from(await response.arrayBuffer());
	}

	/** A REST call that must succeed; returns the `data` member n8n wraps answers in. */
	async rest<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
		const answer = await this.raw(method, urlPath, body);
		if (answer.status >= 300) {
			throw new Error(
				`n8n ${method} ${urlPath} answered ${answer.status}: ${answer.text.slice(0, 500)}`,
			);
		}
		const parsed = answer.body as { data?: T } | T;
		return parsed !== null && typeof parsed === 'object' && 'data' in (parsed as object)
			? (parsed as { data: T }).data
			: (parsed as T);
	}

	/** Creates the owner on a fresh instance, or logs in where one exists (a kept dev folder). */
	async ensureOwner(): Promise<void> {
		const setup = await this.raw('POST', '/rest/owner/setup', OWNER);
		if (setup.status < 300) return;
		await this.login();
	}

	/**
	 * The owner's session cookie, to hand to another client (the e2e test files): n8n allows 5
	 * logins per minute per account, fewer than the test files that start within a minute.
	 */
	get sessionCookie(): string {
		return this.cookie;
	}

	useSessionCookie(cookie: string): void {
		this.cookie = cookie;
	}

	async login(): Promise<void> {
		await this.rest('POST', '/rest/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
	}

	async nodeTypeNames(): Promise<string[]> {
		const types = await this.rest<Array<{ name: string }>>('GET', '/types/nodes.json');
		return types.map((t) => t.name);
	}

	async credentialTypeNames(): Promise<string[]> {
		const types = await this.rest<Array<{ name: string }>>('GET', '/types/credentials.json');
		return types.map((t) => t.name);
	}

	/** Creates a credential as the editor does (n8n encrypts `data`); returns its reference. */
	async createCredential(
		name: string,
		type: string,
		data: Record<string, string>,
	): Promise<CredentialRef> {
		const created = await this.rest<{ id: string; name: string; type: string }>(
			'POST',
			'/rest/credentials',
			{
				name,
				type,
				data,
			},
		);
		return { id: created.id, name: created.name, type: created.type };
	}

	/** Deletes a stored credential; one that does not exist (404) is fine. */
	async deleteCredentialIfPresent(id: string): Promise<void> {
		const answer = await this.raw('DELETE', `/rest/credentials/${encodeURIComponent(id)}`);
		if (answer.status >= 300 && answer.status !== 404)
			throw new Error(
				`n8n DELETE /rest/credentials/${id} answered ${answer.status}: ${answer.text.slice(0, 300)}`,
			);
	}

	async createWorkflow(workflow: WorkflowJson): Promise<StoredWorkflow> {
		return await this.rest<StoredWorkflow>('POST', '/rest/workflows', workflow);
	}

	/** Publishes (activates) the workflow: its production webhooks get registered. */
	async activateWorkflow(workflow: StoredWorkflow): Promise<void> {
		await this.rest('POST', `/rest/workflows/${workflow.id}/activate`, {
			versionId: workflow.versionId,
		});
	}

	/**
	 * Unpublishes (deactivates) the workflow: n8n removes its production webhooks and runs the
	 * trigger nodes' webhookMethods.delete (e.g. the HelloAnnie bot webhook is deleted).
	 */
	async deactivateWorkflow(workflowId: string): Promise<void> {
		await this.rest('POST', `/rest/workflows/${workflowId}/deactivate`, {});
	}

	/**
	 * n8n 2.41 publishes (activates and deactivates) through an outbox, after the REST call has
	 * answered: this is where a trigger's activation result shows — `published`, or `failed` with
	 * the node's error message.
	 */
	async publicationStatus(workflowId: string): Promise<PublicationStatus> {
		return await this.rest<PublicationStatus>(
			'GET',
			`/rest/workflows/${workflowId}/publication-status`,
		);
	}

	/** Waits until n8n has applied the last activation / deactivation of the workflow. */
	async waitForPublication(workflowId: string, timeoutMs = 30_000): Promise<PublicationStatus> {
		return await waitFor(
			`n8n to finish publishing workflow ${workflowId}`,
			async () => {
				const status = await this.publicationStatus(workflowId);
				return status.status === 'in_progress' ? undefined : status;
			},
			{ timeoutMs, intervalMs: 50 },
		);
	}

	/** The workflow as stored, with its static data (what trigger nodes keep between requests). */
	async getWorkflow(
		workflowId: string,
	): Promise<StoredWorkflow & { active: boolean; staticData?: unknown; nodes: INode[] }> {
		return await this.rest('GET', `/rest/workflows/${workflowId}`);
	}

	async listWorkflows(): Promise<Array<{ id: string; name: string }>> {
		return await this.rest<Array<{ id: string; name: string }>>('GET', '/rest/workflows');
	}

	/** Runs a saved workflow from its trigger, as "Execute workflow" in the editor does. */
	async runManually(workflowId: string, triggerName: string): Promise<string> {
		const result = await this.rest<{ executionId?: string; waitingForWebhook?: boolean }>(
			'POST',
			`/rest/workflows/${workflowId}/run`,
			{
				triggerToStartFrom: { name: triggerName },
			},
		);
		if (!result.executionId)
			throw new Error(`n8n did not start workflow ${workflowId}: ${JSON.stringify(result)}`);
		return result.executionId;
	}

	async getExecution(id: string): Promise<Execution> {
		const raw = await this.rest<{
			id: string;
			status: string;
			mode: string;
			workflowId: string;
			data: string;
		}>('GET', `/rest/executions/${id}`);
		return {
			id: raw.id,
			status: raw.status,
			mode: raw.mode,
			workflowId: raw.workflowId,
			data: parseFlatted(raw.data) as IRunExecutionData,
		};
	}

	async waitForExecution(id: string, timeoutMs = 60_000): Promise<Execution> {
		return await waitFor(
			`execution ${id} to finish`,
			async () => {
				const execution = await this.getExecution(id);
				return TERMINAL.has(execution.status) ? execution : undefined;
			},
			{ timeoutMs, intervalMs: 50 },
		);
	}

	/** Waits until the execution waits (a node put it to wait) or has ended. */
	async waitForExecutionToPause(id: string, timeoutMs = 60_000): Promise<Execution> {
		return await waitFor(
			`execution ${id} to wait or end`,
			async () => {
				const execution = await this.getExecution(id);
				return execution.status === 'waiting' || TERMINAL.has(execution.status)
					? execution
					: undefined;
			},
			{ timeoutMs, intervalMs: 50 },
		);
	}

	/** The newest execution of a workflow (ids are increasing integers), if any. */
	async latestExecutionId(workflowId: string): Promise<number> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const list = await this.rest<{ results: Array<{ id: string }> }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=1`,
		);
		return list.results.length ? Number(list.results[0].id) : 0;
	}

	/** Ids of the executions of a workflow, oldest first (the newest 100: n8n's page limit). */
	/** The workflow's executions, newest first, with their status only (the light list). */
	async executionStatuses(workflowId: string): Promise<Array<{ id: string; status: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const list = await this.rest<{ results: Array<{ id: string; status: string }> }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=100`,
		);
		return list.results.map(({ id, status }) => ({ id, status }));
	}

	async executionIds(workflowId: string): Promise<string[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const list = await this.rest<{ results: Array<{ id: string }> }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=100`,
		);
		// Each id once: n8n 2.41 has been seen to list one execution twice.
		return [...new Set(list.results.map((r) => r.id))].sort((a, b) => Number(a) - Number(b));
	}

	/**
	 * POSTs to a production webhook. Activation registers the webhook a moment after the REST call
	 * returns (measured ~0.3 s): a "not registered" 404 means nothing ran, so it is retried.
	 */
	async callWebhook(webhookPath: string, body: unknown, timeoutMs = 120_000): Promise<HttpAnswer> {
		return await waitFor(
			`webhook ${webhookPath} to be registered`,
			async () => {
				const answer = await this.raw('POST', `/webhook/${webhookPath}`, body, timeoutMs);
				if (answer.status === 404 && /not registered/.test(answer.text)) return undefined;
				return answer;
			},
			{ timeoutMs: 15_000, intervalMs: 100 },
		);
	}

	/** Runs an active webhook workflow once; returns the HTTP answer and that run's execution. */
	/**
	 * POSTs to a production webhook and waits for the execution it started to end, or with
	 * `untilPaused`, to end or wait.
	 */
	async runWebhook(
		workflowId: string,
		webhookPath: string,
		body: unknown,
		options: { untilPaused?: boolean } = {},
	): Promise<{ answer: HttpAnswer; execution: Execution }> {
		const before = await this.latestExecutionId(workflowId);
		const answer = await this.callWebhook(webhookPath, body);
		const id = await waitFor(
			`the execution of ${webhookPath}`,
			async () => {
				const latest = await this.latestExecutionId(workflowId);
				return latest > before ? String(latest) : undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 50 },
		);
		const execution = options.untilPaused
			? await this.waitForExecutionToPause(id)
			: await this.waitForExecution(id);
		return { answer, execution };
	}

	/** The editor's "Test" button of a credential: POST /rest/credentials/test. */
	async testCredential(
		credential: CredentialRef,
		data: Record<string, string>,
	): Promise<{ status: string; message: string }> {
		return await this.rest('POST', '/rest/credentials/test', {
			credentials: { id: credential.id, name: credential.name, type: credential.type, data },
		});
	}
}

/** Output items of a node in an execution (first run, first output unless told). */
export function nodeOutput(
	execution: Execution,
	nodeName: string,
	outputIndex = 0,
	runIndex = 0,
): INodeExecutionData[] {
	const run = execution.data.resultData.runData[nodeName]?.[runIndex];
	if (!run)
		throw new Error(
			`node "${nodeName}" did not run in execution ${execution.id} (status ${execution.status})`,
		);
	return run.data?.main?.[outputIndex] ?? [];
}
