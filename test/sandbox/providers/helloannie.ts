/**
 * HelloAnnie ("Annie"), https://api.helloannie.com/v1 — mounted at /helloannie/v1.
 *
 * Contract: ../openapi/helloannie.json (each operation names its page on docs.helloannie.com).
 * Envelope { success, data } / { success: false, message }.
 * Behaviour the documentation describes and the sandbox simulates: Bearer API keys, the per-organization
 * rate limit with X-RateLimit-* headers (when configured), 409 for an SMS to a number with a send in
 * progress (when configured), fromNumber must be one of the organization's numbers attached to a bot
 * with outbound: true, the toNumber allowlist (when configured), includeChildren adding the
 * conversations of child organizations, a bot webhook's authToken sent back as a Bearer token and
 * cleared by null, OAuth2 client credentials (POST /oauth/token: the fixture client, the documented
 * audience, Bearer access tokens accepted until they expire, with a lifetime tests can shorten).
 * Not simulated: calling hours, per-destination frequency caps.
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
import { formatIssue } from '../contract';
import {
	CALL_END_OUTCOMES,
	checkCallEnding,
	drawCallEnding,
	type CallEndingOptions,
	type CallEndOutcome,
} from '../callEnding';
import { clone, deepFreeze, loadDocument, objectBody, uuid } from '../util';

// -------------------------------------------------------------------------------------------------
// Shapes (as in the OpenAPI document)

type Language = 'ENGLISH' | 'SPANISH' | 'FRENCH';
type VoiceId =
	| 'FRIENDLY_BRIGHT'
	| 'CALM_REASSURING'
	| 'POLISHED_PROFESSIONAL'
	| 'KIND_CURIOUS'
	| 'CONFIDENT_UPBEAT';

type Industry =
	| 'DENTAL'
	| 'CHIROPRACTIC'
	| 'OPTOMETRY'
	| 'WELLNESS'
	| 'PEDIATRIC'
	| 'PEDIATRIC_DENTISTRY'
	| 'ORTHODONTIST'
	| 'SLEEP_MEDICINE'
	| 'BUSINESS_CONSULTANT'
	| 'MARKETING_COMPANY';

/** The fields of the create-bot / update-bot answers. */
export interface HelloAnnieBot {
	id: string;
	name: string;
	internalName: string | null;
	createdAt: string;
	updatedAt: string;
	companyName: string | null;
	/** Absent on a bot created without one. */
	industry?: Industry;
	greeting: string;
	phoneGreeting: string | null;
	closedChatGreeting: string | null;
	closedPhoneGreeting: string | null;
	/** Documented: a fromNumber must be attached to a bot with outbound: true. */
	outbound: boolean;
	isRagEnabled: boolean;
	isGuardianEnabled: boolean;
	orgId: string;
}

export interface HelloAnniePhoneNumber {
	id: string;
	createdAt: string;
	updatedAt: string;
	orgId: string;
	botId: string;
	number: string;
	name: string;
	language: Language;
	outbound: boolean;
	verifiedCallerId: string | null;
	callbackForwardingNumber: string | null;
	voiceId: VoiceId;
	speed: number;
	stability: number;
	similarity: number;
	style: number;
}

interface HelloAnnieConversation {
	conversationId: string;
	conversationTags: string[];
	orgId: string;
	/** Documented: CHAT, SMS. A call's medium is undocumented: the sandbox uses CALL. */
	medium: 'CALL' | 'SMS' | 'CHAT';
	botId: string | null;
	/** Null when created with POST /conversations without one (fromNumber: always, it takes none). */
	toNumber: string | null;
	fromNumber: string | null;
	summary: string | null;
	topic: string | null;
	duration: number | null;
	startTime: string;
	endTime: string | null;
	status: string;
}

/** The two statuses the close-conversation page names for a conversation that is ending or ended. */
type EndedConversationStatus = 'CLOSING' | 'CLOSED';

/** What the sandbox keeps; archived/parent are not part of the documented view. */
export interface StoredConversation extends HelloAnnieConversation {
	archived: boolean;
	/**
	 * Bookkeeping for a follow-up's parent conversation; undocumented and used by no filter
	 * (HelloAnnie's includeChildren is about child organizations, see childOrgId).
	 */
	parentConversationId: string | null;
	/** The POST /calls, /sms or /conversations body that created it (undefined for fixtures). */
	request?: unknown;
}

export interface HelloAnnieMessage {
	id: string;
	content: string;
	/** 'assistant' / 'user' here; POST /conversations stores an initial message's role as sent. */
	role: string;
	conversationId: string;
	createdAt: string;
}

interface StoredWebhook {
	botId: string;
	url: string;
	authToken: string | null;
	createdAt: string;
	updatedAt: string;
}

interface PatientOrAppointment {
	[key: string]: string | undefined;
}

interface StartCallBody {
	fromNumber: string;
	toNumber: string;
	patientInfo?: PatientOrAppointment;
	appointmentInfo?: PatientOrAppointment;
	context?: string;
	voicemailMessage?: string;
}

interface StartSmsBody extends Omit<StartCallBody, 'voicemailMessage'> {
	message: string;
}

interface CreatePhoneNumberBody {
	orgId: string;
	botId: string;
	name: string;
	language: Language;
	voiceId: VoiceId;
	verifiedCallerId?: string;
	callbackForwardingNumber?: string;
	areaCode?: string;
}

interface CreateConversationBody {
	medium: 'CHAT' | 'SMS';
	botId: string;
	toNumber?: string;
	messages?: Array<{ role?: string; input?: string }>;
	idleTimeoutMinutes?: number;
	maxOpenMinutes?: number;
}

/** The bot fields both create-bot and update-bot take. */
interface BotFieldsBody {
	internalName?: string;
	companyName?: string;
	industry?: Industry;
	phoneGreeting?: string;
	closedChatGreeting?: string;
	closedPhoneGreeting?: string;
	outbound?: boolean;
	isRagEnabled?: boolean;
	isGuardianEnabled?: boolean;
	integrationId?: string;
}

interface CreateBotBody extends BotFieldsBody {
	orgId: string;
	name: string;
	greeting: string;
}

interface UpdateBotBody extends BotFieldsBody {
	name?: string;
	greeting?: string;
	modelVersion?: string;
}

export interface RateLimitConfig {
	/** Requests allowed per window and organization (HelloAnnie documents 60 per minute). */
	limit: number;
	windowMs: number;
	/** Add Retry-After (seconds) to 429 answers; HelloAnnie does not document one. */
	sendRetryAfter?: boolean;
}

export interface HelloAnnieOptions {
	/** The valid API key (default annie-sk-v1-sandbox). */
	apiKey?: string;
	/**
	 * Lifetime in seconds of the OAuth access tokens POST /oauth/token issues: the n-th token lives
	 * the n-th value, later ones the last (default 86400, the documented 24 hours).
	 */
	tokenLifetimes?: readonly number[];
	/** Default null: no rate limit and no X-RateLimit-* headers. */
	rateLimit?: RateLimitConfig | null;
	/** A second SMS to the same toNumber within this many ms answers 409. Default 0 = off. */
	smsInProgressMs?: number;
	/** When set, POST /calls to a toNumber not listed answers 400. Default null = every number allowed. */
	callAllowlist?: readonly string[] | null;
	/** Calls end by themselves (dev, demo). Default: a call stays OPEN until endCall(). */
	callEnding?: CallEndingOptions;
}

export interface HelloAnnieControls {
	setRateLimit(config: RateLimitConfig | null): void;
	/** Adds a message to a conversation, e.g. the patient's SMS reply (role 'user'). */
	addMessage(
		conversationId: string,
		content: string,
		role?: HelloAnnieMessage['role'],
	): HelloAnnieMessage;
	/** POSTs payload to the bot's webhook with 'Authorization: Bearer <authToken>' (payload format is undocumented). */
	fireBotWebhook(botId: string, payload: unknown): Promise<CallbackAttempt>;
	/**
	 * Ends an OPEN call conversation as HelloAnnie would once the line closes (default 'completed'),
	 * CLOSED by default; `CLOSING` stops halfway (see endCall), and a later endCall closes it.
	 */
	endCall(
		conversationId: string,
		outcome?: CallEndOutcome,
		status?: EndedConversationStatus,
	): StoredConversation;
	/**
	 * Lifetimes in seconds of the access tokens issued from now on: the next token lives the first
	 * value, the one after it the second … and every later one the last (whole seconds, at least 1).
	 */
	setTokenLifetimes(...seconds: number[]): void;
	/** Every access token issued so far expires now: the API refuses it (401) from then on. Returns how many. */
	expireTokens(): number;
	/** The live state, for assertions. */
	readonly state: HelloAnnieState;
}

interface HelloAnnieState {
	bots: HelloAnnieBot[];
	phoneNumbers: HelloAnniePhoneNumber[];
	conversations: StoredConversation[];
	messages: HelloAnnieMessage[];
	webhooks: Map<string, StoredWebhook>;
	/** The OAuth access tokens issued, by token: when each expires (epoch ms). */
	tokens: Map<string, { expiresAt: number }>;
}

/** The audience the token endpoint issues tokens for (documented). */
const OAUTH_AUDIENCE = 'https://api.helloannie.com';
/** Documented: 'Tokens expire after 24 hours.' */
const DOCUMENTED_TOKEN_LIFETIME_SECONDS = 86_400;
const TOKEN_OPERATION = 'getAccessToken';

// -------------------------------------------------------------------------------------------------
// Seeded fixtures

// The documentation's example uuid (seed 004 uses it for orgId and botId): with it as the sandbox's
// organization and first bot, the documented example requests work as given.
const DOCS_EXAMPLE_UUID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const ORG_ID = DOCS_EXAMPLE_UUID;
// The sandbox organization is an account organization with one child organization (a second
// practice): GET /conversations?includeChildren=true adds the child's conversations (documented:
// 'Include conversations from child organizations (only applicable for account orgs)').
const CHILD_ORG_ID = '9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f23';
/** The child organization's bot (GET /bots lists only the key's own organization's bots). */
const CHILD_ORG_BOT = 'ae1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a34';
const FRONT_DESK_BOT = DOCS_EXAMPLE_UUID;
const RECALL_BOT = '1c7e4a3b-6d5f-4a2b-9e8c-3f0d2b4c5e62';
const MAIN_LINE = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c01';
const SPANISH_LINE = '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d12';

export const HELLOANNIE_FIXTURES = deepFreeze({
	apiKey: 'annie-sk-v1-sandbox',
	/** The OAuth client POST /oauth/token accepts (the sandbox's stand-in for one made in the Developer Portal). */
	oauth: {
		clientId: 'sandbox-oauth-client',
		clientSecret: 'sandbox-oauth-client-secret-5d1c8b',
		audience: OAUTH_AUDIENCE,
	},
	orgId: ORG_ID,
	childOrgId: CHILD_ORG_ID,
	bots: [
		{
			id: FRONT_DESK_BOT,
			name: 'Front Desk Annie',
			internalName: 'front_desk',
			createdAt: '2025-01-06T14:00:00.000Z',
			updatedAt: '2025-01-06T14:00:00.000Z',
			companyName: 'Bright Smiles Dental',
			industry: 'DENTAL',
			greeting: 'Hi, this is Annie from Bright Smiles Dental. How can I help you today?',
			phoneGreeting: 'Thank you for calling Bright Smiles Dental, this is Annie.',
			closedChatGreeting: null,
			closedPhoneGreeting: null,
			outbound: true,
			isRagEnabled: false,
			isGuardianEnabled: true,
			orgId: ORG_ID,
		},
		{
			id: RECALL_BOT,
			name: 'Recall Annie',
			internalName: 'recall',
			createdAt: '2025-01-07T14:00:00.000Z',
			updatedAt: '2025-01-07T14:00:00.000Z',
			companyName: 'Bright Smiles Dental',
			industry: 'DENTAL',
			greeting: 'Hi, this is Annie from Bright Smiles Dental.',
			phoneGreeting: null,
			closedChatGreeting: null,
			closedPhoneGreeting: null,
			outbound: true,
			isRagEnabled: false,
			isGuardianEnabled: true,
			orgId: ORG_ID,
		},
	] satisfies HelloAnnieBot[],
	phoneNumbers: [
		{
			id: MAIN_LINE,
			createdAt: '2025-01-06T15:00:00.000Z',
			updatedAt: '2025-01-06T15:00:00.000Z',
			orgId: ORG_ID,
			botId: FRONT_DESK_BOT,
			// The seeds' fromNumber: the documented examples work as given.
			number: '+15551234567',
			name: 'Main line',
			language: 'ENGLISH',
			outbound: true,
			verifiedCallerId: null,
			callbackForwardingNumber: '+15550001111',
			voiceId: 'FRIENDLY_BRIGHT',
			speed: 1,
			stability: 0.5,
			similarity: 0.75,
			style: 0,
		},
		{
			id: SPANISH_LINE,
			createdAt: '2025-01-07T15:00:00.000Z',
			updatedAt: '2025-01-07T15:00:00.000Z',
			orgId: ORG_ID,
			botId: RECALL_BOT,
			number: '+15557654321',
			// Within the documented name pattern (letters, digits, spaces, basic punctuation).
			name: 'Spanish line',
			language: 'SPANISH',
			outbound: true,
			verifiedCallerId: null,
			callbackForwardingNumber: null,
			voiceId: 'CALM_REASSURING',
			speed: 1,
			stability: 0.5,
			similarity: 0.75,
			style: 0,
		},
	] satisfies HelloAnniePhoneNumber[],
	conversations: [
		{
			conversationId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c61',
			conversationTags: ['appointment-confirmation'],
			orgId: ORG_ID,
			medium: 'CALL',
			botId: FRONT_DESK_BOT,
			toNumber: '+15559876543',
			fromNumber: '+15551234567',
			summary: 'Sarah Johnson confirmed her cleaning appointment on March 10th at 3:00 PM.',
			topic: 'Appointment confirmation',
			duration: 94,
			startTime: '2025-03-03T16:00:00.000Z',
			endTime: '2025-03-03T16:01:34.000Z',
			status: 'CLOSED',
			archived: false,
			parentConversationId: null,
		},
		{
			conversationId: '3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d72',
			conversationTags: ['recall'],
			orgId: ORG_ID,
			medium: 'SMS',
			botId: RECALL_BOT,
			toNumber: '+15559876543',
			fromNumber: '+15557654321',
			summary: 'Patient asked to be called back next week.',
			topic: 'Recall',
			duration: null,
			startTime: '2025-03-04T17:30:00.000Z',
			endTime: null,
			status: 'OPEN',
			archived: false,
			parentConversationId: null,
		},
		{
			// A conversation of the child organization: listed only with includeChildren=true.
			conversationId: '4c5d6e7f-8a9b-4c0d-9e2f-3a4b5c6d7e83',
			conversationTags: [],
			orgId: CHILD_ORG_ID,
			medium: 'CALL',
			botId: CHILD_ORG_BOT,
			toNumber: '+15559876543',
			fromNumber: '+15552223333',
			summary: 'Second practice: left a voicemail about a missed appointment.',
			topic: 'Missed appointment',
			duration: 31,
			startTime: '2025-03-05T16:00:00.000Z',
			endTime: '2025-03-05T16:00:31.000Z',
			status: 'CLOSED',
			archived: false,
			parentConversationId: null,
		},
		{
			// Archived: hidden unless includeArchived=true.
			conversationId: '5d6e7f8a-9b0c-4d1e-8f3a-4b5c6d7e8f94',
			conversationTags: ['billing'],
			orgId: ORG_ID,
			medium: 'CALL',
			botId: FRONT_DESK_BOT,
			toNumber: '+15553332222',
			fromNumber: '+15551234567',
			summary: 'Billing question answered.',
			topic: 'Billing',
			duration: 240,
			startTime: '2024-12-01T15:00:00.000Z',
			endTime: '2024-12-01T15:04:00.000Z',
			status: 'CLOSED',
			archived: true,
			parentConversationId: null,
		},
	] satisfies StoredConversation[],
	messages: [
		{
			id: '6e7f8a9b-0c1d-4e2f-9a4b-5c6d7e8f9a05',
			content:
				'Hi Sarah, this is Annie from Bright Smiles Dental. It is time for your 6-month cleaning. Would you like to book?',
			role: 'assistant',
			conversationId: '3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d72',
			createdAt: '2025-03-04T17:30:00.000Z',
		},
		{
			id: '7f8a9b0c-1d2e-4f3a-8b5c-6d7e8f9a0b16',
			content: 'Can you call me back next week?',
			role: 'user',
			conversationId: '3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d72',
			createdAt: '2025-03-04T17:42:10.000Z',
		},
	] satisfies HelloAnnieMessage[],
});

// -------------------------------------------------------------------------------------------------
// Module

export function createHelloAnnie(
	ctx: ProviderContext,
	options: HelloAnnieOptions = {},
): { module: ProviderModule; controls: HelloAnnieControls } {
	const apiKey = options.apiKey ?? HELLOANNIE_FIXTURES.apiKey;
	const initialRateLimit = options.rateLimit ?? null;
	const smsInProgressMs = options.smsInProgressMs ?? 0;
	const allowlist = options.callAllowlist ?? null;
	const callEnding = options.callEnding;
	if (callEnding) checkCallEnding(callEnding);
	const initialTokenLifetimes = checkTokenLifetimes(
		options.tokenLifetimes ?? [DOCUMENTED_TOKEN_LIFETIME_SECONDS],
	);
	let tokenLifetimes = initialTokenLifetimes;
	/** Tokens issued since the lifetimes were last set: the index into tokenLifetimes. */
	let tokensIssued = 0;

	let state = freshState();
	let rateLimit: RateLimitConfig | null = initialRateLimit;
	/** Fixed window per organization: start of the current window and requests counted in it. */
	let windows = new Map<string, { start: number; count: number }>();
	/** Last successful SMS per destination (for the 409 'in progress' simulation). */
	let lastSmsAt = new Map<string, number>();

	function freshState(): HelloAnnieState {
		return {
			bots: clone(HELLOANNIE_FIXTURES.bots) as HelloAnnieBot[],
			phoneNumbers: clone(HELLOANNIE_FIXTURES.phoneNumbers) as HelloAnniePhoneNumber[],
			conversations: clone(HELLOANNIE_FIXTURES.conversations) as StoredConversation[],
			messages: clone(HELLOANNIE_FIXTURES.messages) as HelloAnnieMessage[],
			webhooks: new Map(),
			tokens: new Map(),
		};
	}

	const fail = (status: number, message: string): HandlerResult => ({
		status,
		body: { success: false, message },
	});
	const ok = (data: unknown): HandlerResult => ({ status: 200, body: { success: true, data } });

	function admit(orgId: string): { headers?: Record<string, string>; reject?: HandlerResult } {
		if (!rateLimit) return {};
		const now = Date.now();
		let window = windows.get(orgId);
		if (!window || now >= window.start + rateLimit.windowMs) {
			window = { start: now, count: 0 };
			windows.set(orgId, window);
		}
		window.count += 1;
		const resetAt = window.start + rateLimit.windowMs;
		const headers: Record<string, string> = {
			'X-RateLimit-Limit': String(rateLimit.limit),
			'X-RateLimit-Remaining': String(Math.max(0, rateLimit.limit - window.count)),
			// Epoch seconds as documented; ceil so that a sub-second window never reports a past reset.
			'X-RateLimit-Reset': String(Math.ceil(resetAt / 1000)),
		};
		if (window.count <= rateLimit.limit) return { headers };
		const rejectHeaders = { ...headers };
		if (rateLimit.sendRetryAfter)
			rejectHeaders['Retry-After'] = String(Math.max(0, Math.ceil((resetAt - now) / 1000)));
		return {
			headers,
			reject: {
				status: 429,
				body: { success: false, message: 'Too many requests' },
				headers: rejectHeaders,
			},
		};
	}

	const findBot = (orgId: string, botId: string): HelloAnnieBot => {
		const bot = state.bots.find((b) => b.id === botId && b.orgId === orgId);
		if (!bot) throw new HttpError(404, 'Bot not found');
		return bot;
	};
	/** Organizations whose conversations a key may read: its own and (account organization) its children. */
	const readableOrgs = (orgId: string): string[] =>
		orgId === HELLOANNIE_FIXTURES.orgId ? [orgId, HELLOANNIE_FIXTURES.childOrgId] : [orgId];
	const findConversation = (orgId: string, id: string): StoredConversation => {
		const orgs = readableOrgs(orgId);
		const conversation = state.conversations.find(
			(c) => c.conversationId === id && orgs.includes(c.orgId),
		);
		if (!conversation) throw new HttpError(404, 'Conversation not found');
		return conversation;
	};
	const outboundNumber = (orgId: string, fromNumber: string): HelloAnniePhoneNumber => {
		const phone = state.phoneNumbers.find(
			(p) => p.orgId === orgId && p.number === fromNumber && p.outbound,
		);
		if (!phone) throw new HttpError(400, 'fromNumber is not configured');
		// Documented (outbound-calls guide): the fromNumber must be attached to a bot with outbound: true.
		const bot = state.bots.find((b) => b.id === phone.botId && b.orgId === orgId);
		if (!bot?.outbound) throw new HttpError(400, 'fromNumber is not attached to an outbound bot');
		return phone;
	};

	/** A new OPEN conversation, stored; `request` is the body that created it. */
	function openConversation(
		fields: Pick<StoredConversation, 'orgId' | 'medium' | 'botId' | 'toNumber' | 'fromNumber'> & {
			request: unknown;
		},
	): StoredConversation {
		const conversation: StoredConversation = {
			conversationId: uuid(),
			conversationTags: [],
			...fields,
			summary: null,
			topic: null,
			duration: null,
			startTime: ctx.now().toISOString(),
			endTime: null,
			status: 'OPEN',
			archived: false,
			parentConversationId: null,
			request: clone(fields.request),
		};
		state.conversations.push(conversation);
		return conversation;
	}

	function startConversation(
		orgId: string,
		medium: 'CALL' | 'SMS',
		body: StartCallBody | StartSmsBody,
		phone: HelloAnniePhoneNumber,
	): StoredConversation {
		return openConversation({
			orgId,
			medium,
			botId: phone.botId,
			toNumber: body.toNumber,
			fromNumber: body.fromNumber,
			request: body,
		});
	}

	function webhookView(webhook: StoredWebhook): Record<string, unknown> {
		return {
			botId: webhook.botId,
			url: webhook.url,
			authTokenSet: webhook.authToken !== null,
			createdAt: webhook.createdAt,
			updatedAt: webhook.updatedAt,
		};
	}

	type Handler = (orgId: string, request: ProviderRequest) => HandlerResult;
	// Bodies and params are cast to their documented shapes: the core only calls a handler after
	// the request passed the OpenAPI contract.
	const handlers: Record<string, Handler> = {
		startOutboundCall(orgId, { body }) {
			const input = body as StartCallBody;
			const phone = outboundNumber(orgId, input.fromNumber);
			if (allowlist && !allowlist.includes(input.toNumber))
				throw new HttpError(400, 'toNumber is not in the allowlist');
			const conversation = startConversation(orgId, 'CALL', input, phone);
			if (callEnding) {
				const { afterMs, outcome } = drawCallEnding(callEnding);
				ctx.schedule(afterMs, () => {
					// A test (or reset) may have ended or dropped it meanwhile.
					if (state.conversations.includes(conversation) && conversation.status === 'OPEN')
						endCall(conversation.conversationId, outcome);
				});
			}
			return ok({ conversationId: conversation.conversationId });
		},

		startOutboundSms(orgId, { body }) {
			const input = body as StartSmsBody;
			const phone = outboundNumber(orgId, input.fromNumber);
			const now = Date.now();
			const last = lastSmsAt.get(input.toNumber);
			if (smsInProgressMs > 0 && last !== undefined && now - last < smsInProgressMs) {
				return fail(409, 'An SMS send to this number is already in progress');
			}
			lastSmsAt.set(input.toNumber, now);
			const conversation = startConversation(orgId, 'SMS', input, phone);
			state.messages.push({
				id: uuid(),
				content: input.message,
				role: 'assistant',
				conversationId: conversation.conversationId,
				createdAt: conversation.startTime,
			});
			return ok({ conversationId: conversation.conversationId });
		},

		listPhoneNumbers(orgId) {
			return ok({ phoneNumbers: state.phoneNumbers.filter((p) => p.orgId === orgId) });
		},

		createPhoneNumber(orgId, { body }) {
			const input = body as CreatePhoneNumberBody;
			if (input.orgId !== orgId) throw new HttpError(404, 'Organization not found');
			findBot(orgId, input.botId);
			const now = ctx.now().toISOString();
			const phone: HelloAnniePhoneNumber = {
				id: uuid(),
				createdAt: now,
				updatedAt: now,
				orgId,
				botId: input.botId,
				number: newNumber(input.areaCode ?? '555'),
				name: input.name,
				language: input.language,
				outbound: true,
				verifiedCallerId: input.verifiedCallerId ?? null,
				callbackForwardingNumber: input.callbackForwardingNumber ?? null,
				voiceId: input.voiceId,
				speed: 1,
				stability: 0.5,
				similarity: 0.75,
				style: 0,
			};
			state.phoneNumbers.push(phone);
			return ok(phone);
		},

		attachPhoneNumber(orgId, { params, body }) {
			const phone = state.phoneNumbers.find(
				(p) => p.id === params.phoneNumberId && p.orgId === orgId,
			);
			if (!phone) throw new HttpError(404, 'Phone number not found');
			const { botId } = body as { botId: string };
			findBot(orgId, botId);
			phone.botId = botId;
			phone.updatedAt = ctx.now().toISOString();
			return ok(phone);
		},

		listConversations(orgId, { query }) {
			const offset = typeof query.offset === 'number' ? query.offset : 0;
			const limit = typeof query.limit === 'number' ? query.limit : 20;
			// An orgId narrows the list to one organization the key may read (its own or a child's);
			// without one, includeChildren adds the child organizations' conversations.
			const readable = readableOrgs(orgId);
			const orgs =
				typeof query.orgId === 'string'
					? readable.filter((o) => o === query.orgId)
					: query.includeChildren === true
						? readable
						: [orgId];
			const matching = state.conversations
				.filter((c) => orgs.includes(c.orgId))
				.filter((c) => query.botId === undefined || c.botId === query.botId)
				.filter((c) => query.includeArchived === true || !c.archived)
				.sort((a, b) => b.startTime.localeCompare(a.startTime));
			return ok({
				conversations: matching.slice(offset, offset + limit).map(conversationView),
				pagination: { offset, limit, totalCount: matching.length },
			});
		},

		getConversation(orgId, { params }) {
			return ok(conversationView(findConversation(orgId, params.conversationId)));
		},

		listConversationMessages(orgId, { params }) {
			const conversation = findConversation(orgId, params.conversationId);
			return ok(
				state.messages
					.filter((m) => m.conversationId === conversation.conversationId)
					.sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
			);
		},

		createConversation(orgId, { body }) {
			const input = body as CreateConversationBody;
			findBot(orgId, input.botId);
			const conversation = openConversation({
				orgId,
				medium: input.medium,
				botId: input.botId,
				toNumber: input.toNumber ?? null,
				fromNumber: null,
				request: input,
			});
			// Documented: initial messages are attached in order.
			for (const message of input.messages ?? []) {
				state.messages.push({
					id: uuid(),
					content: message.input ?? '',
					role: message.role ?? 'user',
					conversationId: conversation.conversationId,
					createdAt: conversation.startTime,
				});
			}
			return ok(conversationView(conversation));
		},

		closeConversation(orgId, { params }) {
			const conversation = findConversation(orgId, params.conversationId);
			// Documented as idempotent: a duplicate close answers the current status and changes nothing.
			if (conversation.status !== 'OPEN')
				return {
					status: 200,
					body: {
						success: true,
						data: { status: conversation.status },
						message: 'Conversation already closed',
					},
				};
			// Sandbox decision: the post-conversation actions finish at once, so a read right after shows CLOSED.
			const now = ctx.now();
			conversation.status = 'CLOSED';
			conversation.endTime = now.toISOString();
			conversation.duration = Math.max(
				0,
				Math.round((now.getTime() - Date.parse(conversation.startTime)) / 1000),
			);
			return {
				status: 200,
				body: { success: true, data: { status: 'CLOSING' }, message: 'Conversation is closing' },
			};
		},

		listBots(orgId) {
			return ok({ bots: state.bots.filter((b) => b.orgId === orgId) });
		},

		createBot(orgId, { body }) {
			const input = body as CreateBotBody;
			if (input.orgId !== orgId) throw new HttpError(404, 'Organization not found');
			const now = ctx.now().toISOString();
			const bot: HelloAnnieBot = {
				id: uuid(),
				name: input.name,
				internalName: input.internalName ?? null,
				createdAt: now,
				updatedAt: now,
				companyName: input.companyName ?? null,
				industry: input.industry,
				greeting: input.greeting,
				phoneGreeting: input.phoneGreeting ?? null,
				closedChatGreeting: input.closedChatGreeting ?? null,
				closedPhoneGreeting: input.closedPhoneGreeting ?? null,
				// Documented default: false.
				outbound: input.outbound ?? false,
				isRagEnabled: false,
				isGuardianEnabled: input.isGuardianEnabled ?? true,
				orgId,
			};
			state.bots.push(bot);
			return { status: 201, body: { success: true, data: bot } };
		},

		updateBot(orgId, { params, body }) {
			const bot = findBot(orgId, params.botId);
			// Sandbox decision: modelVersion and integrationId are accepted but not kept, as the page's
			// bot has no such fields.
			const changes: Record<string, unknown> = { ...(body as UpdateBotBody) };
			delete changes.modelVersion;
			delete changes.integrationId;
			Object.assign(bot, changes, { updatedAt: ctx.now().toISOString() });
			return ok(bot);
		},

		getBotWebhook(orgId, { params }) {
			findBot(orgId, params.botId);
			const webhook = state.webhooks.get(params.botId);
			if (!webhook) throw new HttpError(404, 'Webhook not found');
			return ok(webhookView(webhook));
		},

		upsertBotWebhook(orgId, { params, body }) {
			findBot(orgId, params.botId);
			const input = body as { url: string; authToken?: string | null };
			const now = ctx.now().toISOString();
			const previous = state.webhooks.get(params.botId);
			const webhook: StoredWebhook = {
				botId: params.botId,
				url: input.url,
				// Documented: null clears the token. Omitted (Sandbox decision): the stored one is kept.
				authToken: input.authToken === undefined ? (previous?.authToken ?? null) : input.authToken,
				createdAt: previous?.createdAt ?? now,
				updatedAt: now,
			};
			state.webhooks.set(params.botId, webhook);
			return ok(webhookView(webhook));
		},

		deleteBotWebhook(orgId, { params }) {
			findBot(orgId, params.botId);
			if (!state.webhooks.delete(params.botId)) throw new HttpError(404, 'Webhook not found');
			return ok({ botId: params.botId, deleted: true });
		},
	};

	function newNumber(areaCode: string): string {
		for (;;) {
			const candidate = `+1${areaCode}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
			if (!state.phoneNumbers.some((p) => p.number === candidate)) return candidate;
		}
	}

	function addMessage(
		conversationId: string,
		content: string,
		role: HelloAnnieMessage['role'] = 'user',
	): HelloAnnieMessage {
		const conversation = state.conversations.find((c) => c.conversationId === conversationId);
		if (!conversation) throw new HttpError(404, 'Conversation not found');
		const message: HelloAnnieMessage = {
			id: uuid(),
			content,
			role,
			conversationId,
			createdAt: ctx.now().toISOString(),
		};
		state.messages.push(message);
		return message;
	}

	/**
	 * Sandbox decision (HelloAnnie documents OPEN, CLOSING and CLOSED, not how an unanswered call
	 * reads): every outcome closes the conversation with an end time; the summary, topic and tag
	 * say what happened; duration counts only connected time (0 for no answer and busy).
	 * With `CLOSING` (the close-conversation page: post-conversation actions running), the call
	 * has its end time and status only: the summary, topic, tag and duration come with CLOSED.
	 */
	function endCall(
		conversationId: string,
		outcome: CallEndOutcome = 'completed',
		status: EndedConversationStatus = 'CLOSED',
	): StoredConversation {
		if (!CALL_END_OUTCOMES.includes(outcome))
			throw new HttpError(400, `outcome must be one of ${CALL_END_OUTCOMES.join(', ')}`);
		if (status !== 'CLOSED' && status !== 'CLOSING')
			throw new HttpError(400, 'status must be CLOSING or CLOSED');
		const conversation = state.conversations.find((c) => c.conversationId === conversationId);
		if (!conversation || conversation.medium !== 'CALL')
			throw new HttpError(404, 'Conversation not found');
		const finishing = conversation.status === 'CLOSING' && status === 'CLOSED';
		if (conversation.status !== 'OPEN' && !finishing)
			throw new HttpError(409, `conversation is already ${conversation.status}`);
		const now = ctx.now();
		if (status === 'CLOSING') {
			Object.assign(conversation, { status, endTime: now.toISOString() });
			return conversation;
		}
		const endedAt =
			finishing && conversation.endTime ? Date.parse(conversation.endTime) : now.getTime();
		const elapsed = Math.max(1, Math.round((endedAt - Date.parse(conversation.startTime)) / 1000));
		const voicemail = (conversation.request as StartCallBody | undefined)?.voicemailMessage;
		const ending: Record<
			CallEndOutcome,
			Pick<StoredConversation, 'summary' | 'topic' | 'duration'>
		> = {
			completed: {
				summary: 'The patient answered and confirmed the appointment.',
				topic: 'Appointment confirmation',
				duration: elapsed,
			},
			'no-answer': { summary: 'The call was not answered.', topic: 'No answer', duration: 0 },
			voicemail: {
				summary: voicemail
					? 'The call reached voicemail; Annie left the voicemail message.'
					: 'The call reached voicemail; no voicemail message was set, so Annie hung up.',
				topic: 'Voicemail',
				duration: elapsed,
			},
			busy: { summary: 'The line was busy.', topic: 'Busy', duration: 0 },
		};
		Object.assign(conversation, ending[outcome], {
			status: 'CLOSED',
			conversationTags: [outcome === 'completed' ? 'appointment-confirmation' : outcome],
			endTime: new Date(endedAt).toISOString(),
		});
		return conversation;
	}

	async function fireBotWebhook(botId: string, payload: unknown): Promise<CallbackAttempt> {
		const webhook = state.webhooks.get(botId);
		if (!webhook) throw new HttpError(404, `bot ${botId} has no webhook`);
		return ctx.deliver({
			provider: 'helloannie',
			event: 'bot.webhook',
			url: webhook.url,
			rawBody: JSON.stringify(payload ?? {}),
			// Documented: with an authToken set, Annie sends it as a Bearer token.
			headers: webhook.authToken === null ? {} : { authorization: `Bearer ${webhook.authToken}` },
		});
	}

	/** An error of the token endpoint, in the form of RFC 6749 §5.2 (Sandbox decision). */
	const oauthError = (status: number, error: string, description: string): HandlerResult => ({
		status,
		body: { error, error_description: description },
	});

	/**
	 * POST /oauth/token, the client credentials grant as HelloAnnie documents it: client_id and
	 * client_secret in the body (JSON as in the page's example, or a form), and the audience of
	 * HelloAnnie's API. The contract has checked the fields are there.
	 */
	function issueToken({ body, headers }: ProviderRequest): HandlerResult {
		const input = body as { client_id: string; client_secret: string; audience: string };
		const { clientId, clientSecret } = HELLOANNIE_FIXTURES.oauth;
		if (headers.authorization !== undefined)
			return oauthError(
				401,
				'invalid_client',
				'Client authentication failed: send client_id and client_secret in the request body',
			);
		if (input.client_id !== clientId || input.client_secret !== clientSecret)
			return oauthError(401, 'invalid_client', 'Client authentication failed');
		if (input.audience !== OAUTH_AUDIENCE)
			return oauthError(403, 'access_denied', `Service not found: ${input.audience}`);
		const lifetime = tokenLifetimes[Math.min(tokensIssued, tokenLifetimes.length - 1)];
		tokensIssued += 1;
		const token = `sandbox-oauth-${uuid()}`;
		state.tokens.set(token, { expiresAt: ctx.now().getTime() + lifetime * 1000 });
		return {
			status: 200,
			body: { access_token: token, token_type: 'Bearer', expires_in: lifetime },
		};
	}

	/** What the Bearer credential is: the API key, or an access token that has not expired. */
	function credentialStatus(credential: string | undefined): 'valid' | 'expired' | 'unknown' {
		if (credential === undefined) return 'unknown';
		if (credential === apiKey) return 'valid';
		const token = state.tokens.get(credential);
		if (!token) return 'unknown';
		return token.expiresAt > ctx.now().getTime() ? 'valid' : 'expired';
	}

	const setTokenLifetimes = (...seconds: number[]): void => {
		tokenLifetimes = checkTokenLifetimes(seconds);
		tokensIssued = 0;
	};

	const expireTokens = (): number => {
		const now = ctx.now().getTime();
		for (const token of state.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
		return state.tokens.size;
	};

	const setRateLimit = (config: RateLimitConfig | null): void => {
		if (config && !(config.limit >= 0 && config.windowMs > 0))
			throw new Error('rate limit needs limit >= 0 and windowMs > 0');
		rateLimit = config;
		windows = new Map();
	};

	const controlRoutes: ControlRoute[] = [
		{
			method: 'POST',
			pattern: /^\/rate-limit$/,
			handle: (_m, body) => {
				// null, {} or {"limit": null} switch it off.
				const input = body === null ? {} : objectBody(body);
				if (input.limit === undefined || input.limit === null) {
					setRateLimit(null);
				} else {
					setRateLimit({
						limit: Number(input.limit),
						windowMs: Number(input.windowMs ?? 60_000),
						sendRetryAfter: input.sendRetryAfter === true,
					});
				}
				return { status: 200, body: { ok: true, rateLimit } };
			},
		},
		{
			method: 'POST',
			pattern: /^\/helloannie\/conversations\/([^/]+)\/messages$/,
			handle: (m, body) => {
				const input = objectBody(body);
				const role = input.role === 'assistant' ? 'assistant' : 'user';
				return {
					status: 200,
					body: addMessage(decodeURIComponent(m[1]), String(input.content ?? ''), role),
				};
			},
		},
		{
			method: 'POST',
			pattern: /^\/helloannie\/conversations\/([^/]+)\/end$/,
			handle: (m, body) => {
				const input = body === null || body === undefined ? {} : objectBody(body);
				const outcome = (input.outcome ?? 'completed') as CallEndOutcome;
				const status = (input.status ?? 'CLOSED') as EndedConversationStatus;
				return {
					status: 200,
					body: conversationView(endCall(decodeURIComponent(m[1]), outcome, status)),
				};
			},
		},
		{
			method: 'POST',
			pattern: /^\/helloannie\/oauth\/token-lifetimes$/,
			handle: (_m, body) => {
				const seconds = objectBody(body).seconds;
				setTokenLifetimes(...(Array.isArray(seconds) ? seconds : [seconds]).map(Number));
				return { status: 200, body: { ok: true, tokenLifetimes } };
			},
		},
		{
			method: 'POST',
			pattern: /^\/helloannie\/oauth\/expire-tokens$/,
			handle: () => ({ status: 200, body: { expired: expireTokens() } }),
		},
		{
			method: 'POST',
			pattern: /^\/helloannie\/bots\/([^/]+)\/webhook\/fire$/,
			handle: async (m, body) => ({
				status: 200,
				body: await fireBotWebhook(decodeURIComponent(m[1]), body),
			}),
		},
	];

	const module: ProviderModule = {
		name: 'helloannie',
		mountPrefix: '/helloannie/v1',
		definition: loadDocument('helloannie.json'),
		authenticate(credential, request): AuthOutcome {
			// The token endpoint takes no Bearer credential: the client authenticates in the body.
			if (request.operationId === TOKEN_OPERATION)
				return { ok: true, session: { handle: issueToken } };
			const status = credentialStatus(credential);
			if (status === 'expired') {
				// Sandbox decision: what an API behind an OAuth server answers (RFC 6750 §3).
				return {
					ok: false,
					response: {
						...fail(401, 'Unauthorized'),
						headers: {
							'WWW-Authenticate':
								'Bearer error="invalid_token", error_description="The access token expired"',
						},
					},
				};
			}
			if (status !== 'valid') return { ok: false, response: fail(401, 'Unauthorized') };
			const orgId = HELLOANNIE_FIXTURES.orgId;
			return {
				ok: true,
				session: {
					admit: () => admit(orgId),
					handle: (request) => {
						const handler = handlers[request.operationId];
						if (!handler)
							throw new HttpError(
								501,
								`operation ${request.operationId} is not implemented by the sandbox`,
							);
						return handler(orgId, request);
					},
				},
			};
		},
		errorResponse(status, message) {
			return fail(status, message ?? defaultMessage(status));
		},
		validationFailure(issues: readonly ValidationIssue[], operationId?: string) {
			const text = issues.map(formatIssue).join('; ');
			if (operationId === TOKEN_OPERATION) return oauthError(400, 'invalid_request', text);
			return fail(400, `Validation failed: ${text}`);
		},
		reset() {
			state = freshState();
			tokenLifetimes = initialTokenLifetimes;
			tokensIssued = 0;
			rateLimit = initialRateLimit;
			windows = new Map();
			lastSmsAt = new Map();
		},
		controlRoutes,
	};

	return {
		module,
		controls: {
			setRateLimit,
			addMessage,
			fireBotWebhook,
			endCall,
			setTokenLifetimes,
			expireTokens,
			get state() {
				return state;
			},
		},
	};
}

/** Token lifetimes as whole seconds of at least 1 (the documented `expires_in` is whole seconds). */
function checkTokenLifetimes(seconds: readonly number[]): readonly number[] {
	if (seconds.length === 0 || !seconds.every((s) => Number.isInteger(s) && s >= 1))
		throw new HttpError(400, 'token lifetimes must be whole seconds, at least 1');
	return [...seconds];
}

function conversationView(c: StoredConversation): HelloAnnieConversation {
	return {
		conversationId: c.conversationId,
		conversationTags: c.conversationTags,
		orgId: c.orgId,
		medium: c.medium,
		botId: c.botId,
		toNumber: c.toNumber,
		fromNumber: c.fromNumber,
		summary: c.summary,
		topic: c.topic,
		duration: c.duration,
		startTime: c.startTime,
		endTime: c.endTime,
		status: c.status,
	};
}

function defaultMessage(status: number): string {
	switch (status) {
		case 400:
			return 'Bad request';
		case 401:
			return 'Unauthorized';
		case 403:
			return 'Forbidden';
		case 404:
			return 'Not found';
		case 409:
			return 'Conflict';
		case 413:
			return 'Request body too large';
		case 429:
			return 'Too many requests';
		default:
			return status >= 500 ? 'Internal server error' : 'Request failed';
	}
}
