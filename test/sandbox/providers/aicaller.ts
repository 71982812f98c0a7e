/**
 * AICaller, https://api.aicaller.io — mounted at /aicaller (its paths start with /v1).
 *
 * Contract: ../openapi/aicaller.json (each operation names its docs.aicaller.io page). Responses
 * wrapped in { data }; errors (bodies undocumented) as { error: { message, statusCode } }. IDs have
 * no documented format: the docs' example call _id is 12345678901234567890 (20 digits), and the
 * sandbox holds that example call as a fixture.
 * Simulated: the aicaller-api-key header, calls that progress queued → ringing → inProgress →
 * completed | busy | noAnswer | failed (| cancelled) by sandbox.aiCaller.advance()/complete(), the
 * control API or autoCompleteAfterMs, and the phoneCall.completed webhook carrying the secret.
 */
import { createHmac } from 'node:crypto';

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
import { formatIssue } from '../contract';
import { mp3Recording } from '../storage';
import { clone, deepFreeze, hex24, loadDocument, objectBody } from '../util';

type AiCallerStatus =
	| 'queued'
	| 'ringing'
	| 'inProgress'
	| 'busy'
	| 'failed'
	| 'noAnswer'
	| 'cancelled'
	| 'canceled'
	| 'completed';
export type AiCallerOutcome = 'completed' | 'busy' | 'noAnswer' | 'failed' | 'cancelled';

/**
 * What happened on the call, beside its status (the status blog post: "three optional
 * properties"; statusCode values ENDED_NORMALLY, IVR_DETECTED, VOICEMAIL_DETECTED, DO_NOT_CALL,
 * and CALL_LATER with a dateTime from the Get pages' example). The third property's name could
 * not be read.
 */
interface StatusExtraInfo {
	statusCode?: string;
	dateTime?: string;
}
export type WebhookSecretMode = 'header' | 'hmac' | 'body';

interface PhoneCallWebhook {
	url: string;
	subscribedEvent: string;
	secret?: string;
}

interface CreatePhoneCallBody {
	teamId: string;
	callTemplateId: string;
	nameOfHuman: string;
	toPhoneNumber: string;
	promptVariableValues: Array<{ key: string; value: string }>;
	phoneNumberId?: string;
	fromPhoneNumber?: string;
	toEmailAddress?: string;
	status?: AiCallerStatus;
	telephonyProvider?: 'twilio' | 'plivo' | 'telnyx';
	record?: boolean;
	callDelayedUntil?: string;
	phoneCallWebhooks?: PhoneCallWebhook[];
}

export interface PhoneCall extends CreatePhoneCallBody {
	_id: string;
	status: AiCallerStatus;
	record: boolean;
	createdAt: string;
	updatedAt: string;
	callTriggeredAt?: string;
	callStartedAt?: string;
	callEndedAt?: string;
	callDuration?: number;
	statusExtraInfo?: StatusExtraInfo;
	resultValues?: Array<{ columnName: string; value: unknown }>;
	recordingUrl?: string;
	// Shown on the Get pages' example; the sandbox sets them only on the docs' example call.
	fileId?: string;
	fileName?: string;
	fixedMeetingTime?: string;
	callOrigin?: string;
	customTagsHitOnCall?: string[];
}

interface AiCallerTransition {
	call: PhoneCall;
	/** The phoneCall.completed webhook POSTs this transition caused (empty unless it reached completed). */
	webhooks: CallbackAttempt[];
}

export interface AiCallerOptions {
	/** The valid key (default aicaller-sandbox-key). */
	apiKey?: string;
	/** Walk every new call to autoOutcome within this many ms (ringing at 1/3, inProgress at 2/3). Default: never. */
	autoCompleteAfterMs?: number;
	/** Default 'completed'. */
	autoOutcome?: AiCallerOutcome;
	/** How a webhook's secret is sent (default 'header'). */
	webhookSecretMode?: WebhookSecretMode;
	/** Calls end by themselves after a drawn time with a drawn outcome (dev, demo); autoCompleteAfterMs wins. */
	callEnding?: CallEndingOptions;
}

export interface AiCallerControls {
	/** One step along queued → ringing → inProgress → completed, or straight to `to` (forward moves only). */
	advance(id: string, to?: AiCallerStatus): Promise<AiCallerTransition>;
	/**
	 * Straight to a terminal state, filling in the timestamps; resolves once webhooks were answered.
	 * `statusExtraInfo`, when given, is stored exactly as given (any statusCode, documented or not,
	 * with or without a dateTime), instead of the sandbox's own (see STATUS_CODE).
	 */
	complete(
		id: string,
		outcome: AiCallerOutcome,
		statusExtraInfo?: StatusExtraInfo,
	): Promise<AiCallerTransition>;
	setWebhookSecretMode(mode: WebhookSecretMode): void;
	readonly state: AiCallerState;
}

interface AiCallerState {
	calls: PhoneCall[];
}

// -------------------------------------------------------------------------------------------------
// Seeded fixtures

// Seed 003 uses 363573667364666473667332 for teamId, phoneNumberId and callTemplateId alike: with
// those as the sandbox's team, template and number, the documented example works as given.
const DOCS_EXAMPLE_ID = '363573667364666473667332';
const TEAM_ID = DOCS_EXAMPLE_ID;
/** The `_id` of every page's example call: 20 digits, not 24 hex characters. */
const DOCS_EXAMPLE_CALL_ID = '12345678901234567890';
/** The webhook secret of the pages' example call; the sandbox's own webhooks use it too. */
const DOCS_EXAMPLE_WEBHOOK_SECRET = 'NjUyOTgwMjkpJU0NmY25yzWkJFWDBE12';

export const AICALLER_FIXTURES = deepFreeze({
	apiKey: 'aicaller-sandbox-key',
	webhookSecret: DOCS_EXAMPLE_WEBHOOK_SECRET,
	teamId: TEAM_ID,
	callTemplates: [
		{ _id: DOCS_EXAMPLE_ID, name: 'Appointment confirmation', teamId: TEAM_ID },
		{ _id: '6553a1f0c2b4d5e6f7a8b9c0', name: 'Lead qualification', teamId: TEAM_ID },
	],
	phoneNumbers: [{ _id: DOCS_EXAMPLE_ID, number: '+1234567890', teamId: TEAM_ID }],
	calls: [
		{
			_id: '6553a1f0c2b4d5e6f7a8b9c1',
			teamId: TEAM_ID,
			callTemplateId: DOCS_EXAMPLE_ID,
			phoneNumberId: DOCS_EXAMPLE_ID,
			nameOfHuman: 'Jane',
			fromPhoneNumber: '+1234567890',
			toPhoneNumber: '+15550102030',
			status: 'completed',
			telephonyProvider: 'twilio',
			promptVariableValues: [{ key: 'customer_name', value: 'Jane' }],
			record: true,
			createdAt: '2025-03-01T10:00:00.000Z',
			updatedAt: '2025-03-01T10:03:05.000Z',
			callTriggeredAt: '2025-03-01T10:00:01.000Z',
			callStartedAt: '2025-03-01T10:00:09.000Z',
			callEndedAt: '2025-03-01T10:03:05.000Z',
			callDuration: 176,
			statusExtraInfo: { statusCode: 'ENDED_NORMALLY', dateTime: '2025-03-01T10:03:05.000Z' },
			resultValues: [{ columnName: 'appointmentConfirmed', value: 'yes' }],
			recordingUrl: 'https://recordings.aicaller.io/6553a1f0c2b4d5e6f7a8b9c1.mp3',
		},
		{
			_id: '6553a1f0c2b4d5e6f7a8b9c2',
			teamId: TEAM_ID,
			callTemplateId: '6553a1f0c2b4d5e6f7a8b9c0',
			nameOfHuman: 'Omar',
			toPhoneNumber: '+15550104050',
			status: 'noAnswer',
			telephonyProvider: 'plivo',
			promptVariableValues: [],
			record: false,
			createdAt: '2025-03-02T15:00:00.000Z',
			updatedAt: '2025-03-02T15:00:40.000Z',
			callTriggeredAt: '2025-03-02T15:00:01.000Z',
			callEndedAt: '2025-03-02T15:00:40.000Z',
			callDuration: 0,
			statusExtraInfo: { statusCode: 'NO_ANSWER', dateTime: '2025-03-02T15:00:40.000Z' },
		},
		{
			_id: '6553a1f0c2b4d5e6f7a8b9c3',
			teamId: TEAM_ID,
			callTemplateId: DOCS_EXAMPLE_ID,
			nameOfHuman: 'Lena',
			toPhoneNumber: '+15550106070',
			toEmailAddress: 'lena@example.com',
			status: 'queued',
			promptVariableValues: [{ key: 'customer_name', value: 'Lena' }],
			record: false,
			callDelayedUntil: '2030-01-01T09:00:00.000Z',
			createdAt: '2025-03-03T08:00:00.000Z',
			updatedAt: '2025-03-03T08:00:00.000Z',
		},
		// The example call of the Get Phonecall / Get all the PhoneCall pages, as given there (its
		// customTagsHitOnCall holds only a "<string>" placeholder: empty here).
		{
			_id: DOCS_EXAMPLE_CALL_ID,
			teamId: TEAM_ID,
			phoneNumberId: DOCS_EXAMPLE_ID,
			callTemplateId: DOCS_EXAMPLE_ID,
			nameOfHuman: 'John',
			fromPhoneNumber: '+1234567890',
			toPhoneNumber: '+1234567890',
			toEmailAddress: 'someone@email.com',
			status: 'queued',
			telephonyProvider: 'twilio',
			promptVariableValues: [{ key: 'customer_name', value: 'John' }],
			record: false,
			callDelayedUntil: '2023-10-12T09:08:00.387Z',
			phoneCallWebhooks: [
				{
					url: 'https://hooks.abc.com/',
					subscribedEvent: 'phoneCall.completed',
					secret: DOCS_EXAMPLE_WEBHOOK_SECRET,
				},
			],
			statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: '2024-03-11T10:00:00Z' },
			fixedMeetingTime: '2024-03-11T10:00:00Z',
			recordingUrl: 'https://example.com/recording.mp3',
			callDuration: 60,
			resultValues: [{ columnName: 'city', value: 'Bangalore' }],
			fileId: DOCS_EXAMPLE_ID,
			fileName: 'lead_list.csv',
			callTriggeredAt: '2023-10-12T09:07:55.387Z',
			callStartedAt: '2023-10-12T09:08:05.387Z',
			callEndedAt: '2023-10-12T09:09:02.387Z',
			callOrigin: 'api',
			customTagsHitOnCall: [],
			createdAt: '2023-10-12T09:08:00.387Z',
			updatedAt: '2023-10-12T09:08:00.387Z',
		},
	] satisfies PhoneCall[],
});

/** Position along the call's life; a transition may only move forward. */
const STAGE: Record<AiCallerStatus, number> = {
	queued: 0,
	ringing: 1,
	inProgress: 2,
	completed: 3,
	busy: 3,
	noAnswer: 3,
	failed: 3,
	cancelled: 3,
	canceled: 3,
};
const NEXT: Partial<Record<AiCallerStatus, AiCallerStatus>> = {
	queued: 'ringing',
	ringing: 'inProgress',
	inProgress: 'completed',
};
/**
 * The statusCode a call reaching each terminal state gets unless told otherwise. ENDED_NORMALLY is
 * documented; BUSY, NO_ANSWER, FAILED and CANCELLED are sandbox decisions (the blog post gives
 * statusExtraInfo "Once the call is answered" and lists no code for an unanswered call): they
 * stand for a code AICaller does not document, which the nodes must not take as vocabulary.
 */
const STATUS_CODE: Partial<Record<AiCallerStatus, string>> = {
	completed: 'ENDED_NORMALLY',
	busy: 'BUSY',
	noAnswer: 'NO_ANSWER',
	failed: 'FAILED',
	cancelled: 'CANCELLED',
	canceled: 'CANCELLED',
};
const OUTCOMES: readonly AiCallerOutcome[] = [
	'completed',
	'busy',
	'noAnswer',
	'failed',
	'cancelled',
];
const COMPLETED_EVENT = 'phoneCall.completed';

/**
 * A self-ending call's outcome in AICaller's terms: voicemail is a completed call whose
 * statusExtraInfo.statusCode is VOICEMAIL_DETECTED (a documented value), without result values.
 */
const ENDING: Record<CallEndOutcome, { to: AiCallerOutcome; statusCode?: string }> = {
	completed: { to: 'completed' },
	'no-answer': { to: 'noAnswer' },
	busy: { to: 'busy' },
	voicemail: { to: 'completed', statusCode: 'VOICEMAIL_DETECTED' },
};

/** The one documented statusCode of a call that ended normally: the only one with result values. */
const ENDED_NORMALLY = 'ENDED_NORMALLY';

// -------------------------------------------------------------------------------------------------
// Module

export function createAiCaller(
	ctx: ProviderContext,
	options: AiCallerOptions = {},
): { module: ProviderModule; controls: AiCallerControls } {
	const apiKey = options.apiKey ?? AICALLER_FIXTURES.apiKey;
	const initialMode = options.webhookSecretMode ?? 'header';
	let secretMode: WebhookSecretMode = initialMode;
	let state = freshState();
	if (options.callEnding) checkCallEnding(options.callEnding);

	function freshState(): AiCallerState {
		return { calls: clone(AICALLER_FIXTURES.calls) as PhoneCall[] };
	}

	const error = (status: number, message: string): HandlerResult => ({
		status,
		body: { error: { message, statusCode: status } },
	});
	const ok = (data: unknown): HandlerResult => ({ status: 200, body: { data } });

	/** Business checks of one create body; returns the error message or undefined. */
	function refusal(teamId: string, input: CreatePhoneCallBody): string | undefined {
		if (input.teamId !== teamId) return 'Team not found';
		if (
			!AICALLER_FIXTURES.callTemplates.some(
				(t) => t._id === input.callTemplateId && t.teamId === teamId,
			)
		)
			return 'Call template not found';
		if (
			input.phoneNumberId !== undefined &&
			!AICALLER_FIXTURES.phoneNumbers.some(
				(p) => p._id === input.phoneNumberId && p.teamId === teamId,
			)
		) {
			return 'Phone number not found';
		}
		return undefined;
	}

	function create(input: CreatePhoneCallBody): PhoneCall {
		const now = ctx.now().toISOString();
		// Echo of the input as seed 003's response shows it, with the defaults made explicit.
		const call: PhoneCall = {
			...clone(input),
			status: input.status ?? 'queued',
			record: input.record ?? false,
			// Sandbox decision (no ID format is documented): 24 hex characters, like the docs' other IDs.
			_id: hex24(),
			createdAt: now,
			updatedAt: now,
		};
		state.calls.push(call);
		if (options.autoCompleteAfterMs !== undefined) {
			scheduleProgress(call, options.autoCompleteAfterMs, options.autoOutcome ?? 'completed');
		} else if (options.callEnding) {
			const { afterMs, outcome } = drawCallEnding(options.callEnding);
			scheduleProgress(call, afterMs, ENDING[outcome].to, ENDING[outcome].statusCode);
		}
		return call;
	}

	function scheduleProgress(
		call: PhoneCall,
		ms: number,
		outcome: AiCallerOutcome,
		statusCode?: string,
	): void {
		const steps: Array<[number, AiCallerStatus]> = [
			[ms / 3, 'ringing'],
			[(2 * ms) / 3, 'inProgress'],
			[ms, outcome],
		];
		for (const [at, to] of steps) {
			ctx.schedule(Math.round(at), async () => {
				// Skip steps already passed (e.g. a test advanced the call by hand meanwhile).
				if (!state.calls.includes(call) || STAGE[call.status] >= STAGE[to]) return;
				if (outcome !== 'completed' && to === 'inProgress') return; // busy / noAnswer / failed never connect
				// A code of the sandbox's own ending (VOICEMAIL_DETECTED) comes with the end time, as
				// the sandbox's other codes do.
				const extra =
					to === outcome && statusCode !== undefined
						? { statusCode, dateTime: ctx.now().toISOString() }
						: undefined;
				await transition(call, to, extra);
			});
		}
	}

	/** `statusExtraInfo`: the terminal state's, as given, instead of the sandbox's own (STATUS_CODE). */
	async function transition(
		call: PhoneCall,
		to: AiCallerStatus,
		statusExtraInfo?: StatusExtraInfo,
	): Promise<AiCallerTransition> {
		const now = ctx.now().toISOString();
		call.status = to;
		call.updatedAt = now;
		if (STAGE[to] >= 1) call.callTriggeredAt ??= now;
		if (to === 'inProgress' || to === 'completed') call.callStartedAt ??= now;
		if (STAGE[to] === 3) {
			call.callEndedAt = now;
			call.callDuration = call.callStartedAt
				? Math.round((Date.parse(now) - Date.parse(call.callStartedAt)) / 1000)
				: 0;
			call.statusExtraInfo = statusExtraInfo
				? { ...statusExtraInfo }
				: { statusCode: STATUS_CODE[to] ?? ENDED_NORMALLY, dateTime: now };
			if (to === 'completed') {
				// Sandbox decision: only a call that ended normally answered the template's questions
				// (a voicemail, an IVR, a do-not-call or call-later request gave none).
				if (call.statusExtraInfo.statusCode === ENDED_NORMALLY)
					call.resultValues = [{ columnName: 'appointmentConfirmed', value: 'yes' }];
				// The pages document recordingUrl without saying whether it expires: a plain link
				// (sandbox decision). The recording lasts the call, and at least 20 seconds.
				if (call.record)
					call.recordingUrl = ctx.storage.link(
						'aicaller',
						`recordings/${call._id}.mp3`,
						mp3Recording(`${call._id}.mp3`, Math.max(20, call.callDuration ?? 0)),
					);
			}
		}
		const webhooks = to === 'completed' ? await notify(call) : [];
		return { call, webhooks };
	}

	/** phoneCall.completed to every webhook subscribed to it (or to phoneCall.*), one after the other. */
	async function notify(call: PhoneCall): Promise<CallbackAttempt[]> {
		const attempts: CallbackAttempt[] = [];
		for (const hook of call.phoneCallWebhooks ?? []) {
			if (hook.subscribedEvent !== COMPLETED_EVENT && hook.subscribedEvent !== 'phoneCall.*')
				continue;
			const payload: Record<string, unknown> = { event: COMPLETED_EVENT, data: call };
			const headers: Record<string, string> = {};
			if (hook.secret !== undefined && secretMode === 'body') payload.secret = hook.secret;
			const rawBody = JSON.stringify(payload);
			if (hook.secret !== undefined && secretMode === 'header')
				headers['x-aicaller-secret'] = hook.secret;
			if (hook.secret !== undefined && secretMode === 'hmac') {
				headers['x-aicaller-signature'] =
					`sha256=${createHmac('sha256', hook.secret).update(rawBody).digest('hex')}`;
			}
			attempts.push(
				await ctx.deliver({
					provider: 'aicaller',
					event: COMPLETED_EVENT,
					url: hook.url,
					rawBody,
					headers,
				}),
			);
		}
		return attempts;
	}

	function find(id: string): PhoneCall {
		const call = state.calls.find((c) => c._id === id);
		if (!call) throw new HttpError(404, 'Phone call not found');
		return call;
	}

	async function advance(
		id: string,
		to?: AiCallerStatus,
		statusExtraInfo?: StatusExtraInfo,
	): Promise<AiCallerTransition> {
		const call = find(id);
		if (STAGE[call.status] === 3) throw new HttpError(409, `phone call is already ${call.status}`);
		const target = to ?? NEXT[call.status];
		if (target === undefined || STAGE[target] === undefined)
			throw new HttpError(400, `unknown status ${String(to)}`);
		if (STAGE[target] <= STAGE[call.status])
			throw new HttpError(409, `cannot go from ${call.status} back to ${target}`);
		return transition(call, target, statusExtraInfo);
	}

	async function complete(
		id: string,
		outcome: AiCallerOutcome,
		statusExtraInfo?: StatusExtraInfo,
	): Promise<AiCallerTransition> {
		if (!OUTCOMES.includes(outcome))
			throw new HttpError(400, `outcome must be one of ${OUTCOMES.join(', ')}`);
		return advance(id, outcome, checkedStatusExtraInfo(statusExtraInfo));
	}

	const setWebhookSecretMode = (mode: WebhookSecretMode): void => {
		if (mode !== 'header' && mode !== 'hmac' && mode !== 'body')
			throw new HttpError(400, 'mode must be header, hmac or body');
		secretMode = mode;
	};

	type Handler = (teamId: string, request: ProviderRequest) => HandlerResult;
	// Bodies are read with their documented types: the core only calls a handler once the request
	// passed the OpenAPI contract.
	const handlers: Record<string, Handler> = {
		createPhoneCall(teamId, { body }) {
			const input = body as CreatePhoneCallBody;
			const refused = refusal(teamId, input);
			if (refused) return error(404, refused);
			return ok(create(input));
		},

		createPhoneCallsBatch(teamId, { body }) {
			const { phoneCalls } = body as { phoneCalls: CreatePhoneCallBody[] };
			// All or nothing: check every call before creating any.
			for (const [index, input] of phoneCalls.entries()) {
				const refused = refusal(teamId, input);
				if (refused) return error(404, `phoneCalls[${index}]: ${refused}`);
			}
			return ok(phoneCalls.map(create));
		},

		// Documented: one optional query parameter, callTemplateId; no paging (the contract refuses
		// page/limit). Sandbox decision: the whole list in one answer, newest first.
		listPhoneCalls(teamId, { query }) {
			const template = typeof query.callTemplateId === 'string' ? query.callTemplateId : undefined;
			const calls = state.calls
				.filter((c) => c.teamId === teamId)
				.filter((c) => template === undefined || c.callTemplateId === template)
				// Newest first; creation order breaks ties (several calls created in the same millisecond).
				.map((call, index) => ({ call, index }))
				.sort((a, b) => b.call.createdAt.localeCompare(a.call.createdAt) || b.index - a.index)
				.map(({ call }) => call);
			return ok(calls);
		},

		getPhoneCall(teamId, { params }) {
			const call = state.calls.find((c) => c._id === params.id && c.teamId === teamId);
			if (!call) return error(404, 'Phone call not found');
			return ok(call);
		},
	};

	const controlRoutes: ControlRoute[] = [
		{
			method: 'POST',
			pattern: /^\/aicaller\/calls\/([^/]+)\/complete$/,
			handle: async (m, body) => {
				const input = objectBody(body);
				const outcome = (input.outcome ?? 'completed') as AiCallerOutcome;
				const extra = input.statusExtraInfo as StatusExtraInfo | undefined;
				return { status: 200, body: await complete(decodeURIComponent(m[1]), outcome, extra) };
			},
		},
		{
			method: 'POST',
			pattern: /^\/aicaller\/calls\/([^/]+)\/advance$/,
			handle: async (m, body) => {
				const to = objectBody(body).to as AiCallerStatus | undefined;
				return { status: 200, body: await advance(decodeURIComponent(m[1]), to) };
			},
		},
		{
			method: 'POST',
			pattern: /^\/aicaller\/webhook-secret-mode$/,
			handle: (_m, body) => {
				setWebhookSecretMode(objectBody(body).mode as WebhookSecretMode);
				return { status: 200, body: { ok: true, mode: secretMode } };
			},
		},
	];

	const module: ProviderModule = {
		name: 'aicaller',
		mountPrefix: '/aicaller',
		definition: loadDocument('aicaller.json'),
		authenticate(credential): AuthOutcome {
			if (credential !== apiKey)
				return { ok: false, response: error(401, 'Invalid or missing API key') };
			const teamId = AICALLER_FIXTURES.teamId;
			return {
				ok: true,
				session: {
					handle: (request) => {
						const handler = handlers[request.operationId];
						if (!handler)
							throw new HttpError(
								501,
								`operation ${request.operationId} is not implemented by the sandbox`,
							);
						return handler(teamId, request);
					},
				},
			};
		},
		errorResponse(status, message) {
			return error(status, message ?? defaultMessage(status));
		},
		validationFailure(issues: readonly ValidationIssue[]) {
			return error(400, `Validation failed: ${issues.map(formatIssue).join('; ')}`);
		},
		reset() {
			state = freshState();
			secretMode = initialMode;
		},
		controlRoutes,
	};

	return {
		module,
		controls: {
			advance,
			complete,
			setWebhookSecretMode,
			get state() {
				return state;
			},
		},
	};
}

/** A statusExtraInfo given to complete(): an object of optional strings (400 otherwise). */
function checkedStatusExtraInfo(value: unknown): StatusExtraInfo | undefined {
	if (value === undefined || value === null) return undefined;
	const entries = typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
	const valid =
		entries.length > 0 &&
		entries.every(
			([key, field]) => (key === 'statusCode' || key === 'dateTime') && typeof field === 'string',
		);
	if (!valid)
		throw new HttpError(400, 'statusExtraInfo must be { statusCode?, dateTime? } with strings');
	return value as StatusExtraInfo;
}

function defaultMessage(status: number): string {
	switch (status) {
		case 400:
			return 'Bad request';
		case 401:
			return 'Invalid or missing API key';
		case 404:
			return 'Not found';
		case 413:
			return 'Request body too large';
		case 429:
			return 'Too many requests';
		default:
			return status >= 500 ? 'Internal server error' : 'Request failed';
	}
}
