/**
 * The HelloAnnie Trigger's webhook registration and request check, driven through n8n-core's own
 * HookContext and WebhookContext against the sandbox: activation, deactivation and the editor's
 * "Listen for test event" run the node's webhookMethods as n8n's WebhookService does, and the
 * sandbox's bot webhook POSTs to a local 127.0.0.1 server that hands each request to the node's
 * webhook() as n8n's webhook routes do.
 *
 * Static data as n8n 2.41 keeps it (read in its source: webhooks/test-webhooks.js,
 * webhooks/live-webhooks.js, active-workflow-manager.js): an active workflow's static data is
 * loaded for every hook and request and saved afterwards (one Workflow object here); a test listen
 * gets a Workflow of its own with empty static data that is never saved. The listen tests also
 * run with one static data for both, as an n8n that shared it would.
 *
 * Tokens are compared, never printed: a failing assertion shows booleans and shapes.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HookContext, WebhookContext } from 'n8n-core';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeTypes,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowActivateMode,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { HelloAnnieTrigger } from '../../nodes/HelloAnnie/HelloAnnieTrigger.node';
import { useSandbox } from '../in-process/sandbox';
import { makeAdditionalData, storedWorkflow } from '../in-process/n8n-core';
import { SANDBOX_FIXTURES } from '../sandbox/server';
import type { RecordedRequest } from '../sandbox/types';

const sandbox = useSandbox();

const TYPE = 'n8n-nodes-ai-phone-agents.helloAnnieTrigger';
const trigger = new HelloAnnieTrigger();
const nodeTypes: INodeTypes = {
	getByName: () => trigger,
	getByNameAndVersion: () => trigger,
	getKnownTypes: () => ({}),
};
const [FRONT_DESK_BOT] = SANDBOX_FIXTURES.helloAnnie.bots.map((bot) => bot.id);
const API_KEY = SANDBOX_FIXTURES.helloAnnie.apiKey;
const ROTATED_KEY = 'annie-sk-v1-rotated-0123456789abcdef';
const PAYLOAD = {
	event: 'conversation.ended',
	conversationId: '9b2f6c1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b',
	summary: 'Confirmed',
};
const STARTED = { message: 'Workflow was started' };

type Listener = 'production' | 'test';
type HookMethod = 'checkExists' | 'create' | 'delete';

/** A request that reached a listener: what the node answered and whether it started the workflow. */
interface Delivery {
	listener: Listener;
	status: number;
	body: unknown;
	wwwAuthenticate: string | undefined;
	items?: IDataObject[];
}

/**
 * One workflow with a HelloAnnie Trigger, the part of n8n that serves it: its production and test
 * webhook URLs (a local server), its static data, and its credential (changeable, as in n8n's
 * credential editor).
 */
class TriggerWorkflow {
	readonly webhookId = randomUUID();

	readonly workflowId = `wf-${this.webhookId.slice(0, 8)}`;

	readonly node: INode;

	/** The HelloAnnie credential as stored in n8n: each read sees the latest. */
	readonly credentials: Record<string, ICredentialDataDecryptedObject>;

	/** The active workflow, with the static data n8n saves (kept across hooks and requests). */
	readonly production: Workflow;

	/** The workflow of the current test listen, if one is going on. */
	listen: Workflow | undefined;

	active = false;

	/** Every request that reached a listener, in order. */
	readonly deliveries: Delivery[] = [];

	private server: Server | undefined;

	private base = '';

	constructor(
		botId: string,
		/** true: the test listen uses the active workflow's static data (not what n8n 2.41 does). */
		private readonly sharedStaticData = false,
	) {
		this.node = {
			id: randomUUID(),
			name: 'HelloAnnie Trigger',
			type: TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: { botId: { __rl: true, mode: 'id', value: botId } },
			credentials: { helloAnnieApi: { id: 'cred-helloannie', name: 'HelloAnnie account' } },
			webhookId: this.webhookId,
		};
		this.credentials = { helloAnnieApi: { apiKey: API_KEY, baseUrl: sandbox.baseUrls.helloAnnie } };
		this.production = this.workflow({});
	}

	get productionUrl(): string {
		return `${this.base}/webhook/${this.webhookId}/webhook`;
	}

	get testUrl(): string {
		return `${this.base}/webhook-test/${this.webhookId}/webhook`;
	}

	async start(): Promise<void> {
		this.server = createServer((request, response) => {
			this.serve(request, response).catch((error: unknown) => {
				response.statusCode = 500;
				response.end(String(error));
			});
		});
		await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
		this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
	}

	/** Activation as n8n's ActiveWorkflowManager runs it: checkExists, then create if needed. */
	async activate(activation: WorkflowActivateMode = 'activate'): Promise<void> {
		if (!(await this.hook('production', 'checkExists', activation)))
			await this.hook('production', 'create', activation);
		this.active = true;
	}

	async deactivate(): Promise<void> {
		await this.hook('production', 'delete', 'update');
		this.active = false;
	}

	/** The editor's "Listen for test event" (TestWebhooks.needsWebhook). */
	async startListening(): Promise<void> {
		this.listen = this.sharedStaticData ? this.production : this.workflow({});
		if (!(await this.hook('test', 'checkExists', 'manual')))
			await this.hook('test', 'create', 'manual');
	}

	/** Listening stops (a test event arrived, the user stopped it, or it timed out): TestWebhooks.deactivateWebhooks. */
	async stopListening(): Promise<void> {
		await this.hook('test', 'delete', 'update');
		this.listen = undefined;
	}

	/** Both static data objects as JSON, to look for tokens in clear. */
	staticDataJson(): string {
		return JSON.stringify([this.production.staticData, this.listen?.staticData ?? null]);
	}

	productionStaticData(): IDataObject {
		return JSON.parse(
			JSON.stringify(this.production.getStaticData('node', this.node)),
		) as IDataObject;
	}

	/** Sends a POST as anyone could. */
	async post(url: string, token: string | undefined, body: unknown = PAYLOAD): Promise<Delivery> {
		const response = await fetch(url, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
			},
			body: JSON.stringify(body),
		});
		const text = await response.text();
		return {
			listener: url.includes('/webhook-test/') ? 'test' : 'production',
			status: response.status,
			body: text ? (JSON.parse(text) as unknown) : undefined,
			wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
		};
	}

	private workflow(staticData: IDataObject): Workflow {
		return new Workflow({
			id: this.workflowId,
			name: 'HelloAnnie Trigger test',
			nodes: [this.node],
			connections: {},
			active: false,
			nodeTypes,
			staticData,
		});
	}

	private additionalData(): IWorkflowExecuteAdditionalData {
		const additionalData = makeAdditionalData(
			storedWorkflow(this.workflowId, 'test', [this.node], {}),
			this.credentials,
		);
		additionalData.webhookBaseUrl = `${this.base}/webhook`;
		additionalData.webhookTestBaseUrl = `${this.base}/webhook-test`;
		return additionalData;
	}

	/** What n8n's WebhookService gives a hook and a request about the webhook (getNodeWebhooks). */
	private webhookData(
		listener: Listener,
		additionalData: IWorkflowExecuteAdditionalData,
	): IWebhookData {
		const [description] = trigger.description.webhooks ?? [];
		return {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.webhookId}/${String(description.path)}`,
			webhookDescription: description,
			workflowId: this.workflowId,
			workflowExecuteAdditionalData: additionalData,
			webhookId: this.webhookId,
			isTest: listener === 'test',
		};
	}

	/** Runs one webhook method as WebhookService.runWebhookMethod does, in the modes n8n 2.41 passes. */
	private async hook(
		listener: Listener,
		method: HookMethod,
		activation: WorkflowActivateMode,
	): Promise<boolean> {
		const workflow = listener === 'test' ? this.listen : this.production;
		if (!workflow) throw new Error('no test listen is going on');
		const mode: WorkflowExecuteMode =
			method === 'delete' ? 'internal' : listener === 'test' ? 'manual' : 'trigger';
		const additionalData = this.additionalData();
		const context = new HookContext(
			workflow,
			this.node,
			additionalData,
			mode,
			activation,
			this.webhookData(listener, additionalData),
		);
		return await trigger.webhookMethods.default[method].call(context);
	}

	/** n8n's webhook route: a registered URL runs the node's webhook(); anything else is 404. */
	private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const listener: Listener | undefined =
			request.url === `/webhook/${this.webhookId}/webhook` && this.active
				? 'production'
				: request.url === `/webhook-test/${this.webhookId}/webhook` && this.listen
					? 'test'
					: undefined;
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		if (!listener) {
			response.statusCode = 404;
			response.end(JSON.stringify({ message: 'webhook not registered' }));
			return;
		}
		// As n8n's body parser leaves it: the parsed JSON body and the exact bytes.
		const rawBody = Buffer.concat(chunks);
		Object.assign(request, {
			rawBody,
			body: /json/.test(request.headers['content-type'] ?? '')
				? (JSON.parse(rawBody.toString('utf8')) as unknown)
				: undefined,
			params: {},
			query: {},
		});
		// The part of express's response that n8n's webhook functions offer a node.
		const reply = {
			setHeader: (name: string, value: string) => response.setHeader(name, value),
			status(code: number) {
				response.statusCode = code;
				return reply;
			},
			json(body: unknown) {
				response.setHeader('content-type', 'application/json');
				response.end(JSON.stringify(body));
			},
		};
		const workflow = listener === 'test' ? this.listen : this.production;
		const additionalData = this.additionalData();
		Object.assign(additionalData, { httpRequest: request, httpResponse: reply });
		const mode: WorkflowExecuteMode = listener === 'test' ? 'manual' : 'webhook';
		const context = new WebhookContext(
			workflow as Workflow,
			this.node,
			additionalData,
			mode,
			this.webhookData(listener, additionalData),
			[],
			null,
		);
		const result: IWebhookResponseData = await trigger.webhook.call(context);
		const delivery: Delivery = { listener, status: 0, body: undefined, wwwAuthenticate: undefined };
		if (result.workflowData) {
			delivery.items = result.workflowData[0].map((item) => item.json);
			reply.status(200).json(STARTED);
		} else if (!result.noWebhookResponse) {
			reply.status(200).json(result.webhookResponse);
		}
		delivery.status = response.statusCode;
		const header = response.getHeader('www-authenticate');
		delivery.wwwAuthenticate = typeof header === 'string' ? header : undefined;
		this.deliveries.push(delivery);
	}
}

// -------------------------------------------------------------------------------------------------
// Helpers

const hex64 = /^[0-9a-f]{64}$/;
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The HelloAnnie requests the sandbox received, from the `from`th on. */
function webhookRequests(from = 0): RecordedRequest[] {
	return sandbox.requestsFor('helloannie').slice(from);
}

/** A recorded request with its token replaced by its shape. */
function seen(request: RecordedRequest) {
	const body = request.body as { url?: string; authToken?: unknown } | undefined;
	return {
		method: request.method,
		path: request.path,
		status: request.status,
		body: body && {
			...body,
			authToken:
				typeof body.authToken === 'string' && hex64.test(body.authToken)
					? '64 hex characters'
					: typeof body.authToken,
		},
	};
}

const tokenOf = (request: RecordedRequest) => (request.body as { authToken: string }).authToken;
const botPath = `/bots/${FRONT_DESK_BOT}/webhook`;
const get = { method: 'GET', path: botPath, status: 200, body: undefined };
const getNone = { method: 'GET', path: botPath, status: 404, body: undefined };
const put = (url: string) => ({
	method: 'PUT',
	path: botPath,
	status: 200,
	body: { url, authToken: '64 hex characters' },
});
const del = { method: 'DELETE', path: botPath, status: 200, body: undefined };

/** The bot's webhook as the sandbox holds it now. */
const botWebhook = () => sandbox.helloAnnie.state.webhooks.get(FRONT_DESK_BOT);

/** HelloAnnie calls the bot's webhook: what the receiver answered. */
async function fire(): Promise<{ status: number; body: unknown; url: string }> {
	const attempt = await sandbox.helloAnnie.fireBotWebhook(FRONT_DESK_BOT, PAYLOAD);
	return {
		status: attempt.status,
		body: attempt.responseBody ? (JSON.parse(attempt.responseBody) as unknown) : undefined,
		url: attempt.url,
	};
}

/** The hand-back token as the README describes it. */
const handBackToken = (apiKey: string, url: string) =>
	createHmac('sha256', apiKey)
		.update(`n8n-helloannie-bot-webhook-hand-back\n${FRONT_DESK_BOT}\n${url}`)
		.digest('hex');

const workflows: TriggerWorkflow[] = [];

async function triggerWorkflow(sharedStaticData = false): Promise<TriggerWorkflow> {
	const workflow = new TriggerWorkflow(FRONT_DESK_BOT, sharedStaticData);
	await workflow.start();
	workflows.push(workflow);
	return workflow;
}

afterEach(async () => {
	await Promise.all(workflows.splice(0).map((workflow) => workflow.stop()));
});

// -------------------------------------------------------------------------------------------------
// Activation, requests, deactivation

describe('HelloAnnie Trigger: activation and requests', () => {
	test('activation gives HelloAnnie a random token and keeps only its full SHA-256 digest; only that token starts the workflow', async () => {
		const workflow = await triggerWorkflow();
		await workflow.activate();
		const activation = webhookRequests();
		expect(activation.map(seen)).toEqual([put(workflow.productionUrl)]);
		const token = tokenOf(activation[0]);

		const data = workflow.productionStaticData();
		expect(data).toEqual({
			production: {
				botId: FRONT_DESK_BOT,
				url: workflow.productionUrl,
				tokenDigest: sha256Hex(token),
				handBackDigest: sha256Hex(handBackToken(API_KEY, workflow.productionUrl)),
			},
		});
		expect(workflow.staticDataJson().includes(token)).toBe(false);

		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
		expect(workflow.deliveries.map((d) => ({ listener: d.listener, items: d.items }))).toEqual([
			{ listener: 'production', items: [PAYLOAD] },
		]);

		for (const wrong of [
			undefined,
			randomBytes(32).toString('hex'),
			token.slice(0, -1),
			sha256Hex(token),
		]) {
			const answer = await workflow.post(workflow.productionUrl, wrong);
			expect({
				status: answer.status,
				body: answer.body,
				wwwAuthenticate: answer.wwwAuthenticate,
			}).toEqual({
				status: 401,
				body: { message: 'Unauthorized' },
				wwwAuthenticate: 'Bearer',
			});
		}
		expect(workflow.deliveries.filter((d) => d.items)).toHaveLength(1);
	});

	test('n8n starting again (activation "init") keeps a registration HelloAnnie still has: one read, no new token', async () => {
		const workflow = await triggerWorkflow();
		await workflow.activate();
		const token = tokenOf(webhookRequests()[0]);
		const from = webhookRequests().length;
		await workflow.activate('init');
		expect(webhookRequests(from).map(seen)).toEqual([get]);
		expect((await workflow.post(workflow.productionUrl, token)).status).toBe(200);
	});

	test('deactivation deletes the bot webhook while it points here, and forgets the registration', async () => {
		const workflow = await triggerWorkflow();
		await workflow.activate();
		const from = webhookRequests().length;
		await workflow.deactivate();
		expect(webhookRequests(from).map(seen)).toEqual([get, del]);
		expect(botWebhook()).toBeUndefined();
		expect(workflow.productionStaticData()).toEqual({});
	});
});

// -------------------------------------------------------------------------------------------------
// Listen for test event

describe.each([
	['its own static data (n8n 2.41)', false],
	['the static data of the active workflow', true],
])('HelloAnnie Trigger: Listen for test event with %s', (_model, sharedStaticData) => {
	test('takes the bot over, and gives it back to the production URL when it stops: HelloAnnie then starts the active workflow again', async () => {
		const workflow = await triggerWorkflow(sharedStaticData);
		await workflow.activate();
		const productionToken = tokenOf(webhookRequests()[0]);

		let from = webhookRequests().length;
		await workflow.startListening();
		const start = webhookRequests(from);
		expect(start.map(seen)).toEqual([get, put(workflow.testUrl)]);
		const testToken = tokenOf(start[1]);
		expect(testToken === productionToken).toBe(false);

		// While listening, HelloAnnie's requests go to the listen.
		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.testUrl });
		expect(workflow.deliveries.at(-1)).toMatchObject({ listener: 'test', items: [PAYLOAD] });
		// The listen's token does not open the production URL.
		expect((await workflow.post(workflow.productionUrl, testToken)).status).toBe(401);

		from = webhookRequests().length;
		await workflow.stopListening();
		const stop = webhookRequests(from);
		expect(stop.map(seen)).toEqual([get, put(workflow.productionUrl)]);
		expect(tokenOf(stop[1]) === handBackToken(API_KEY, workflow.productionUrl)).toBe(true);
		expect(botWebhook()?.url).toBe(workflow.productionUrl);

		// HelloAnnie's requests start the active workflow again, with the token it has now.
		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
		expect(workflow.deliveries.at(-1)).toMatchObject({ listener: 'production', items: [PAYLOAD] });
		// The production registration was not lost: the activation's token still opens it.
		expect((await workflow.post(workflow.productionUrl, productionToken)).status).toBe(200);
		// The listen is over: its URL is gone, its token opens nothing.
		expect((await workflow.post(workflow.testUrl, testToken)).status).toBe(404);
		expect((await workflow.post(workflow.productionUrl, testToken)).status).toBe(401);
		expect(workflow.productionStaticData()).toMatchObject({
			production: {
				botId: FRONT_DESK_BOT,
				url: workflow.productionUrl,
				tokenDigest: sha256Hex(productionToken),
			},
		});
		expect(workflow.productionStaticData().test).toBeUndefined();
		for (const token of [productionToken, testToken, tokenOf(stop[1])])
			expect(workflow.staticDataJson().includes(token)).toBe(false);

		// Deactivation then removes the bot's webhook as usual.
		from = webhookRequests().length;
		await workflow.deactivate();
		expect(webhookRequests(from).map(seen)).toEqual([get, del]);
		expect(botWebhook()).toBeUndefined();
	});

	test('with no workflow active, the bot has no webhook again when it stops', async () => {
		const workflow = await triggerWorkflow(sharedStaticData);
		await workflow.startListening();
		expect(webhookRequests().map(seen)).toEqual([getNone, put(workflow.testUrl)]);
		const testToken = tokenOf(webhookRequests()[1]);
		expect((await workflow.post(workflow.testUrl, testToken)).status).toBe(200);
		expect((await workflow.post(workflow.testUrl, randomBytes(32).toString('hex'))).status).toBe(
			401,
		);

		const from = webhookRequests().length;
		await workflow.stopListening();
		expect(webhookRequests(from).map(seen)).toEqual([get, del]);
		expect(botWebhook()).toBeUndefined();
	});

	test('deactivating the workflow while listening removes the bot webhook; the end of the listen gives nothing back', async () => {
		const workflow = await triggerWorkflow(sharedStaticData);
		await workflow.activate();
		await workflow.startListening();

		let from = webhookRequests().length;
		await workflow.deactivate();
		expect(webhookRequests(from).map(seen)).toEqual([get, del]);
		expect(botWebhook()).toBeUndefined();

		from = webhookRequests().length;
		await workflow.stopListening();
		expect(webhookRequests(from).map(seen)).toEqual([getNone]);
		expect(botWebhook()).toBeUndefined();
		expect(workflow.productionStaticData()).toEqual({});
	});

	test('a workflow activated while listening takes the bot back; the end of the listen leaves it there', async () => {
		const workflow = await triggerWorkflow(sharedStaticData);
		await workflow.startListening();
		await workflow.activate();
		const productionToken = tokenOf(webhookRequests().at(-1) as RecordedRequest);
		expect(botWebhook()?.url).toBe(workflow.productionUrl);

		const from = webhookRequests().length;
		await workflow.stopListening();
		expect(webhookRequests(from).map(seen)).toEqual([get]);
		expect(botWebhook()?.url).toBe(workflow.productionUrl);
		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
		expect((await workflow.post(workflow.productionUrl, productionToken)).status).toBe(200);
	});

	test("a listen that took the bot from another workflow removes it when it stops (the other workflow's token is unknown to it)", async () => {
		const other = await triggerWorkflow(sharedStaticData);
		await other.activate();
		const workflow = await triggerWorkflow(sharedStaticData);
		await workflow.startListening();
		const from = webhookRequests().length;
		await workflow.stopListening();
		expect(webhookRequests(from).map(seen)).toEqual([get, del]);
		expect(botWebhook()).toBeUndefined();
	});
});

// -------------------------------------------------------------------------------------------------
// Changing the credential's API key

describe('HelloAnnie Trigger: changing the API key in the credential', () => {
	test('the token registered before is still accepted, a wrong one refused', async () => {
		const workflow = await triggerWorkflow();
		await workflow.activate();
		const token = tokenOf(webhookRequests()[0]);
		workflow.credentials.helloAnnieApi = {
			...workflow.credentials.helloAnnieApi,
			apiKey: ROTATED_KEY,
		};

		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
		expect((await workflow.post(workflow.productionUrl, token)).status).toBe(200);
		expect(
			(await workflow.post(workflow.productionUrl, randomBytes(32).toString('hex'))).status,
		).toBe(401);
		// Not even one made with the new key over the URL: the only key-made token is the hand-back one.
		expect(
			(
				await workflow.post(
					workflow.productionUrl,
					createHmac('sha256', ROTATED_KEY).update(workflow.productionUrl).digest('hex'),
				)
			).status,
		).toBe(401);
		expect(workflow.deliveries.filter((d) => d.items)).toHaveLength(2);
	});

	test('after a test listen: the token the bot was given back with is still accepted', async () => {
		const workflow = await triggerWorkflow();
		await workflow.activate();
		await workflow.startListening();
		await workflow.stopListening();
		workflow.credentials.helloAnnieApi = {
			...workflow.credentials.helloAnnieApi,
			apiKey: ROTATED_KEY,
		};
		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
	});

	test('a key changed before the listen: its hand-back token is accepted, and still after another change', async () => {
		const workflow = await triggerWorkflow();
		await workflow.activate();
		workflow.credentials.helloAnnieApi = {
			...workflow.credentials.helloAnnieApi,
			apiKey: ROTATED_KEY,
		};
		// What a listen that stopped now would give the bot back with.
		const handBack = handBackToken(ROTATED_KEY, workflow.productionUrl);
		expect((await workflow.post(workflow.productionUrl, handBack)).status).toBe(200);
		expect(workflow.productionStaticData()).toMatchObject({
			production: { handBackDigest: sha256Hex(handBack) },
		});

		workflow.credentials.helloAnnieApi = {
			...workflow.credentials.helloAnnieApi,
			apiKey: `${ROTATED_KEY}-again`,
		};
		expect((await workflow.post(workflow.productionUrl, handBack)).status).toBe(200);
		expect(
			(
				await workflow.post(
					workflow.productionUrl,
					handBackToken(API_KEY, `${workflow.productionUrl}x`),
				)
			).status,
		).toBe(401);
	});
});

// -------------------------------------------------------------------------------------------------
// Workflows activated by the earlier version (token derived from the API key, a nonce and the URL)

describe('HelloAnnie Trigger: a registration of the earlier version', () => {
	/** Static data and bot webhook as the earlier version left them at activation. */
	function registeredByEarlierVersion(workflow: TriggerWorkflow): string {
		const nonce = randomBytes(32).toString('hex');
		const token = createHmac('sha256', API_KEY)
			.update(`n8n-helloannie-bot-webhook\n${nonce}\n${workflow.productionUrl}`)
			.digest('hex');
		Object.assign(workflow.production.getStaticData('node', workflow.node), {
			botId: FRONT_DESK_BOT,
			url: workflow.productionUrl,
			nonce,
			check: sha256Hex(token).slice(0, 16),
		});
		const now = new Date().toISOString();
		sandbox.helloAnnie.state.webhooks.set(FRONT_DESK_BOT, {
			botId: FRONT_DESK_BOT,
			url: workflow.productionUrl,
			authToken: token,
			createdAt: now,
			updatedAt: now,
		});
		workflow.active = true;
		return token;
	}

	test('keeps working, and from its first request on is checked by digest (the API key may change)', async () => {
		const workflow = await triggerWorkflow();
		const token = registeredByEarlierVersion(workflow);

		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
		expect(workflow.productionStaticData()).toEqual({
			production: {
				botId: FRONT_DESK_BOT,
				url: workflow.productionUrl,
				tokenDigest: sha256Hex(token),
				handBackDigest: sha256Hex(handBackToken(API_KEY, workflow.productionUrl)),
			},
		});
		workflow.credentials.helloAnnieApi = {
			...workflow.credentials.helloAnnieApi,
			apiKey: ROTATED_KEY,
		};
		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
		expect(
			(await workflow.post(workflow.productionUrl, randomBytes(32).toString('hex'))).status,
		).toBe(401);
		expect(sandbox.requestsFor('helloannie')).toEqual([]);
	});

	test('is registered again, with a random token, at the next activation (n8n starting again)', async () => {
		const workflow = await triggerWorkflow();
		const token = registeredByEarlierVersion(workflow);
		await workflow.activate('init');
		const activation = webhookRequests();
		expect(activation.map(seen)).toEqual([put(workflow.productionUrl)]);
		const newToken = tokenOf(activation[0]);
		expect(workflow.productionStaticData()).toEqual({
			production: expect.objectContaining({ tokenDigest: sha256Hex(newToken) }) as unknown,
		});
		expect((await workflow.post(workflow.productionUrl, token)).status).toBe(401);
		expect(await fire()).toEqual({ status: 200, body: STARTED, url: workflow.productionUrl });
	});

	test('deactivation removes its bot webhook and its static data', async () => {
		const workflow = await triggerWorkflow();
		registeredByEarlierVersion(workflow);
		await workflow.deactivate();
		expect(webhookRequests().map(seen)).toEqual([get, del]);
		expect(workflow.productionStaticData()).toEqual({});
	});
});
