/**
 * "Wait for Call to End": after the calls of a run were placed, wait until each has ended (or
 * Max Wait ran out) and output each call as it ended. Two ways to wait:
 *
 * - Polling: the run places all its calls first, then reads the status of every pending call
 *   each Poll Interval, all together, so a campaign of 50 five-minute calls takes about five
 *   minutes, not four hours. The execution (and in queue mode a worker) is busy meanwhile.
 * - On Provider Callback (AlloMia, AICaller): the call is placed with the provider's callback
 *   pointed at this execution's resume URL and the execution is put to wait in n8n's database
 *   (`putExecutionToWait`), holding no worker; it continues when the provider POSTs the call's
 *   final status (see callbackWait.ts). n8n resumes a waiting execution once, so this mode
 *   takes one item per execution and refuses more before dialing anything.
 *
 * Once a call was placed, its item never fails because of the wait: a status read that keeps
 * failing or a call still running at Max Wait is reported in the output (`callEnded: false`,
 * `outcomeError`). Failing the item would invite running it again, which would dial twice.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';
import type { ApiRequest, CallState, CallWatcher, WaitSupport } from './types';

type WaitMode = 'polling' | 'callback';

export interface WaitSettings {
	mode: WaitMode;
	maxWaitMs: number;
	intervalMs: number;
}

/** Sends one request for the item a call belongs to (its errors carry that item's index). */
export type RequestFor = (itemIndex: number) => <T>(request: ApiRequest) => Promise<T>;

const MAX_WAIT_SECONDS = 86_400;

/** The fields "Wait for Call to End" adds to an operation that can wait (declared by its `waits`). */
export function waitProperties(waits: WaitSupport, provider: string): INodeProperties[] {
	const callback = waits.callback;
	const properties: INodeProperties[] = [
		{
			displayName: 'Wait for Call to End',
			name: 'waitForCallToEnd',
			type: 'boolean',
			default: false,
			description:
				"Whether to wait until the call has ended (or Max Wait is over) and output it as it ended: its final status, summary and outcome as top-level fields",
		},
	];
	const showWaiting = { show: { waitForCallToEnd: [true] } };
	if (callback) {
		properties.push({
			displayName: 'Wait Using',
			name: 'waitMode',
			type: 'options',
			default: 'polling',
			displayOptions: showWaiting,
			options: [
				{
					name: 'Polling',
					value: 'polling',
					description:
						"This execution checks the status of all its calls every Poll Interval. Takes many items; the execution (and in queue mode a worker) stays busy until the calls end.",
				},
				{
					name: 'On Provider Callback',
					value: 'callback',
					description: `${provider} ${callback.how} when the call ends; the node then reads the call from ${provider}. The execution waits in n8n's database, holding no worker, and survives restarts. One item per execution.`,
				},
			],
		});
	}
	properties.push(
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_WAIT_SECONDS },
			default: 300,
			displayOptions: showWaiting,
			description:
				'How long to wait for the call to end. A call still running then is output with callEnded false and its last known status.',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollIntervalSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 300 },
			default: 10,
			displayOptions: callback
				? { show: { waitForCallToEnd: [true], waitMode: ['polling'] } }
				: showWaiting,
			description: "How often to check the status of the run's calls that have not ended yet",
		},
	);
	return properties;
}

/** Wait for Call to End as set on the node (one choice for the whole run), or undefined when off. */
export function readWaitSettings(fn: IExecuteFunctions, callbackSupported: boolean): WaitSettings | undefined {
	if (!fn.getNodeParameter('waitForCallToEnd', 0, false)) return undefined;
	const seconds = (name: string, fallback: number, min: number, max: number) => {
		const value = Number(fn.getNodeParameter(name, 0, fallback));
		return Math.min(max, Math.max(min, Number.isFinite(value) ? value : fallback)) * 1000;
	};
	const mode = callbackSupported && fn.getNodeParameter('waitMode', 0, 'polling') === 'callback' ? 'callback' : 'polling';
	return {
		mode,
		maxWaitMs: seconds('maxWaitSeconds', 300, 1, MAX_WAIT_SECONDS),
		intervalMs: seconds('pollIntervalSeconds', 10, 1, 300),
	};
}

/** Where the create answer's ID and status go in an item that describes the call as it ended. */
const CREATE_RESPONSE_FIELD = 'createResponse';

/** A call this run placed: the create answer, and where its ID is in it. */
export interface PlacedCall {
	created: IDataObject;
	idField: string;
}

/**
 * The item of a call the wait is done with, shaped for a spreadsheet: the call's ID and its
 * final (or last known) `status` first, `callEnded`, then the provider's fields under their own
 * names (summary, outcome, duration, ended reason, ...) as the provider's read of the call gives
 * them, and the create answer's ID and status under `createResponse`, so that its status
 * ("calling", "queued") is not mistaken for the final one. Both ways of waiting build it from
 * the same read, so the same call gives the same item.
 */
export function endedCallItem(
	placed: PlacedCall,
	state: CallState | undefined,
	waited: { waitedSeconds: number; outcomeError?: string },
): IDataObject {
	const call = state?.call ?? {};
	const item: IDataObject = {
		[placed.idField]: placed.created[placed.idField] ?? call[placed.idField],
		status: call.status ?? placed.created.status ?? null,
		callEnded: state?.ended === true,
	};
	for (const [key, value] of Object.entries(call)) if (!(key in item)) item[key] = value;
	item.waitedSeconds = waited.waitedSeconds;
	if (waited.outcomeError) item.outcomeError = waited.outcomeError;
	item[CREATE_RESPONSE_FIELD] = pick(placed.created, [placed.idField, 'status']);
	return item;
}

/** Keeps the named fields that are present. */
export function pick(source: IDataObject | undefined, keys: string[]): IDataObject {
	const result: IDataObject = {};
	for (const key of keys) if (source && source[key] !== undefined) result[key] = source[key];
	return result;
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * What the callback webhook needs of the waiting call, kept in the execution's custom data: n8n
 * stores it with the waiting execution and gives it back to the webhook (`customData`), while
 * the node's output from before the wait is not there any more when the webhook runs. Custom
 * data holds short strings only (n8n keeps 255 characters of a value, 10 keys per execution).
 *
 * `callId` is also for the user: {{ $execution.customData.get('callId') }} (or the executions
 * list) tells which call the execution placed.
 */
const CALL_ID_KEY = 'callId';
const WAITING_CALL_KEY = 'waitingCall';
const CUSTOM_DATA_KEYS_LIMIT = 10;

export interface WaitingCall {
	callId: string;
	placedAt: number;
	/** The create answer's ID and status. */
	created: IDataObject;
}

type CustomData = IExecuteFunctions['customData'];

/** Whether the execution's custom data has room for the two keys (checked before dialing). */
function customDataHasRoom(customData: CustomData): boolean {
	const keys = Object.keys(customData.getAll());
	const missing = [CALL_ID_KEY, WAITING_CALL_KEY].filter((key) => !keys.includes(key)).length;
	return keys.length + missing <= CUSTOM_DATA_KEYS_LIMIT;
}

function keepWaitingCall(customData: CustomData, call: Watched): void {
	customData.set(CALL_ID_KEY, call.callId);
	customData.set(
		WAITING_CALL_KEY,
		JSON.stringify({ callId: call.callId, placedAt: call.placedAt, created: pick(call.created, [call.idField, 'status']) }),
	);
}

/** The call this execution waits for, as kept before the wait; undefined when there is none. */
export function waitingCall(customData: CustomData): WaitingCall | undefined {
	try {
		const parsed = JSON.parse(customData.get(WAITING_CALL_KEY) ?? '') as Partial<WaitingCall>;
		if (typeof parsed.callId !== 'string' || parsed.callId === '') return undefined;
		return {
			callId: parsed.callId,
			placedAt: Number(parsed.placedAt),
			created: parsed.created && typeof parsed.created === 'object' ? parsed.created : {},
		};
	} catch {
		return undefined;
	}
}

interface Watched extends PlacedCall {
	itemIndex: number;
	callId: string;
	placedAt: number;
	deadline: number;
	last?: CallState;
	outcomeError?: string;
	settledAt?: number;
}

/** How many items On Provider Callback takes per execution (n8n resumes an execution once). */
const CALLBACK_ITEMS = 1;

/**
 * The waiting of one run: operations register each call they placed (`watch`), and the router
 * finishes the waiting once every item was handled (`finish`), in either mode.
 */
export class CallWaiter implements CallWatcher {
	private readonly watched: Watched[] = [];

	private constructor(
		private readonly fn: IExecuteFunctions,
		readonly settings: WaitSettings,
		private readonly provider: string,
		private readonly waits: WaitSupport,
		private readonly requestFor: RequestFor,
	) {}

	/**
	 * The run's waiter, or undefined when Wait for Call to End is off. On Provider Callback with
	 * more than one item is refused here, before any item is read or dialed.
	 */
	static forRun(fn: IExecuteFunctions, provider: string, waits: WaitSupport, requestFor: RequestFor): CallWaiter | undefined {
		const settings = readWaitSettings(fn, waits.callback !== undefined);
		if (!settings) return undefined;
		const items = fn.getInputData().length;
		if (settings.mode === 'callback' && items > CALLBACK_ITEMS) {
			throw new NodeOperationError(
				fn.getNode(),
				`Wait Using "On Provider Callback" waits for one call per execution, and this node received ${items} items. Nothing was dialed.`,
				{
					description:
						'n8n resumes a waiting execution once, so each call needs its own execution. Put this node in a sub-workflow that starts with "When Executed by Another Workflow", and call that sub-workflow from an Execute Workflow node with Mode "Run once for each item" and "Wait For Sub-Workflow Completion" off (see "Waiting for the outcome" in the docs). Or choose Wait Using "Polling", which waits for all calls of a run together.',
				},
			);
		}
		if (settings.mode === 'callback' && !customDataHasRoom(fn.customData)) {
			throw new NodeOperationError(
				fn.getNode(),
				`Wait Using "On Provider Callback" keeps the call's ID in the execution's custom data, which already holds ${CUSTOM_DATA_KEYS_LIMIT} keys. Nothing was dialed.`,
				{ description: 'Set fewer custom data keys before this node (Execution Data node), or choose Wait Using "Polling".' },
			);
		}
		return new CallWaiter(fn, settings, provider, waits, requestFor);
	}

	/**
	 * On Provider Callback: the URL the provider must POST the final status to, this execution's
	 * resume URL (n8n adds the execution's resume token to it and refuses requests without it).
	 */
	callbackUrl(itemIndex: number): string | undefined {
		if (this.settings.mode !== 'callback') return undefined;
		// $execution.resumeUrl, read from the execution's data proxy as n8n's own Execute Workflow node
		// reads $execution.id: n8n 2.x puts the execution's resume token into it.
		const proxy = this.fn.getWorkflowDataProxy(itemIndex) as { $execution?: { resumeUrl?: unknown } };
		const url = proxy.$execution?.resumeUrl;
		if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
			throw new NodeOperationError(this.fn.getNode(), 'n8n gave no resume URL for this execution, so the provider could not call back', {
				description: 'Choose Wait Using "Polling", or check WEBHOOK_URL in the n8n settings. Nothing was dialed.',
				itemIndex,
			});
		}
		return url;
	}

	/** Registers a placed call; returns the item's output for now, replaced when the wait ends. */
	watch(itemIndex: number, created: IDataObject): IDataObject {
		const placedAt = Date.now();
		const callId = String(created[this.waits.idField] ?? '');
		this.watched.push({ created, idField: this.waits.idField, callId, itemIndex, placedAt, deadline: placedAt + this.settings.maxWaitMs });
		return created;
	}

	/** One read of a watched call, recorded on it. */
	private async check(call: Watched): Promise<void> {
		try {
			call.last = await this.waits.read(this.requestFor(call.itemIndex), call.callId);
			call.outcomeError = undefined;
		} catch (error) {
			call.outcomeError = message(error);
		}
	}

	/** Once every item was handled: waits for the registered calls and gives the run's output. */
	async finish(output: INodeExecutionData[]): Promise<INodeExecutionData[]> {
		if (this.watched.length === 0) return output;
		if (this.settings.mode === 'callback') return await this.waitForCallback(output);
		await this.poll();
		return this.withEndedCalls(output);
	}

	private withEndedCalls(output: INodeExecutionData[]): INodeExecutionData[] {
		return output.map((item) => {
			const call = this.watched.find((watched) => watched.created === item.json);
			if (!call) return item;
			const waitedSeconds = Math.round(((call.settledAt ?? Date.now()) - call.placedAt) / 1000);
			return { ...item, json: endedCallItem(call, call.last, { waitedSeconds, outcomeError: call.outcomeError }) };
		});
	}

	/** Reads the status of every pending call each interval until all ended or passed Max Wait. */
	private async poll(): Promise<void> {
		let pending = [...this.watched];
		// A cancelled execution stops waiting (its calls were placed; their items say not ended).
		while (pending.length > 0 && !this.fn.getExecutionCancelSignal()?.aborted) {
			const now = Date.now();
			const nextDeadline = Math.min(...pending.map((call) => call.deadline));
			await sleep(Math.max(0, Math.min(this.settings.intervalMs, nextDeadline - now)));
			for (const call of pending) {
				await this.check(call);
				if (call.last?.ended || Date.now() >= call.deadline) call.settledAt = Date.now();
			}
			pending = pending.filter((call) => call.settledAt === undefined);
		}
	}

	/**
	 * Puts the execution to wait until Max Wait; n8n stores it and frees the worker.
	 *
	 * - The call is read once first: a call that already ended (its callback may have come
	 *   before the execution was waiting, when n8n refuses it) is output at once.
	 * - When Max Wait passes without a callback, n8n continues the execution without running
	 *   this node again, with the node's input data as its output. That input is set here to the
	 *   call as last read (`callEnded: false`), so the item says what is known of the call
	 *   rather than repeating what the node received.
	 * - The item output now is what the execution view shows meanwhile; the webhook's output
	 *   (callbackWait.ts) replaces it when the provider calls back.
	 */
	private async waitForCallback(output: INodeExecutionData[]): Promise<INodeExecutionData[]> {
		const [call] = this.watched;
		await this.check(call);
		if (call.last?.ended) {
			call.settledAt = Date.now();
			return this.withEndedCalls(output);
		}
		keepWaitingCall(this.fn.customData, call);
		const atMaxWait = endedCallItem(call, call.last, {
			waitedSeconds: Math.round(this.settings.maxWaitMs / 1000),
			outcomeError: call.outcomeError,
		});
		this.fn.getExecuteData().data = { main: [[{ json: atMaxWait, pairedItem: { item: call.itemIndex } }]] };
		await this.fn.putExecutionToWait(new Date(call.deadline));
		return output.map((item) =>
			item.json === call.created
				? {
						...item,
						json: {
							...endedCallItem(call, call.last, { waitedSeconds: 0, outcomeError: call.outcomeError }),
							placedAt: new Date(call.placedAt).toISOString(),
							waitingFor: `${this.provider} callback`,
						},
					}
				: item,
		);
	}
}
