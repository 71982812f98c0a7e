/**
 * A trigger's webhook and its answers to the requests it receives: the one POST webhook every
 * trigger of this package has, the request's body (parsed and raw) and items, and the answers
 * that start nothing. A refused request is answered 401 by the node itself and starts no
 * execution: an error thrown from `webhook()` would start one that fails. Whether a request is
 * authentic is decided by the checks (webhookAuth.ts).
 */
import type {
	IDataObject,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

/** The part of n8n's (express) response object the triggers use. */
interface WebhookResponse {
	setHeader(name: string, value: string): unknown;
	status(code: number): WebhookResponse;
	json(body: unknown): unknown;
}

/**
 * The exact bytes of the request body. n8n reads them before parsing a JSON body and keeps them
 * on the request (`rawBody`, a Buffer); undefined when it did not (e.g. a multipart body).
 */
export function rawRequestBody(fn: IWebhookFunctions): Buffer | undefined {
	const { rawBody } = fn.getRequestObject() as unknown as { rawBody?: unknown };
	return Buffer.isBuffer(rawBody) ? rawBody : undefined;
}

/**
 * Answers 401 and starts nothing. The answer says only "Unauthorized": what was wrong (missing,
 * malformed, mismatched) would help a forger.
 */
export function refuseRequest(
	fn: IWebhookFunctions,
	wwwAuthenticate?: string,
): IWebhookResponseData {
	const response = fn.getResponseObject() as unknown as WebhookResponse;
	if (wwwAuthenticate) response.setHeader('WWW-Authenticate', wwwAuthenticate);
	response.status(401).json({ message: 'Unauthorized' });
	return { noWebhookResponse: true };
}

/**
 * Answers 200 and starts nothing: an authentic request for something the user filtered out
 * (another event or status). 200 so that the provider does not retry it.
 */
export function ignoreRequest(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, ignored: reason } };
}

/**
 * The parsed request body, or an empty object: n8n leaves it undefined for a content type it does
 * not parse, and a check that read a property of it would throw, which n8n turns into an
 * execution (a failed one): a forged request must never start anything.
 */
export function requestBody(fn: IWebhookFunctions): IDataObject {
	const body = fn.getBodyData() as IDataObject | undefined;
	return body !== null && typeof body === 'object' ? body : {};
}

/**
 * The request body as output items: an object is one item, an array one item per entry, anything
 * else (a string, a number) an item `{ body }`. Payloads the providers do not document are
 * passed on as received.
 */
export function bodyItems(body: unknown): INodeExecutionData[] {
	const toJson = (value: unknown): IDataObject =>
		value !== null && typeof value === 'object' && !Array.isArray(value)
			? (value as IDataObject)
			: { body: value as IDataObject[keyof IDataObject] };
	if (Array.isArray(body))
		return body.length ? body.map((entry) => ({ json: toJson(entry) })) : [{ json: {} }];
	return [{ json: toJson(body ?? {}) }];
}

/**
 * The one webhook every trigger of this package has: a POST answered as soon as it is received.
 * `responseData` is empty on purpose: without it n8n 2.41 answers the literal text
 * "firstEntryJson"; empty, it answers {"message":"Workflow was started"} like its own Webhook node.
 */
export function receivingWebhook(path: string): IWebhookDescription {
	return {
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		responseData: '',
		path,
	};
}
