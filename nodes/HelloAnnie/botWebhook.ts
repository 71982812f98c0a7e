/**
 * HelloAnnie's bot webhook: one per bot, read, upserted and deleted (the pages Get / Upsert /
 * Delete bot webhook under https://docs.helloannie.com/api-reference/bot-webhooks/, listed in
 * https://docs.helloannie.com/llms.txt). What is documented: an `authToken` is sent back to the
 * webhook as `Authorization: Bearer <authToken>`, and `authToken: null` clears it. The pages'
 * methods, paths and shapes could not be read; the project uses `GET | PUT | DELETE
 * /bots/{botId}/webhook` with `{ url, authToken }`, the REST shape of HelloAnnie's other bot
 * endpoints. The README and docs/provider-contracts/helloannie.md say so.
 */
import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from '../shared/transport';
import { helloAnnie, type AnnieEnvelope } from './provider';

/** What the trigger keeps in the node's static data between activation and requests. */
export interface RegisteredWebhook {
	botId: string;
	/** The token HelloAnnie sends as `Authorization: Bearer`; generated at each activation. */
	authToken: string;
	url: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readBotId(fn: IHookFunctions): string {
	const botId = String(fn.getNodeParameter('botId', '', { extractValue: true }) ?? '').trim();
	if (!UUID.test(botId)) {
		throw new NodeOperationError(fn.getNode(), 'Bot: must be a UUID', {
			description: 'Pick the bot from the list, or enter its ID (a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a).',
		});
	}
	return botId;
}

export function registered(fn: IHookFunctions): RegisteredWebhook | undefined {
	const data = fn.getWorkflowStaticData('node');
	const { botId, authToken, url } = data;
	if (typeof botId === 'string' && typeof authToken === 'string' && typeof url === 'string') {
		return { botId, authToken, url };
	}
	return undefined;
}

export function remember(fn: IHookFunctions, webhook: RegisteredWebhook | undefined): void {
	const data = fn.getWorkflowStaticData('node');
	delete data.botId;
	delete data.authToken;
	delete data.url;
	if (webhook) Object.assign(data, webhook);
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
