/**
 * HelloAnnie's bot webhook: one per bot, read, upserted and deleted (the pages Get / Upsert /
 * Delete bot webhook under https://docs.helloannie.com/api-reference/bot-webhooks/, listed in
 * https://docs.helloannie.com/llms.txt). What is documented: an `authToken` is sent back to the
 * webhook as `Authorization: Bearer <authToken>`, and `authToken: null` clears it. The pages'
 * methods, paths and shapes could not be read; the project uses `GET | PUT | DELETE
 * /bots/{botId}/webhook` with `{ url, authToken }`, the REST shape of HelloAnnie's other bot
 * endpoints. The README and docs/provider-contracts.md say so.
 */
import { createHash, createHmac } from 'crypto';
import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from '../shared/transport';
import { ID_EXAMPLE } from '../shared/validate';
import { helloAnnie, type AnnieEnvelope } from './provider';

/**
 * What the trigger keeps in the node's static data between activation and requests. Static data
 * is stored with the workflow in clear (n8n's workflow export and REST API include it), so it
 * holds no secret: the token HelloAnnie sends is derived from a random nonce kept here and the
 * HelloAnnie API key, which lives in the credential, encrypted by n8n (see webhookToken).
 */
export interface RegisteredWebhook {
	botId: string;
	url: string;
	/** 32 random bytes (hex), new at each activation: a token seen before stops working. */
	nonce: string;
	/** The first 16 hex digits of SHA-256(token): tells whether the API key changed since. */
	check: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readBotId(fn: IHookFunctions): string {
	const botId = String(fn.getNodeParameter('botId', '', { extractValue: true }) ?? '').trim();
	if (!UUID.test(botId)) {
		throw new NodeOperationError(fn.getNode(), `Bot (botId) ${botId ? 'is not a valid bot ID' : 'is empty'}: pick the bot from the list`, {
			description: `Or enter the bot's whole ID: 36 letters, digits and dashes, such as ${ID_EXAMPLE}.`,
		});
	}
	return botId;
}

type StaticDataReader = Pick<IHookFunctions, 'getWorkflowStaticData'>;

export function registered(fn: StaticDataReader): RegisteredWebhook | undefined {
	const data = fn.getWorkflowStaticData('node');
	const { botId, url, nonce, check } = data;
	if (typeof botId === 'string' && typeof url === 'string' && typeof nonce === 'string' && typeof check === 'string') {
		return { botId, url, nonce, check };
	}
	return undefined;
}

export function remember(fn: StaticDataReader, webhook: RegisteredWebhook | undefined): void {
	const data = fn.getWorkflowStaticData('node');
	// authToken: where an earlier version kept the token itself, in clear.
	for (const key of ['botId', 'url', 'nonce', 'check', 'authToken']) delete data[key];
	if (webhook) Object.assign(data, webhook);
}

/**
 * The token HelloAnnie sends as `Authorization: Bearer`: HMAC-SHA256 keyed with the HelloAnnie API
 * key over the activation's nonce and the webhook URL, 64 hex characters. Nothing that is stored
 * in clear gives it: computing it needs the API key, and whoever holds that can re-point the
 * bot's webhook anyway.
 */
export function webhookToken(apiKey: string, nonce: string, url: string): string {
	return createHmac('sha256', apiKey).update(`n8n-helloannie-bot-webhook\n${nonce}\n${url}`).digest('hex');
}

export function tokenCheck(token: string): string {
	return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** The API key of the node's HelloAnnie credential ('' when there is none). */
export async function apiKeyOf(fn: Pick<IHookFunctions, 'getCredentials'>): Promise<string> {
	const credentials = await fn.getCredentials('helloAnnieApi');
	return typeof credentials?.apiKey === 'string' ? credentials.apiKey : '';
}

const path = (botId: string) => `/bots/${encodeURIComponent(botId)}/webhook`;

function session(fn: IHookFunctions): RequestSession {
	return new RequestSession(fn, helloAnnie, DEFAULT_TRANSPORT_OPTIONS);
}

const isNotFound = (error: unknown) => error instanceof NodeApiError && error.httpCode === '404';

/** The transport's errors are already NodeApiErrors; anything else is wrapped. */
function asNodeError(fn: IHookFunctions, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(fn.getNode(), error instanceof Error ? error : String(error));
}

/** The bot's webhook as HelloAnnie has it (the token is never returned), or undefined if none. */
export async function getBotWebhook(fn: IHookFunctions, botId: string): Promise<IDataObject | undefined> {
	try {
		const response = await session(fn).send<AnnieEnvelope<IDataObject>>({ method: 'GET', path: path(botId), idempotent: true }, 0);
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
export async function upsertBotWebhook(fn: IHookFunctions, botId: string, url: string, authToken: string): Promise<void> {
	await session(fn).send({ method: 'PUT', path: path(botId), body: { url, authToken }, idempotent: true }, 0);
}

export async function deleteBotWebhook(fn: IHookFunctions, botId: string): Promise<void> {
	try {
		await session(fn).send({ method: 'DELETE', path: path(botId), idempotent: true }, 0);
	} catch (error) {
		// Already gone: what deactivation wanted.
		if (!isNotFound(error)) throw asNodeError(fn, error);
	}
}
