/**
 * AlloMia, https://allomia.com — mounted at /allomia (its paths start with /api).
 *
 * Contract: ../openapi/allomia.json. Plain JSON objects; errors exactly as seed 002.
 * Simulated: Bearer keys (active, read-only and inactive-organization keys), outbound calls that stay
 * 'calling' until completed (by sandbox.alloMia.complete(), the control API or autoCompleteAfterMs),
 * then a call record (GET /api/calls, /api/calls/{id}) and the callbackUrl POST.
 */
import { randomBytes } from 'node:crypto';

import {
	HttpError,
	type AuthOutcome,
	type CallbackAttempt,
	type ControlRoute,
	type HandlerResult,
	type ProviderContext,
	type ProviderModule,
	type ProviderRequest,
	type ValidationIssue,
} from '../types';
import { clone, deepFreeze, loadDocument, objectBody, uuid } from '../util';

export type AlloMiaOutcome = 'completed' | 'failed' | 'busy' | 'no-answer';
export type OutboundStatus = 'calling' | AlloMiaOutcome;
export type CallType = 'Inbound' | 'Outbound' | 'Web';
export type Sentiment = 'positive' | 'neutral' | 'negative';

export interface CallDetails {
	startedAt: string;
	endedAt: string;
	duration: number;
	endedReason: string;
}

/** GET /api/outbound/{id}/status, and the callbackUrl payload. */
export interface OutboundCallStatus {
	outboundCallId: string;
	contactId: string;
	status: OutboundStatus;
	callDetails?: CallDetails;
}

export interface CreateOutboundCallBody {
	phoneNumber: string;
	assistantId: string;
	phoneNumberId: string;
	customerName?: string;
	dynamicVariables?: Record<string, string>;
	callbackUrl?: string;
}

export interface StoredOutboundCall {
	outboundCallId: string;
	contactId: string;
	organizationId: string;
	status: OutboundStatus;
	createdAt: string;
	request: CreateOutboundCallBody;
	callDetails?: CallDetails;
}

export interface CallRecord {
	id: string;
	organizationId: string;
	callType: CallType;
	status: AlloMiaOutcome;
	agentName: string;
	assistantId: string;
	phoneNumberId: string | null;
	fromNumber: string | null;
	toNumber: string | null;
	customerName: string | null;
	startedAt: string;
	endedAt: string;
	duration: number;
	endedReason: string;
	createdAt: string;
	summary: string | null;
	sentiment: Sentiment | null;
	intent: string | null;
	/** Whether GET /api/calls/{id} offers transcript / recording URLs (signed when read). */
	hasTranscript: boolean;
	hasRecording: boolean;
}

/** Overrides for complete(): anything not given is derived from the outcome. */
export interface CompletionDetails {
	duration?: number;
	endedReason?: string;
	summary?: string | null;
	sentiment?: Sentiment | null;
	intent?: string | null;
}

export interface AlloMiaCompletion {
	status: OutboundCallStatus;
	call: CallRecord;
	/** The callbackUrl POST, if the call had a callbackUrl (delivered or not). */
	callback?: CallbackAttempt;
}

export interface AlloMiaOptions {
	/** The valid full-rights key (default allomia-sandbox-key). */
	apiKey?: string;
	/** Complete every new outbound call automatically after this many ms (default: never). */
	autoCompleteAfterMs?: number;
	/** Outcome of automatic completion (default 'completed'). */
	autoOutcome?: AlloMiaOutcome;
}

export interface AlloMiaControls {
	/** Moves a 'calling' outbound call to a terminal state; resolves once the callbackUrl POST got its answer. */
	complete(
		outboundCallId: string,
		outcome: AlloMiaOutcome,
		details?: CompletionDetails,
	): Promise<AlloMiaCompletion>;
	readonly state: AlloMiaState;
}

export interface AlloMiaState {
	outboundCalls: StoredOutboundCall[];
	calls: CallRecord[];
}

// -------------------------------------------------------------------------------------------------
// Seeded fixtures

const ORG_ID = 'e7a1c2d3-4b5f-4a6e-8c7d-9f0a1b2c3d4e';
const INACTIVE_ORG_ID = 'f8b2d3e4-5c6a-4b7f-9d8e-0a1b2c3d4e5f';
// Seed 002's example ids, so that the documented example request works as given.
const RECEPTION_ASSISTANT = 'a1b2c3d4-e5f6-7890-abcd-123456789012';
const MAIN_PHONE_NUMBER = 'b2c3d4e5-f6a7-8901-bcde-234567890123';
const SALES_ASSISTANT = 'a9b8c7d6-e5f4-4321-8abc-fedcba987654';
const SECOND_PHONE_NUMBER = 'b9c8d7e6-f5a4-4321-9bcd-edcba9876543';

export const ALLOMIA_FIXTURES = deepFreeze({
	apiKey: 'allomia-sandbox-key',
	/** Same organization, no right to create calls. */
	readOnlyApiKey: 'allomia-readonly-key',
	/** Key of an inactive organization. */
	inactiveOrgApiKey: 'allomia-inactive-org-key',
	organizationId: ORG_ID,
	inactiveOrganizationId: INACTIVE_ORG_ID,
	assistants: [
		{ id: RECEPTION_ASSISTANT, name: 'Mia Reception', organizationId: ORG_ID },
		{ id: SALES_ASSISTANT, name: 'Mia Sales', organizationId: ORG_ID },
	],
	phoneNumbers: [
		{ id: MAIN_PHONE_NUMBER, number: '+15145550100', organizationId: ORG_ID },
		{ id: SECOND_PHONE_NUMBER, number: '+15145550199', organizationId: ORG_ID },
	],
	outboundCalls: [
		{
			outboundCallId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51',
			contactId: 'd1e2f3a4-b5c6-4d7e-9f0a-1b2c3d4e5f62',
			organizationId: ORG_ID,
			status: 'completed',
			createdAt: '2025-03-03T14:00:00.000Z',
			request: {
				phoneNumber: '+15145551234',
				assistantId: RECEPTION_ASSISTANT,
				phoneNumberId: MAIN_PHONE_NUMBER,
				customerName: 'John Doe',
			},
			callDetails: {
				startedAt: '2025-03-03T14:00:00.000Z',
				endedAt: '2025-03-03T14:02:12.000Z',
				duration: 132,
				endedReason: 'customer-ended-call',
			},
		},
		{
			outboundCallId: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e62',
			contactId: 'd2e3f4a5-b6c7-4d8e-8f1a-2b3c4d5e6f73',
			organizationId: ORG_ID,
			status: 'no-answer',
			createdAt: '2025-03-05T09:30:00.000Z',
			request: {
				phoneNumber: '+15145559876',
				assistantId: RECEPTION_ASSISTANT,
				phoneNumberId: SECOND_PHONE_NUMBER,
				customerName: 'Marie Tremblay',
			},
			callDetails: {
				startedAt: '2025-03-05T09:30:00.000Z',
				endedAt: '2025-03-05T09:30:30.000Z',
				duration: 0,
				endedReason: 'customer-did-not-answer',
			},
		},
	] satisfies StoredOutboundCall[],
	calls: [
		{
			id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51',
			organizationId: ORG_ID,
			callType: 'Outbound',
			status: 'completed',
			agentName: 'Mia Reception',
			assistantId: RECEPTION_ASSISTANT,
			phoneNumberId: MAIN_PHONE_NUMBER,
			fromNumber: '+15145550100',
			toNumber: '+15145551234',
			customerName: 'John Doe',
			startedAt: '2025-03-03T14:00:00.000Z',
			endedAt: '2025-03-03T14:02:12.000Z',
			duration: 132,
			endedReason: 'customer-ended-call',
			createdAt: '2025-03-03T14:00:00.000Z',
			summary: 'John Doe confirmed his appointment with Dr. Smith on April 1st at 10:00.',
			sentiment: 'positive',
			intent: 'appointment-confirmation',
			hasTranscript: true,
			hasRecording: true,
		},
		{
			id: 'e3f4a5b6-c7d8-4e9f-8a0b-1c2d3e4f5a63',
			organizationId: ORG_ID,
			callType: 'Inbound',
			status: 'completed',
			agentName: 'Mia Reception',
			assistantId: RECEPTION_ASSISTANT,
			phoneNumberId: MAIN_PHONE_NUMBER,
			fromNumber: '+15145557777',
			toNumber: '+15145550100',
			customerName: null,
			startedAt: '2025-03-04T16:20:00.000Z',
			endedAt: '2025-03-04T16:25:05.000Z',
			duration: 305,
			endedReason: 'customer-ended-call',
			createdAt: '2025-03-04T16:20:00.000Z',
			summary: 'Caller asked for opening hours and booked a consultation.',
			sentiment: 'neutral',
			intent: 'booking',
			hasTranscript: true,
			hasRecording: true,
		},
		{
			id: 'f4a5b6c7-d8e9-4f0a-9b1c-2d3e4f5a6b74',
			organizationId: ORG_ID,
			callType: 'Web',
			status: 'completed',
			agentName: 'Mia Sales',
			assistantId: SALES_ASSISTANT,
			phoneNumberId: null,
			fromNumber: null,
			toNumber: null,
			customerName: null,
			startedAt: '2025-03-04T18:00:00.000Z',
			endedAt: '2025-03-04T18:00:48.000Z',
			duration: 48,
			endedReason: 'customer-ended-call',
			createdAt: '2025-03-04T18:00:00.000Z',
			summary: 'Visitor asked about pricing.',
			sentiment: 'negative',
			intent: 'pricing',
			hasTranscript: true,
			hasRecording: false,
		},
		{
			id: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e62',
			organizationId: ORG_ID,
			callType: 'Outbound',
			status: 'no-answer',
			agentName: 'Mia Reception',
			assistantId: RECEPTION_ASSISTANT,
			phoneNumberId: SECOND_PHONE_NUMBER,
			fromNumber: '+15145550199',
			toNumber: '+15145559876',
			customerName: 'Marie Tremblay',
			startedAt: '2025-03-05T09:30:00.000Z',
			endedAt: '2025-03-05T09:30:30.000Z',
			duration: 0,
			endedReason: 'customer-did-not-answer',
			createdAt: '2025-03-05T09:30:00.000Z',
			summary: null,
			sentiment: null,
			intent: null,
			hasTranscript: false,
			hasRecording: false,
		},
	] satisfies CallRecord[],
});

const ENDED_REASON: Record<AlloMiaOutcome, string> = {
	completed: 'customer-ended-call',
	failed: 'error',
	busy: 'customer-busy',
	'no-answer': 'customer-did-not-answer',
};

const OUTCOMES: readonly AlloMiaOutcome[] = ['completed', 'failed', 'busy', 'no-answer'];

/** zod issue codes, since AlloMia's 400 'code' values (e.g. too_small) are zod's. */
const ZOD_CODE: Record<string, string> = {
	required: 'invalid_type',
	type: 'invalid_type',
	minLength: 'too_small',
	minimum: 'too_small',
	minItems: 'too_small',
	maxLength: 'too_big',
	maximum: 'too_big',
	maxItems: 'too_big',
	format: 'invalid_string',
	pattern: 'invalid_string',
	enum: 'invalid_enum_value',
	additionalProperties: 'unrecognized_keys',
	parse: 'invalid_json',
	contentType: 'invalid_type',
	noBody: 'unrecognized_keys',
};

// -------------------------------------------------------------------------------------------------
// Module

type Access = 'full' | 'read-only';

export function createAlloMia(
	ctx: ProviderContext,
	options: AlloMiaOptions = {},
): { module: ProviderModule; controls: AlloMiaControls } {
	const keys = new Map<string, { organizationId: string; access: Access }>([
		[options.apiKey ?? ALLOMIA_FIXTURES.apiKey, { organizationId: ORG_ID, access: 'full' }],
		[ALLOMIA_FIXTURES.readOnlyApiKey, { organizationId: ORG_ID, access: 'read-only' }],
		[ALLOMIA_FIXTURES.inactiveOrgApiKey, { organizationId: INACTIVE_ORG_ID, access: 'full' }],
	]);
	const inactiveOrganizations = new Set([INACTIVE_ORG_ID]);

	let state = freshState();

	function freshState(): AlloMiaState {
		return {
			outboundCalls: clone(ALLOMIA_FIXTURES.outboundCalls) as StoredOutboundCall[],
			calls: clone(ALLOMIA_FIXTURES.calls) as CallRecord[],
		};
	}

	const error = (status: number, message: string): HandlerResult => ({
		status,
		body: { error: message },
	});
	const ok = (body: unknown): HandlerResult => ({ status: 200, body });

	function statusView(call: StoredOutboundCall): OutboundCallStatus {
		const view: OutboundCallStatus = {
			outboundCallId: call.outboundCallId,
			contactId: call.contactId,
			status: call.status,
		};
		if (call.callDetails) view.callDetails = { ...call.callDetails };
		return view;
	}

	/** A call as listed: without the detail fields only GET /api/calls/{id} returns. */
	function callView(call: CallRecord): Record<string, unknown> {
		const listed: Record<string, unknown> = { ...call };
		for (const key of ['summary', 'sentiment', 'intent', 'hasTranscript', 'hasRecording']) delete listed[key];
		return listed;
	}

	function callDetailView(call: CallRecord): Record<string, unknown> {
		const { hasTranscript, hasRecording, ...rest } = call;
		return {
			...rest,
			transcriptUrl: hasTranscript ? presign(`transcripts/${call.id}.json`) : null,
			recordingUrl: hasRecording ? presign(`recordings/${call.id}.mp3`) : null,
		};
	}

	/** Looks like an S3 pre-signed URL; its expiry (epoch seconds) is one hour ahead, as documented. */
	function presign(key: string): string {
		const now = ctx.now();
		const expires = Math.floor(now.getTime() / 1000) + 3600;
		const amzDate = now
			.toISOString()
			.replace(/[-:]/g, '')
			.replace(/\.\d{3}/, '');
		const signature = randomBytes(32).toString('hex');
		return `https://storage.allomia.com/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${amzDate}&X-Amz-Expires=3600&Expires=${expires}&X-Amz-Signature=${signature}`;
	}

	type Handler = (organizationId: string, request: ProviderRequest) => HandlerResult;
	// Bodies and query values are read with their documented types: the core only calls a handler
	// once the request passed the OpenAPI contract.
	const handlers: Record<string, Handler> = {
		createOutboundCall(organizationId, { body }) {
			const input = body as CreateOutboundCallBody;
			const assistant = ALLOMIA_FIXTURES.assistants.find(
				(a) => a.id === input.assistantId && a.organizationId === organizationId,
			);
			const phone = ALLOMIA_FIXTURES.phoneNumbers.find(
				(p) => p.id === input.phoneNumberId && p.organizationId === organizationId,
			);
			if (!assistant || !phone) return error(404, 'Assistant or phone number not found');
			const call: StoredOutboundCall = {
				outboundCallId: uuid(),
				contactId: uuid(),
				organizationId,
				status: 'calling',
				createdAt: ctx.now().toISOString(),
				request: clone(input),
			};
			state.outboundCalls.push(call);
			if (options.autoCompleteAfterMs !== undefined) {
				const outcome = options.autoOutcome ?? 'completed';
				ctx.schedule(options.autoCompleteAfterMs, async () => {
					if (call.status === 'calling' && state.outboundCalls.includes(call))
						await complete(call.outboundCallId, outcome);
				});
			}
			return ok({
				outboundCallId: call.outboundCallId,
				contactId: call.contactId,
				status: 'calling',
				message: 'Outbound call dispatched',
			});
		},

		getOutboundCallStatus(organizationId, { params }) {
			const call = state.outboundCalls.find(
				(c) => c.outboundCallId === params.outboundCallId && c.organizationId === organizationId,
			);
			// Documented: another organization's call is also 'not found'.
			if (!call) return error(404, 'Outbound call not found');
			return ok(statusView(call));
		},

		listCalls(organizationId, { query }) {
			if (query.organizationId !== organizationId) return error(403, 'Insufficient permissions');
			const page = typeof query.page === 'number' ? query.page : 1;
			const limit = typeof query.limit === 'number' ? query.limit : 20;
			const sort = typeof query.sort === 'string' ? query.sort : 'desc';
			const agentName =
				typeof query.agentName === 'string' ? query.agentName.toLowerCase() : undefined;
			const from = typeof query.from === 'string' ? Date.parse(query.from) : undefined;
			const to = typeof query.to === 'string' ? Date.parse(query.to) : undefined;
			const matching = state.calls
				.filter((c) => c.organizationId === organizationId)
				.filter((c) => query.callType === undefined || c.callType === query.callType)
				.filter((c) => agentName === undefined || c.agentName.toLowerCase().includes(agentName))
				.filter((c) => from === undefined || Date.parse(c.startedAt) >= from)
				.filter((c) => to === undefined || Date.parse(c.startedAt) <= to)
				.sort((a, b) => {
					switch (sort) {
						case 'asc':
							return a.startedAt.localeCompare(b.startedAt);
						case 'duration_asc':
							return a.duration - b.duration;
						case 'duration_desc':
							return b.duration - a.duration;
						default:
							return b.startedAt.localeCompare(a.startedAt);
					}
				});
			const totalPages = Math.ceil(matching.length / limit);
			return ok({
				calls: matching.slice((page - 1) * limit, page * limit).map(callView),
				pagination: {
					page,
					limit,
					total: matching.length,
					totalPages,
					hasNextPage: page < totalPages,
					hasPreviousPage: page > 1,
				},
			});
		},

		getCall(organizationId, { params }) {
			const call = state.calls.find(
				(c) => c.id === params.id && c.organizationId === organizationId,
			);
			// The get-call page's 404 text is not known: reuse the status endpoint's documented one.
			if (!call) return error(404, 'Outbound call not found');
			return ok(callDetailView(call));
		},
	};

	async function complete(
		outboundCallId: string,
		outcome: AlloMiaOutcome,
		details: CompletionDetails = {},
	): Promise<AlloMiaCompletion> {
		if (!OUTCOMES.includes(outcome))
			throw new HttpError(400, `outcome must be one of ${OUTCOMES.join(', ')}`);
		const call = state.outboundCalls.find((c) => c.outboundCallId === outboundCallId);
		if (!call) throw new HttpError(404, 'Outbound call not found');
		if (call.status !== 'calling')
			throw new HttpError(409, `outbound call is already ${call.status}`);

		const now = ctx.now();
		const connected = outcome === 'completed';
		const elapsed = Math.round((now.getTime() - Date.parse(call.createdAt)) / 1000);
		const duration = details.duration ?? (connected ? Math.max(1, elapsed) : 0);
		const endedAt = new Date(
			Math.max(now.getTime(), Date.parse(call.createdAt) + duration * 1000),
		).toISOString();
		call.status = outcome;
		call.callDetails = {
			startedAt: call.createdAt,
			endedAt,
			duration,
			endedReason: details.endedReason ?? ENDED_REASON[outcome],
		};

		const assistant = ALLOMIA_FIXTURES.assistants.find((a) => a.id === call.request.assistantId);
		const phone = ALLOMIA_FIXTURES.phoneNumbers.find((p) => p.id === call.request.phoneNumberId);
		const record: CallRecord = {
			id: call.outboundCallId,
			organizationId: call.organizationId,
			callType: 'Outbound',
			status: outcome,
			agentName: assistant?.name ?? 'Unknown assistant',
			assistantId: call.request.assistantId,
			phoneNumberId: call.request.phoneNumberId,
			fromNumber: phone?.number ?? null,
			toNumber: call.request.phoneNumber,
			customerName: call.request.customerName ?? null,
			startedAt: call.callDetails.startedAt,
			endedAt,
			duration,
			endedReason: call.callDetails.endedReason,
			createdAt: call.createdAt,
			summary:
				details.summary !== undefined
					? details.summary
					: connected
						? `Call with ${call.request.customerName ?? call.request.phoneNumber} completed.`
						: null,
			sentiment:
				details.sentiment !== undefined ? details.sentiment : connected ? 'positive' : null,
			intent:
				details.intent !== undefined
					? details.intent
					: connected
						? 'appointment-confirmation'
						: null,
			hasTranscript: connected,
			hasRecording: connected,
		};
		state.calls.push(record);

		const status = statusView(call);
		const completion: AlloMiaCompletion = { status, call: record };
		if (call.request.callbackUrl) {
			// Documented: the payload mirrors Get Outbound Call Status; no signature is documented.
			completion.callback = await ctx.deliver({
				provider: 'allomia',
				event: 'status',
				url: call.request.callbackUrl,
				rawBody: JSON.stringify(status),
			});
		}
		return completion;
	}

	const controlRoutes: ControlRoute[] = [
		{
			method: 'POST',
			pattern: /^\/allomia\/calls\/([^/]+)\/complete$/,
			handle: async (m, body) => {
				const input = objectBody(body);
				const outcome = (input.outcome ?? 'completed') as AlloMiaOutcome;
				const details = (input.details ?? {}) as CompletionDetails;
				return { status: 200, body: await complete(decodeURIComponent(m[1]), outcome, details) };
			},
		},
	];

	const module: ProviderModule = {
		name: 'allomia',
		mountPrefix: '/allomia',
		definition: loadDocument('allomia.json'),
		authenticate(credential, request): AuthOutcome {
			const key = credential === undefined ? undefined : keys.get(credential);
			if (!key) return { ok: false, response: error(401, 'Invalid or missing API key') };
			if (inactiveOrganizations.has(key.organizationId))
				return { ok: false, response: error(403, 'Organization is inactive') };
			if (key.access === 'read-only' && request.operationId === 'createOutboundCall') {
				return { ok: false, response: error(403, 'Insufficient permissions') };
			}
			return {
				ok: true,
				session: {
					handle: (req) => {
						const handler = handlers[req.operationId];
						if (!handler)
							throw new HttpError(
								501,
								`operation ${req.operationId} is not implemented by the sandbox`,
							);
						return handler(key.organizationId, req);
					},
				},
			};
		},
		errorResponse(status, message) {
			// The documented texts win over generic ones (e.g. a 500 fault answers the documented 500 body).
			if (status === 500) return error(500, 'Internal server error occurred');
			if (status === 401) return error(401, 'Invalid or missing API key');
			return error(status, message ?? defaultMessage(status));
		},
		validationFailure(issues: readonly ValidationIssue[]) {
			return {
				status: 400,
				body: { error: 'Invalid request data', details: issues.map(toDetail) },
			};
		},
		reset() {
			state = freshState();
		},
		controlRoutes,
	};

	return {
		module,
		controls: {
			complete,
			get state() {
				return state;
			},
		},
	};
}

/** A contract issue in AlloMia's documented details format (zod-like field, message, code). */
function toDetail(issue: ValidationIssue): { field: string; message: string; code: string } {
	const code = ZOD_CODE[issue.keyword] ?? 'custom';
	const field = issue.field === '' ? issue.location : issue.field;
	let message = issue.message;
	if (field === 'phoneNumber' && issue.keyword === 'minLength')
		message = 'Phone number must be at least 10 digits';
	else if (field === 'phoneNumber' && issue.keyword === 'maxLength')
		message = 'Phone number must be at most 20 characters';
	else if (issue.keyword === 'required') message = 'Required';
	return { field, message, code };
}

function defaultMessage(status: number): string {
	switch (status) {
		case 400:
			return 'Invalid request data';
		case 403:
			return 'Insufficient permissions';
		case 404:
			return 'Not found';
		case 413:
			return 'Request body too large';
		case 429:
			return 'Too many requests';
		default:
			return status >= 500 ? 'Internal server error occurred' : 'Request failed';
	}
}
