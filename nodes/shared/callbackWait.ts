/**
 * Wait for Call to End → On Provider Callback (AlloMia, AICaller), both sides.
 *
 * Waiting: the call is placed with the provider's callback pointed at this execution's resume
 * URL (`$execution.resumeUrl`), the call's ID is kept in the execution's custom data, and the
 * execution is put to wait in n8n's database (`putExecutionToWait`), holding no worker. n8n
 * resumes a waiting execution once, so this way takes one item per execution and refuses more
 * before dialing anything.
 *
 * Resuming: when the provider POSTs, n8n's waiting-webhook handler first checks the resume token
 * it put into that URL (a request without it, or with a wrong one, is refused by n8n with 401),
 * then calls the node's `webhook` method (`resumeOnCallback`), whose output becomes the node's
 * output. The POST only wakes the execution; nothing in its body is taken as the call's outcome.
 * It must name the call this execution placed (kept in the custom data before the wait): a
 * callback for another call is answered 409 and resumes nothing, and one that does not report
 * the end (an event other than the final one) is acknowledged while the execution keeps waiting.
 * On the final one, the call is read from the provider by its ID, as polling reads it, so both
 * ways of waiting give the same item for the same call (endedCall.ts).
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { findOperation } from './description';
import { endedCallItem, pick } from './endedCall';
import { errorText } from './errors';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from './transport';
import type { CallState, ProviderDefinition, Resource } from './types';
import { readCallState, withEndedCalls, type WatchedCall } from './watchedCall';

/** How many items On Provider Callback takes per execution (n8n resumes an execution once). */
const CALLBACK_ITEMS = 1;

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

interface WaitingCall {
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

function keepWaitingCall(customData: CustomData, call: WatchedCall): void {
	customData.set(CALL_ID_KEY, call.callId);
	customData.set(
		WAITING_CALL_KEY,
		JSON.stringify({
			callId: call.callId,
			placedAt: call.placedAt,
			created: pick(call.created, [call.idField, 'status']),
		}),
	);
}

/** The call this execution waits for, as kept before the wait; undefined when there is none. */
function waitingCall(customData: CustomData): WaitingCall | undefined {
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

/**
 * Refuses a run this way cannot wait for, before any item is read or dialed: more than one item,
 * or custom data with no room for the waiting call.
 */
export function checkCallbackCanWait(fn: IExecuteFunctions): void {
	const items = fn.getInputData().length;
	if (items > CALLBACK_ITEMS) {
		throw new NodeOperationError(
			fn.getNode(),
			`Wait Using "On Provider Callback" waits for one call per execution, and this node received ${items} items. Nothing was dialed.`,
			{
				description:
					'n8n resumes a waiting execution once, so each call needs its own execution. Put this node in a sub-workflow that starts with "When Executed by Another Workflow", and call that sub-workflow from an Execute Workflow node with Mode "Run once for each item" and "Wait For Sub-Workflow Completion" off (see "Waiting for the outcome" in the docs). Or choose Wait Using "Polling", which waits for all calls of a run together.',
			},
		);
	}
	if (!customDataHasRoom(fn.customData)) {
		throw new NodeOperationError(
			fn.getNode(),
			`Wait Using "On Provider Callback" keeps the call's ID in the execution's custom data, which already holds ${CUSTOM_DATA_KEYS_LIMIT} keys. Nothing was dialed.`,
			{
				description:
					'Set fewer custom data keys before this node (Execution Data node), or choose Wait Using "Polling".',
			},
		);
	}
}

/**
 * The URL the provider must POST the final status to, this execution's resume URL (n8n adds the
 * execution's resume token to it and refuses requests without it).
 */
export function resumeUrl(fn: IExecuteFunctions, itemIndex: number): string {
	// $execution.resumeUrl, read from the execution's data proxy as n8n's own Execute Workflow node
	// reads $execution.id: n8n 2.x puts the execution's resume token into it.
	const proxy = fn.getWorkflowDataProxy(itemIndex) as { $execution?: { resumeUrl?: unknown } };
	const url = proxy.$execution?.resumeUrl;
	if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
		throw new NodeOperationError(
			fn.getNode(),
			'n8n gave no resume URL for this execution, so the provider could not call back',
			{
				description:
					'Choose Wait Using "Polling", or check WEBHOOK_URL in the n8n settings. Nothing was dialed.',
				itemIndex,
			},
		);
	}
	return url;
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
 *   (`resumeOnCallback`) replaces it when the provider calls back.
 */
export async function waitForCallback(
	fn: IExecuteFunctions,
	call: WatchedCall,
	waiting: { maxWaitMs: number; provider: string; read: (call: WatchedCall) => Promise<void> },
	output: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	await waiting.read(call);
	if (call.last?.outcome.callEnded) {
		call.settledAt = Date.now();
		return withEndedCalls(output, [call]);
	}
	keepWaitingCall(fn.customData, call);
	const atMaxWait = endedCallItem(call, call.last, {
		waitedSeconds: Math.round(waiting.maxWaitMs / 1000),
		outcomeError: call.outcomeError,
	});
	fn.getExecuteData().data = {
		main: [[{ json: atMaxWait, pairedItem: { item: call.itemIndex } }]],
	};
	await fn.putExecutionToWait(new Date(call.deadline));
	return output.map((item) =>
		item.json === call.created
			? {
					...item,
					json: {
						...endedCallItem(call, call.last, {
							waitedSeconds: 0,
							outcomeError: call.outcomeError,
						}),
						placedAt: new Date(call.placedAt).toISOString(),
						waitingFor: `${waiting.provider} callback`,
					},
				}
			: item,
	);
}

/**
 * The resume webhook: POST to the execution's resume URL itself (no path of its own), used
 * only while an execution of this node waits (`restartWebhook`), never registered on activation.
 */
export const callbackWebhooks: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '',
		restartWebhook: true,
		isFullPath: true,
	},
];

function refuse(fn: IWebhookFunctions, status: number, error: string): IWebhookResponseData {
	fn.getResponseObject().status(status).json({ error });
	return { noWebhookResponse: true };
}

/** The node's `webhook` method: resumes the waiting execution with the call as it ended. */
export async function resumeOnCallback(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
	resources: Resource[],
): Promise<IWebhookResponseData> {
	const operation = findOperation(
		resources,
		String(fn.getNodeParameter('resource', '')),
		String(fn.getNodeParameter('operation', '')),
	);
	const waits = operation?.waits;
	const waiting = waitingCall(fn.customData);
	if (!waits?.callback || !waiting) {
		return refuse(fn, 404, 'This execution is not waiting for a call callback from this node');
	}
	const body = fn.getBodyData();
	const payload = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
	const { callId, final } = waits.callback.identify(payload);
	if (callId !== waiting.callId) {
		return refuse(
			fn,
			409,
			'This callback is about another call than the one this execution waits for; nothing was resumed',
		);
	}
	if (!final) {
		fn.getResponseObject().status(200).json({ received: true, resumed: false });
		return { noWebhookResponse: true };
	}

	const session = new RequestSession(fn, provider, DEFAULT_TRANSPORT_OPTIONS);
	let state: CallState | undefined;
	let outcomeError: string | undefined;
	try {
		state = await readCallState(
			waits,
			async (request) => await session.send(request, 0),
			waiting.callId,
		);
	} catch (error) {
		// The callback says the call ended, but only the provider's read says how: without it the
		// item reports what is known (the status at creation) and why the rest is missing.
		const reason = errorText(error);
		outcomeError = `${provider.displayName} called back about the end of the call, but the call could not be read: ${reason}. Read it later with its ID.`;
	}
	const waitedSeconds = Number.isFinite(waiting.placedAt)
		? Math.max(0, Math.round((Date.now() - waiting.placedAt) / 1000))
		: 0;
	const json = endedCallItem({ created: waiting.created, idField: waits.idField }, state, {
		waitedSeconds,
		outcomeError,
	});
	return {
		webhookResponse: { received: true, resumed: true },
		workflowData: [[{ json, pairedItem: { item: 0 } }]],
	};
}
