/**
 * AlloMia, https://allomia.com — mounted at /allomia (its paths start with /api).
 *
 * Contract: ../openapi/allomia.json (each operation names the docs.allomia.com page it follows;
 * docs/provider-contracts.md is the audit). Plain JSON objects; errors as the
 * create-outbound-call page (seed 002) gives them.
 * Simulated: Bearer keys (active, read-only and inactive-organization keys), outbound calls that stay
 * 'calling' until completed (by sandbox.alloMia.complete(), the control API or autoCompleteAfterMs),
 * then a call record in the get-call page's shape (GET /api/calls, /api/calls/{id}: callSummary,
 * userSentiment, userPrimaryIntent, callOutcome, callEndedReason, callDurationSeconds as a string,
 * teamId/teamName, the French summary, expiring transcriptUrl/recordingUrl) and the callbackUrl POST.
 */
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
import {
	checkCallEnding,
	drawCallEnding,
	type CallEndingOptions,
	type CallEndOutcome,
} from '../callEnding';
import { mp3Recording, textFile } from '../storage';
import { clone, deepFreeze, loadDocument, objectBody, uuid } from '../util';

export type AlloMiaOutcome = 'completed' | 'failed' | 'busy' | 'no-answer';
type OutboundStatus = 'calling' | AlloMiaOutcome;
type CallType = 'Inbound' | 'Outbound' | 'Web';
type Sentiment = 'positive' | 'neutral' | 'negative';

interface CallDetails {
	startedAt: string;
	endedAt: string;
	duration: number;
	endedReason: string;
}

/** GET /api/outbound/{id}/status, and the callbackUrl payload. */
interface OutboundCallStatus {
	outboundCallId: string;
	contactId: string;
	status: OutboundStatus;
	callDetails?: CallDetails;
}

interface CreateOutboundCallBody {
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

/**
 * A call record with the fields of the get-call page (newer version). GET /api/calls lists the
 * LISTED_FIELDS of it; GET /api/calls/{id} all of it, with the two pre-signed URLs instead of
 * hasTranscript / hasRecording.
 */
export interface CallRecord {
	id: string;
	organizationId: string;
	callType: CallType;
	agentId: string;
	agentName: string;
	/** Newer page version only; null for organizations without teams. */
	teamId: string | null;
	teamName: string | null;
	/** Sandbox decision: the AlloMia number of the call (null for Web calls). */
	phoneNumber: string | null;
	callStartedAt: string;
	callEndedAt: string;
	/** Documented as a string: whole seconds, e.g. "132". */
	callDurationSeconds: string;
	callEndedReason: string;
	userName: string | null;
	userPhoneNumber: string | null;
	userPrimaryIntent: string | null;
	userSentiment: Sentiment | null;
	/** Newer page version only: AI-extracted outcome, e.g. appointment_confirmed. */
	callOutcome: string | null;
	callSummary: string | null;
	/** Newer page version only: the French (fr-CA) summary; the name is a sandbox decision. */
	callSummaryFr: string | null;
	createdAt: string;
	/** Whether GET /api/calls/{id} offers transcript / recording URLs (signed when read). */
	hasTranscript: boolean;
	hasRecording: boolean;
}

/** The fields GET /api/calls returns per call (list-calls page: basic call information). */
const LISTED_FIELDS = [
	'id',
	'organizationId',
	'callType',
	'agentId',
	'agentName',
	'teamId',
	'teamName',
	'phoneNumber',
	'callStartedAt',
	'callEndedAt',
	'callDurationSeconds',
	'userPhoneNumber',
	'createdAt',
] as const satisfies ReadonlyArray<keyof CallRecord>;

/** Overrides for complete(): anything not given is derived from the outcome. */
interface CompletionDetails {
	/** Seconds; callDetails.duration and the record's callDurationSeconds (as a string). */
	duration?: number;
	endedReason?: string;
	callSummary?: string | null;
	callSummaryFr?: string | null;
	userSentiment?: Sentiment | null;
	userPrimaryIntent?: string | null;
	callOutcome?: string | null;
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
	/** Calls end by themselves after a drawn time with a drawn outcome (dev, demo); autoCompleteAfterMs wins. */
	callEnding?: CallEndingOptions;
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

interface AlloMiaState {
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
// The organization uses teams (newer get-call page: teamId/teamName, null without teams).
const FRONT_DESK_TEAM = { teamId: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d', teamName: 'Front Desk' };
const SALES_TEAM = { teamId: '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e', teamName: 'Sales' };

export const ALLOMIA_FIXTURES = deepFreeze({
	apiKey: 'allomia-sandbox-key',
	/** Same organization, no right to create calls. */
	readOnlyApiKey: 'allomia-readonly-key',
	/** Key of an inactive organization. */
	inactiveOrgApiKey: 'allomia-inactive-org-key',
	organizationId: ORG_ID,
	inactiveOrganizationId: INACTIVE_ORG_ID,
	assistants: [
		{ id: RECEPTION_ASSISTANT, name: 'Mia Reception', organizationId: ORG_ID, ...FRONT_DESK_TEAM },
		{ id: SALES_ASSISTANT, name: 'Mia Sales', organizationId: ORG_ID, ...SALES_TEAM },
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
			agentId: RECEPTION_ASSISTANT,
			agentName: 'Mia Reception',
			...FRONT_DESK_TEAM,
			phoneNumber: '+15145550100',
			callStartedAt: '2025-03-03T14:00:00.000Z',
			callEndedAt: '2025-03-03T14:02:12.000Z',
			callDurationSeconds: '132',
			callEndedReason: 'customer-ended-call',
			userName: 'John Doe',
			userPhoneNumber: '+15145551234',
			userPrimaryIntent: 'confirm_appointment',
			userSentiment: 'positive',
			callOutcome: 'appointment_confirmed',
			callSummary: 'John Doe confirmed his appointment with Dr. Smith on April 1st at 10:00.',
			callSummaryFr: 'John Doe a confirmé son rendez-vous avec le Dr Smith le 1er avril à 10 h.',
			createdAt: '2025-03-03T14:00:00.000Z',
			hasTranscript: true,
			hasRecording: true,
		},
		{
			id: 'e3f4a5b6-c7d8-4e9f-8a0b-1c2d3e4f5a63',
			organizationId: ORG_ID,
			callType: 'Inbound',
			agentId: RECEPTION_ASSISTANT,
			agentName: 'Mia Reception',
			...FRONT_DESK_TEAM,
			phoneNumber: '+15145550100',
			callStartedAt: '2025-03-04T16:20:00.000Z',
			callEndedAt: '2025-03-04T16:25:05.000Z',
			callDurationSeconds: '305',
			callEndedReason: 'customer-ended-call',
			userName: null,
			userPhoneNumber: '+15145557777',
			userPrimaryIntent: 'book_appointment',
			userSentiment: 'neutral',
			callOutcome: 'transferred_to_human',
			callSummary:
				'Caller asked for opening hours and was transferred to the front desk to book a consultation.',
			callSummaryFr:
				"L'appelant a demandé les heures d'ouverture et a été transféré à l'accueil pour prendre rendez-vous.",
			createdAt: '2025-03-04T16:20:00.000Z',
			hasTranscript: true,
			hasRecording: true,
		},
		{
			id: 'f4a5b6c7-d8e9-4f0a-9b1c-2d3e4f5a6b74',
			organizationId: ORG_ID,
			callType: 'Web',
			agentId: SALES_ASSISTANT,
			agentName: 'Mia Sales',
			...SALES_TEAM,
			phoneNumber: null,
			callStartedAt: '2025-03-04T18:00:00.000Z',
			callEndedAt: '2025-03-04T18:00:48.000Z',
			callDurationSeconds: '48',
			callEndedReason: 'customer-ended-call',
			userName: null,
			userPhoneNumber: null,
			userPrimaryIntent: 'pricing_question',
			userSentiment: 'negative',
			callOutcome: null,
			callSummary: 'Visitor asked about pricing.',
			callSummaryFr: 'Le visiteur a posé des questions sur les prix.',
			createdAt: '2025-03-04T18:00:00.000Z',
			hasTranscript: true,
			hasRecording: false,
		},
		{
			id: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e62',
			organizationId: ORG_ID,
			callType: 'Outbound',
			agentId: RECEPTION_ASSISTANT,
			agentName: 'Mia Reception',
			...FRONT_DESK_TEAM,
			phoneNumber: '+15145550199',
			callStartedAt: '2025-03-05T09:30:00.000Z',
			callEndedAt: '2025-03-05T09:30:30.000Z',
			callDurationSeconds: '0',
			callEndedReason: 'customer-did-not-answer',
			userName: 'Marie Tremblay',
			userPhoneNumber: '+15145559876',
			userPrimaryIntent: null,
			userSentiment: null,
			callOutcome: null,
			callSummary: null,
			callSummaryFr: null,
			createdAt: '2025-03-05T09:30:00.000Z',
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

/**
 * A self-ending call's outcome in AlloMia's terms. Voicemail is not one of AlloMia's terminal
 * states: the call completed, and (sandbox decision) endedReason 'voicemail' with the documented
 * callOutcome example 'voicemail_left' tell it apart.
 */
const ENDING: Record<CallEndOutcome, { outcome: AlloMiaOutcome; details?: CompletionDetails }> = {
	completed: { outcome: 'completed' },
	'no-answer': { outcome: 'no-answer' },
	busy: { outcome: 'busy' },
	voicemail: {
		outcome: 'completed',
		details: {
			endedReason: 'voicemail',
			callOutcome: 'voicemail_left',
			callSummary: 'The call reached voicemail; the assistant left a message.',
			callSummaryFr: "L'appel a abouti sur la messagerie vocale; l'assistant a laissé un message.",
			userSentiment: null,
			userPrimaryIntent: null,
		},
	},
};

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
	if (options.callEnding) checkCallEnding(options.callEnding);

	let state = freshState();
	/** Calls end by themselves after this (the option, or the control route until the next reset). */
	const configuredAutoComplete = () =>
		options.autoCompleteAfterMs === undefined
			? undefined
			: {
					afterMs: options.autoCompleteAfterMs,
					outcome: options.autoOutcome ?? ('completed' as AlloMiaOutcome),
				};
	let autoComplete: { afterMs: number; outcome: AlloMiaOutcome } | undefined =
		configuredAutoComplete();

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

	/** A call as listed: the list-calls page's basic fields only. */
	function callView(call: CallRecord): Record<string, unknown> {
		const listed: Record<string, unknown> = {};
		for (const key of LISTED_FIELDS) listed[key] = call[key];
		return listed;
	}

	/** A call as GET /api/calls/{id} returns it, in the get-call page's field order. */
	function callDetailView(call: CallRecord): Record<string, unknown> {
		const { hasTranscript, hasRecording, createdAt, ...rest } = call;
		return {
			...rest,
			// The newer page: a plain-text transcript (.txt). Both links are S3-style pre-signed
			// URLs that expire one hour after this GET, as documented; the sandbox's storage serves them.
			transcriptUrl: hasTranscript
				? ctx.storage.presign(
						'allomia',
						`transcripts/${call.id}.txt`,
						textFile(`${call.id}.txt`, transcriptOf(call)),
						3600,
					)
				: null,
			recordingUrl: hasRecording
				? ctx.storage.presign(
						'allomia',
						`recordings/${call.id}.mp3`,
						mp3Recording(`${call.id}.mp3`, Number(call.callDurationSeconds)),
						3600,
					)
				: null,
			createdAt,
		};
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
			if (autoComplete !== undefined) {
				const { afterMs, outcome } = autoComplete;
				ctx.schedule(afterMs, async () => {
					if (call.status === 'calling' && state.outboundCalls.includes(call))
						await complete(call.outboundCallId, outcome);
				});
			} else if (options.callEnding) {
				const { afterMs, outcome } = drawCallEnding(options.callEnding);
				const ending = ENDING[outcome];
				ctx.schedule(afterMs, async () => {
					if (call.status === 'calling' && state.outboundCalls.includes(call))
						await complete(call.outboundCallId, ending.outcome, ending.details);
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
				(c) => c.outboundCallId === params.id && c.organizationId === organizationId,
			);
			// Documented: another organization's call is also 'not found'.
			if (!call) return error(404, 'Outbound call not found');
			return ok(statusView(call));
		},

		listCalls(organizationId, { query }) {
			// Documented: 404 Organization not found. Sandbox decision: also for an organization
			// that exists but is not the key's.
			if (query.organizationId !== organizationId) return error(404, 'Organization not found');
			const page = typeof query.page === 'number' ? query.page : 1;
			const limit = typeof query.limit === 'number' ? query.limit : 20;
			const sort = typeof query.sort === 'string' ? query.sort : 'desc';
			const agentName =
				typeof query.agentName === 'string' ? query.agentName.toLowerCase() : undefined;
			const from = typeof query.from === 'string' ? Date.parse(query.from) : undefined;
			const to = typeof query.to === 'string' ? Date.parse(query.to) : undefined;
			// Documented: from must be before or equal to to (400 "Invalid date range").
			if (from !== undefined && to !== undefined && from > to) {
				return {
					status: 400,
					body: {
						error: 'Invalid request data',
						details: [
							{ field: 'from', message: 'from must be before or equal to to', code: 'custom' },
						],
					},
				};
			}
			const seconds = (c: CallRecord) => Number(c.callDurationSeconds);
			const matching = state.calls
				.filter((c) => c.organizationId === organizationId)
				.filter((c) => query.callType === undefined || c.callType === query.callType)
				.filter((c) => agentName === undefined || c.agentName.toLowerCase().includes(agentName))
				.filter((c) => from === undefined || Date.parse(c.callStartedAt) >= from)
				.filter((c) => to === undefined || Date.parse(c.callStartedAt) <= to)
				.sort((a, b) => {
					switch (sort) {
						case 'asc':
							return a.callStartedAt.localeCompare(b.callStartedAt);
						case 'duration_asc':
							return seconds(a) - seconds(b);
						case 'duration_desc':
							return seconds(b) - seconds(a);
						default:
							return b.callStartedAt.localeCompare(a.callStartedAt);
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
			// The get-call page's 404 text could not be read: reuse the status endpoint's documented one.
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
		const who = call.request.customerName ?? call.request.phoneNumber;
		const record: CallRecord = {
			id: call.outboundCallId,
			organizationId: call.organizationId,
			callType: 'Outbound',
			agentId: call.request.assistantId,
			agentName: assistant?.name ?? 'Unknown assistant',
			teamId: assistant?.teamId ?? null,
			teamName: assistant?.teamName ?? null,
			phoneNumber: phone?.number ?? null,
			callStartedAt: call.callDetails.startedAt,
			callEndedAt: endedAt,
			callDurationSeconds: String(duration),
			callEndedReason: call.callDetails.endedReason,
			userName: call.request.customerName ?? null,
			userPhoneNumber: call.request.phoneNumber,
			userPrimaryIntent: pick(details.userPrimaryIntent, connected ? 'confirm_appointment' : null),
			userSentiment: pick(details.userSentiment, connected ? 'positive' : null),
			callOutcome: pick(details.callOutcome, connected ? 'appointment_confirmed' : null),
			callSummary: pick(details.callSummary, connected ? `Call with ${who} completed.` : null),
			callSummaryFr: pick(details.callSummaryFr, connected ? `Appel avec ${who} terminé.` : null),
			createdAt: call.createdAt,
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
			// Until the next reset, new calls end by themselves after `afterMs` (0: right after the create answer).
			method: 'POST',
			pattern: /^\/allomia\/auto-complete$/,
			handle: (_m, body) => {
				const input = objectBody(body);
				autoComplete = {
					afterMs: Number(input.afterMs ?? 0),
					outcome: (input.outcome ?? 'completed') as AlloMiaOutcome,
				};
				return { status: 200, body: autoComplete };
			},
		},
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
			autoComplete = configuredAutoComplete();
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

/**
 * A call's plain-text transcript (the get-call page: a .txt file; its layout is not documented):
 * one line per turn, with the French summary's accents so that a reader must decode UTF-8.
 */
function transcriptOf(call: CallRecord): string {
	const lines = [
		`Call ${call.id} — ${call.agentName} — ${call.callStartedAt}`,
		'',
		`[00:00] ${call.agentName}: Bonjour, you have reached the clinic. How can I help you today?`,
		`[00:04] Caller: Hi, I am calling about my appointment.`,
		`[00:09] ${call.agentName}: Of course. I can confirm it for you.`,
		`[00:15] Caller: Yes, please confirm it. Merci, à bientôt.`,
		'',
		`Summary: ${call.callSummary ?? ''}`,
		`Résumé : ${call.callSummaryFr ?? ''}`,
	];
	return `${lines.join('\n')}\n`;
}

/** An override given to complete() (null included) wins over the derived value. */
function pick<T>(given: T | undefined, derived: T): T {
	return given !== undefined ? given : derived;
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
