/**
 * HelloAnnie's bot webhook: one per bot, read, upserted and deleted (the pages Get / Upsert /
 * Delete bot webhook under https://docs.helloannie.com/api-reference/bot-webhooks/, listed in
 * https://docs.helloannie.com/llms.txt). What is documented: an `authToken` is sent back to the
 * webhook as `Authorization: Bearer <authToken>`, and `authToken: null` clears it. The pages'
 * methods, paths and shapes could not be read; the project uses `GET | PUT | DELETE
 * /bots/{botId}/webhook` with `{ url, authToken }`, the REST shape of HelloAnnie's other bot
 * endpoints. The README and docs/provider-contracts.md say so.
 */
import { createHmac } from 'crypto';
import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { asNodeError } from '../shared/errors';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from '../shared/transport';
import { UUID_EXAMPLE } from '../shared/validate';
import { matchesDigest, safeEqual, tokenDigest } from '../shared/webhookAuth';
import { helloAnnie, helloAnnieCredential, type AnnieEnvelope } from './provider';

/**
 * What the trigger keeps in the node's static data about one registration of the bot's webhook.
 * Static data is stored with the workflow in clear (n8n's workflow export and REST API include
 * it), so it holds no secret: the token HelloAnnie sends is 32 random bytes, sent to HelloAnnie
 * once and kept here only as its full SHA-256 digest. A request is checked against the digest,
 * without the API key, so changing the credential's API key changes nothing for a registered
 * webhook.
 */
interface Registration {
	botId: string;
	url: string;
	/** tokenDigest() of the token HelloAnnie was given. */
	tokenDigest: string;
}

/** The registration of the active workflow (its production URL). */
export interface ProductionRegistration extends Registration {
	/**
	 * tokenDigest() of the hand-back token (see handBackToken) as it was when last known: made at
	 * activation, and replaced by the one HelloAnnie actually sends once a request has proved it.
	 */
	handBackDigest: string;
}

/** The registration of the editor's "Listen for test event" (its test URL). */
export interface TestRegistration extends Registration {
	/**
	 * This trigger's production URL when the listen took the bot over from it: the bot is handed
	 * back to it when the listen stops.
	 */
	handBackTo?: string;
}

/**
 * Test and production registrations are kept under keys of their own. n8n 2.41 gives a test
 * listen a static data of its own that it never saves, but a version that shared one would
 * otherwise let a test listen overwrite the production registration.
 */
const PRODUCTION = 'production';
const TEST = 'test';
/** Where versions before the random token kept the registration: top-level keys of the node's static data. */
const LEGACY_KEYS = ['botId', 'url', 'nonce', 'check', 'authToken'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readBotId(fn: IHookFunctions): string {
	const botId = String(fn.getNodeParameter('botId', '', { extractValue: true }) ?? '').trim();
	if (!UUID.test(botId)) {
		throw new NodeOperationError(
			fn.getNode(),
			`Bot (botId) ${botId ? 'is not a valid bot ID' : 'is empty'}: pick the bot from the list`,
			{
				description: `Or enter the bot's whole ID: 36 letters, digits and dashes, such as ${UUID_EXAMPLE}.`,
			},
		);
	}
	return botId;
}

type StaticDataUser = Pick<IHookFunctions, 'getWorkflowStaticData'>;

const nodeData = (fn: StaticDataUser): IDataObject => fn.getWorkflowStaticData('node');

/** The registration's fields, if `value` has them all as strings (static data may be edited or damaged). */
function registrationIn(value: unknown): (Registration & IDataObject) | undefined {
	if (value === null || typeof value !== 'object') return undefined;
	const data = value as IDataObject;
	const { botId, url, tokenDigest: digest } = data;
	if (typeof botId !== 'string' || typeof url !== 'string' || typeof digest !== 'string')
		return undefined;
	return { ...data, botId, url, tokenDigest: digest };
}

export function productionRegistration(fn: StaticDataUser): ProductionRegistration | undefined {
	const found = registrationIn(nodeData(fn)[PRODUCTION]);
	if (!found) return undefined;
	const handBack = found.handBackDigest;
	return {
		botId: found.botId,
		url: found.url,
		tokenDigest: found.tokenDigest,
		handBackDigest: typeof handBack === 'string' ? handBack : '',
	};
}

export function testRegistration(fn: StaticDataUser): TestRegistration | undefined {
	const found = registrationIn(nodeData(fn)[TEST]);
	if (!found) return undefined;
	const handBackTo = typeof found.handBackTo === 'string' ? found.handBackTo : undefined;
	return {
		botId: found.botId,
		url: found.url,
		tokenDigest: found.tokenDigest,
		...(handBackTo ? { handBackTo } : {}),
	};
}

/** A registration made before the random token: the bot, the URL and the nonce its token was derived from. */
export interface LegacyRegistration {
	botId: string;
	url: string;
	nonce: string;
}

export function legacyRegistration(fn: StaticDataUser): LegacyRegistration | undefined {
	const { botId, url, nonce } = nodeData(fn);
	if (typeof botId === 'string' && typeof url === 'string' && typeof nonce === 'string')
		return { botId, url, nonce };
	return undefined;
}

/** Sets or (undefined) removes the production registration; an earlier version's keys go either way. */
export function rememberProduction(
	fn: StaticDataUser,
	registration: ProductionRegistration | undefined,
): void {
	const data = nodeData(fn);
	for (const key of LEGACY_KEYS) delete data[key];
	// Replaced whole, never changed in place: n8n notices a changed top-level key and saves it.
	if (registration) data[PRODUCTION] = { ...registration };
	else delete data[PRODUCTION];
}

export function rememberTest(fn: StaticDataUser, registration: TestRegistration | undefined): void {
	const data = nodeData(fn);
	if (registration) data[TEST] = { ...registration };
	else delete data[TEST];
}

/**
 * The token a test listen hands the bot back to the production URL with, when it stops:
 * HMAC-SHA256 keyed with the credential's secret (handBackKeyOf) over the bot and the production
 * URL, 64 hex characters. A test listen cannot give the production trigger a token of its own (in
 * n8n 2.41 its static data is not the production one, and is never saved), so the token is one
 * both can compute from what they share, the credential. Only whoever holds that secret can make
 * it, and that one can re-point the bot's webhook anyway.
 */
export function handBackToken(key: string, botId: string, url: string): string {
	return createHmac('sha256', key)
		.update(`n8n-helloannie-bot-webhook-hand-back\n${botId}\n${url}`)
		.digest('hex');
}

/** The token of a registration made before the random token (derived from the API key, a nonce and the URL). */
function legacyToken(apiKey: string, nonce: string, url: string): string {
	return createHmac('sha256', apiKey)
		.update(`n8n-helloannie-bot-webhook\n${nonce}\n${url}`)
		.digest('hex');
}

/**
 * The secret of the node's HelloAnnie credential that keys the hand-back token ('' when there is
 * none): the API key, or with OAuth2 the client secret (an access token changes every 24 hours;
 * the client secret stays until it is rotated, as an API key does).
 */
export async function handBackKeyOf(
	fn: Pick<IHookFunctions, 'getCredentials' | 'getNode'>,
): Promise<string> {
	const { type, oAuth2 } = helloAnnieCredential(fn.getNode());
	const credentials = await fn.getCredentials(type);
	const secret = oAuth2 ? credentials?.clientSecret : credentials?.apiKey;
	return typeof secret === 'string' ? secret : '';
}

/**
 * Whether `given` is the token of the test listen's registration. Only the digest is compared:
 * no API key is needed.
 */
export function testTokenAccepted(fn: StaticDataUser, given: string): boolean {
	const mine = testRegistration(fn);
	return mine !== undefined && matchesDigest(given, mine.tokenDigest);
}

/**
 * Whether `given` is a token the production registration accepts:
 * - the random token of the activation (by its digest);
 * - the hand-back token of a test listen that has stopped, by its digest as of activation, or
 *   made with the API key as it is now (the key was changed between activation and the hand-back:
 *   the digest is then updated, so changing the key once more does not lock HelloAnnie out);
 * - the token of a registration made before the random token, until the next activation
 *   registers a new one (the digest is then kept, so the API key is no longer needed either).
 */
export async function productionTokenAccepted(
	fn: IWebhookFunctions,
	given: string,
): Promise<boolean> {
	const mine = productionRegistration(fn);
	if (mine && (matchesDigest(given, mine.tokenDigest) || matchesDigest(given, mine.handBackDigest)))
		return true;
	const legacy = mine ? undefined : legacyRegistration(fn);
	const registered = mine ?? legacy;
	if (!registered) return false;
	// An unreadable credential proves nothing: refused like a wrong token.
	const key = await handBackKeyOf(fn).catch(() => '');
	if (key === '') return false;
	const handBack = handBackToken(key, registered.botId, registered.url);
	const isHandBack = safeEqual(given, handBack);
	const isLegacy =
		legacy !== undefined && safeEqual(given, legacyToken(key, legacy.nonce, legacy.url));
	if (!isHandBack && !isLegacy) return false;
	rememberProduction(fn, {
		botId: registered.botId,
		url: registered.url,
		tokenDigest: mine?.tokenDigest ?? tokenDigest(given),
		handBackDigest: tokenDigest(handBack),
	});
	return true;
}

/**
 * Whether `url` is a webhook URL of this trigger node, test or production: n8n builds both from
 * the node's own webhook ID and path, under different bases (…/webhook/ and …/webhook-test/ by
 * default). `ownUrl` is the one n8n gives this context.
 */
export function isThisTriggersUrl(
	fn: Pick<IHookFunctions, 'getNode'>,
	ownUrl: string,
	url: string,
): boolean {
	if (url === ownUrl) return true;
	const webhookId = fn.getNode().webhookId;
	if (!webhookId) return false;
	const pathOf = (address: string): string | undefined => {
		try {
			return new URL(address).pathname;
		} catch {
			return undefined;
		}
	};
	const own = pathOf(ownUrl);
	const other = pathOf(url);
	const at = own?.indexOf(`/${webhookId}/`) ?? -1;
	if (own === undefined || other === undefined || at < 0) return false;
	return other.endsWith(own.slice(at));
}

const path = (botId: string) => `/bots/${encodeURIComponent(botId)}/webhook`;

function session(fn: IHookFunctions): RequestSession {
	return new RequestSession(fn, helloAnnie, DEFAULT_TRANSPORT_OPTIONS);
}

const isNotFound = (error: unknown) => error instanceof NodeApiError && error.httpCode === '404';

/** The bot's webhook as HelloAnnie has it (the token is never returned), or undefined if none. */
export async function getBotWebhook(
	fn: IHookFunctions,
	botId: string,
): Promise<IDataObject | undefined> {
	try {
		const response = await session(fn).send<AnnieEnvelope<IDataObject>>(
			{ method: 'GET', path: path(botId), idempotent: true },
			0,
		);
		return response?.data ?? undefined;
	} catch (error) {
		if (isNotFound(error)) return undefined;
		throw asNodeError(fn, error);
	}
}

/**
 * Creates or replaces the bot's webhook. PUT and DELETE are idempotent, so they are retried on
 * transient failures like reads: repeating them cannot do anything twice.
 */
export async function upsertBotWebhook(
	fn: IHookFunctions,
	botId: string,
	url: string,
	authToken: string,
): Promise<void> {
	await session(fn).send(
		{ method: 'PUT', path: path(botId), body: { url, authToken }, idempotent: true },
		0,
	);
}

export async function deleteBotWebhook(fn: IHookFunctions, botId: string): Promise<void> {
	try {
		await session(fn).send({ method: 'DELETE', path: path(botId), idempotent: true }, 0);
	} catch (error) {
		// Already gone: what deactivation wanted.
		if (!isNotFound(error)) throw asNodeError(fn, error);
	}
}
