/**
 * Wait for Call to End → On Provider Callback, the resuming side (the waiting side is
 * CallWaiter in wait.ts). The node places the call with the provider's callback pointed at
 * `$execution.resumeUrl` and puts the execution to wait; n8n stores it and frees the worker.
 * When the provider POSTs, n8n's waiting-webhook handler first checks the resume token it put
 * into that URL (a request without it, or with a wrong one, is refused by n8n with 401), then
 * calls the node's `webhook` method (this file), whose output becomes the node's output.
 *
 * The POST only wakes the execution; nothing in its body is taken as the call's outcome. It must
 * name the call this execution placed (kept in the execution's custom data before the wait, see
 * wait.ts): a callback for another call is answered 409 and resumes nothing, and one that does not
 * report the end (an event other than the final one) is acknowledged while the execution keeps
 * waiting. On the final one, the call is read from the provider by its ID, as polling reads it,
 * so both ways of waiting give the same item for the same call.
 */
import type {
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { findOperation } from './description';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from './transport';
import type { CallState, ProviderDefinition, Resource } from './types';
import { endedCallItem, waitingCall } from './wait';

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
		return refuse(fn, 409, 'This callback is about another call than the one this execution waits for; nothing was resumed');
	}
	if (!final) {
		fn.getResponseObject().status(200).json({ received: true, resumed: false });
		return { noWebhookResponse: true };
	}

	const session = new RequestSession(fn, provider, DEFAULT_TRANSPORT_OPTIONS);
	let state: CallState | undefined;
	let outcomeError: string | undefined;
	try {
		state = await waits.read(async (request) => await session.send(request, 0), waiting.callId);
	} catch (error) {
		// The callback says the call ended, but only the provider's read says how: without it the
		// item reports what is known (the status at creation) and why the rest is missing.
		const reason = error instanceof Error ? error.message : String(error);
		outcomeError = `${provider.displayName} called back about the end of the call, but the call could not be read: ${reason}. Read it later with its ID.`;
	}
	const waitedSeconds = Number.isFinite(waiting.placedAt) ? Math.max(0, Math.round((Date.now() - waiting.placedAt) / 1000)) : 0;
	const json = endedCallItem({ created: waiting.created, idField: waits.idField }, state, { waitedSeconds, outcomeError });
	return {
		webhookResponse: { received: true, resumed: true },
		workflowData: [[{ json, pairedItem: { item: 0 } }]],
	};
}
