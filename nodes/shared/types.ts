import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	INode,
	INodeProperties,
} from 'n8n-workflow';
import type { z } from 'zod';
import type { CallOutcome, DescribeCall } from './callOutcome';
import type { ItemResult } from './items';

export interface ProviderDefinition {
	/** Name shown in error messages, e.g. "HelloAnnie". */
	displayName: string;
	/** n8n credential type; the credential must have `baseUrl`. */
	credentialType: string;
	/**
	 * For a provider whose nodes let the user choose how to authenticate (an Authentication
	 * parameter, each choice with its credential): the credential the node is set to use.
	 * Without it, `credentialType` (an API key).
	 */
	credentialFor?(node: INode): CredentialChoice;
	/** The provider's own error text from an error response body. */
	errorMessage(body: unknown): string | undefined;
	/** Per-field details from an error body (e.g. AlloMia's `details[]`), one line each. */
	errorDetails?(body: unknown): string[];
	/**
	 * The provider documents a rate limit it reports in X-RateLimit-* headers (HelloAnnie): until
	 * its first answer tells what is left, requests in parallel go one at a time. A provider that
	 * documents none is not held back by a limit nobody stated.
	 */
	reportsRateLimit?: boolean;
}

/** The credential a request is sent with. */
export interface CredentialChoice {
	/** n8n credential type; the credential must have `baseUrl`. */
	type: string;
	/**
	 * The type extends n8n's `oAuth2Api`: n8n's request helper gets its access token, signs the
	 * request with it and keeps it with the credential. Otherwise the credential holds an API key
	 * (`apiKey`), sent in a header.
	 */
	oAuth2: boolean;
}

export interface ApiRequest {
	method: IHttpRequestMethods;
	/** Path below the credential's base URL, starting with `/`. */
	path: string;
	body?: IDataObject | IDataObject[];
	qs?: IDataObject;
	/**
	 * Whether sending the request twice has the same effect as sending it once (a read, a PUT or a
	 * DELETE). An idempotent request may be retried after an uncertain failure. One that is not
	 * (placing a call, sending an SMS, buying or attaching a number) is sent again only when the
	 * answer proves nothing was processed; otherwise its failure says it may have happened.
	 */
	idempotent: boolean;
	/** Messages for statuses that mean something specific for this operation. */
	statusMessages?: Partial<Record<number, string>>;
	/** For a request that is not idempotent: how the user can check whether it happened after an uncertain failure. */
	checkHint?: string;
}

/** What a schema may depend on besides the input: the workflow's time zone and the clock. */
export interface ValidationEnv {
	timeZone: string;
	now: number;
	/** Digits of Options → Default Country Code (`1` for +1), completing national phone numbers. */
	defaultCountryCode?: string;
}

/** What the pre-dial guard needs to know about an operation that places a call or sends an SMS. */
export interface DialSupport {
	places: 'call' | 'SMS';
	/** The provider's name of the placed call's (or conversation's) ID in a result, e.g. `conversationId`. */
	idField: string;
	/**
	 * For an operation where only some items place a call or send an SMS (a conversation created
	 * as SMS rather than as chat): the panel field and the value that make an item one. The guard's
	 * options show only for that value, and an item with another value passes the guard untouched.
	 */
	onlyWhen?: { field: string; value: string };
	/** Where the provider can schedule a call: when the request is set to go out, and how to set it. */
	schedule?: {
		/**
		 * The provider's field that holds the call until a moment, as the panel names it in
		 * Calling Hours → Outside Calling Hours, e.g. `callDelayedUntil`.
		 */
		field: string;
		plannedAt(input: IDataObject): string | undefined;
		setPlannedAt(input: IDataObject, utcIso: string): IDataObject;
	};
	/**
	 * Refusals the provider's pages describe as "not now" for this destination (HelloAnnie: 409
	 * while an SMS to the same number is in progress). Such an item comes out skipped with
	 * `skipReason`, like the guard's own, and its Deduplication Key is given back; any other
	 * refusal stays an error with the provider's words.
	 */
	notNow?: Array<{ status: number; skipReason: string }>;
}

/**
 * Set on operations whose calls the provider can mark do-not-call (doNotCall.ts): they offer
 * Options → Remember Do-Not-Call Numbers, and those that dial check it before dialing.
 */
export interface DoNotCallSupport {
	/**
	 * The provider's field that holds the called number, in an item's input and in an output item
	 * describing the call, e.g. `toPhoneNumber`. A skipped item carries the number under it.
	 */
	field: string;
}

/**
 * A call as last read: the provider's fields under their own names (`status` included), and what
 * they say in the shared vocabulary (callOutcome.ts), `callEnded` among it.
 */
export interface CallState {
	call: IDataObject;
	outcome: CallOutcome;
}

/** What an operation that places calls sees of Wait for Call to End (CallWaiter in wait.ts). */
export interface CallWatcher {
	/** On Provider Callback: the URL the provider must call back, this execution's resume URL. */
	callbackUrl(itemIndex: number): string | undefined;
	/** Registers a placed call; returns the item's output for now, replaced when the wait ends. */
	watch(itemIndex: number, created: IDataObject): IDataObject;
}

export interface OperationContext {
	fn: IExecuteFunctions;
	itemIndex: number;
	request<T = unknown>(request: ApiRequest): Promise<T>;
	/** Set when Wait for Call to End is on (operations with `waits`): register placed calls here. */
	waiter?: CallWatcher;
}

/** How one provider calls back about a call it placed, for Wait Using "On Provider Callback". */
export interface CallbackSupport {
	/** For the panel: "POSTs the call's final status to its Callback URL". */
	how: string;
	/** The create request's body with the provider's callback pointed at `url`. */
	attach(body: IDataObject, url: string): IDataObject;
	/**
	 * The call a callback POST is about, and whether it reports the call's end. The POST only
	 * wakes the execution: what the call became is read from the provider (`WaitSupport.read`).
	 */
	identify(payload: IDataObject): { callId: string | undefined; final: boolean };
}

/** Set on operations that place a call and can wait for it to end (wait.ts). */
export interface WaitSupport {
	/** The provider's name of the call ID field in the create answer, e.g. `outboundCallId` or `_id`. */
	idField: string;
	/**
	 * One read of a placed call by its ID, the provider's fields under their own names: polling
	 * repeats it, a callback triggers it.
	 */
	read(request: <T>(request: ApiRequest) => Promise<T>, callId: string): Promise<IDataObject>;
	/**
	 * What a read says in the shared vocabulary, whether the call ended among it: the provider's
	 * knowledge of its own values, kept in its folder (e.g. nodes/AlloMia/callOutcome.ts).
	 */
	describe: DescribeCall;
	/** The provider's callback, for Wait Using "On Provider Callback"; without it, polling only. */
	callback?: CallbackSupport;
}

interface OperationBase<Schema extends z.ZodTypeAny> {
	value: string;
	name: string;
	action: string;
	description: string;
	properties: INodeProperties[];
	schema(env: ValidationEnv): Schema;
	/**
	 * Collects the item's parameters into the shape `schema` checks. Without it, the operation's
	 * `properties` are read by name with `getNodeParameter` (see fields.ts).
	 */
	readInput?(fn: IExecuteFunctions, itemIndex: number): unknown;
	/** Set on operations that place a call or send an SMS: the pre-dial guard applies (guard.ts). */
	dials?: DialSupport;
	/** Whether the operation has phone number fields (it then offers Options → Default Country Code). */
	phoneFields?: boolean;
	/** Set on operations that can wait for the call they placed to end (Wait for Call to End). */
	waits?: WaitSupport;
	/** Set on operations whose calls the provider can mark do-not-call (doNotCall.ts). */
	doNotCall?: DoNotCallSupport;
}

/**
 * One operation of one resource: its panel fields, the schema its input must pass, and what it
 * sends, either one request per item (`execute`) or the items together in batches (`batch`).
 * The router adds `displayOptions` for the resource and operation.
 */
export type Operation<Schema extends z.ZodTypeAny = z.ZodTypeAny> = OperationBase<Schema> &
	(
		| {
				execute(ctx: OperationContext, input: z.output<Schema>): Promise<ItemResult>;
				batch?: undefined;
		  }
		| { batch: BatchSupport<Schema>; execute?: undefined }
	);

interface BatchContext {
	fn: IExecuteFunctions;
	/** The input items in this batch, in order. */
	itemIndexes: number[];
	request<T = unknown>(request: ApiRequest): Promise<T>;
}

/**
 * An operation that sends many items in one request. `send` returns exactly one result per
 * input, in input order; the router pairs each result to its item.
 */
interface BatchSupport<Schema extends z.ZodTypeAny> {
	size(fn: IExecuteFunctions): number;
	send(ctx: BatchContext, inputs: Array<z.output<Schema>>): Promise<IDataObject[]>;
}

export interface Resource {
	value: string;
	name: string;
	operations: Operation[];
}
