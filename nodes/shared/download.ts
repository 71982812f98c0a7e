/**
 * Downloads a call's files (a recording, a transcript) from the links a provider returned and puts
 * them on the output item as n8n binary data, so Google Drive, S3, email and CRM nodes take them
 * as they are.
 *
 * - A link is a pre-signed (or public) URL on a storage host: it is fetched with n8n's plain HTTP
 *   helper, never with the provider's credential, so the API key does not leave for that host.
 * - The body is streamed into n8n's binary data store (`prepareBinaryData` with the response
 *   stream): in n8n's filesystem, S3 or database modes a 50 MB recording is never held in memory
 *   as one buffer.
 * - A file that cannot be downloaded (expired link, missing link, host error, cut connection)
 *   never costs the item: the call data is output with the files that did arrive, and each failed
 *   file is named in `downloadErrors` with what happened and what to do.
 * - No message names the link's query string (its signature), only the host.
 */
import type { IBinaryData, IBinaryKeyData, IDataObject, IExecuteFunctions, IN8nHttpFullResponse, INodeProperties } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import { z } from 'zod';
import { DEFAULT_TRANSPORT_OPTIONS } from './transport';
import { ItemWithFiles } from './items';
import type { OperationContext } from './types';

export type FileKind = 'transcript' | 'recording';

export type DownloadChoice = 'none' | FileKind | 'both';

/** The Download field of an operation that can offer `kinds` (what the provider's pages document). */
export function downloadProperty(kinds: readonly FileKind[], what: string): INodeProperties {
	const options = [{ name: 'None', value: 'none', description: 'Output the call data with its links only' }];
	if (kinds.includes('transcript'))
		options.push({ name: 'Transcript', value: 'transcript', description: 'Add the transcript file as binary property "transcript"' });
	if (kinds.includes('recording'))
		options.push({ name: 'Recording', value: 'recording', description: 'Add the recording file as binary property "recording"' });
	if (kinds.length > 1)
		options.push({ name: 'Both', value: 'both', description: 'Add the transcript and the recording files' });
	return {
		displayName: 'Download',
		name: 'download',
		type: 'options',
		options,
		default: 'none',
		description: `Which of ${what} to download as files, for Google Drive, S3, email or CRM nodes that take binary data. A file that cannot be downloaded is named in downloadErrors; the call data is still output.`,
	};
}

/** Download's value, for an operation that offers every choice (transcript and recording). */
export const downloadChoice = () => z.enum(['none', 'transcript', 'recording', 'both']);

/** Whether `choice` asks for `kind`. */
export function wants(choice: DownloadChoice, kind: FileKind): boolean {
	return choice === kind || choice === 'both';
}

export interface FileLink {
	/** Binary property, and the word used in messages. */
	kind: FileKind;
	/** The provider's field holding the link, e.g. recordingUrl. */
	field: string;
	/** The link as the provider returned it (null or missing when there is none). */
	url: unknown;
	/** Why there may be no link, and what to do, e.g. "a call that was not answered has none". */
	missingHint: string;
	/** What to do once the link has expired, e.g. "run Call → Get again for a fresh link". */
	expiredHint: string;
}

export interface DownloadError extends IDataObject {
	message: string;
	httpCode?: string;
}

const LABEL: Record<FileKind, string> = { transcript: 'Transcript', recording: 'Recording' };

const NETWORK_WORDS: Record<string, string> = {
	ECONNRESET: 'connection reset',
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	EHOSTUNREACH: 'host unreachable',
	ECONNABORTED: 'no answer in time',
	ETIMEDOUT: 'no answer in time',
	ERR_INVALID_URL: 'invalid URL',
};

/** Attempts per file when the host fails (5xx) or the connection does, before any byte was kept. */
const ATTEMPTS = 2;

/** A file that did not arrive: what the item's downloadErrors says, and whether another try may help. */
interface Failure {
	failed: DownloadError;
	retry: boolean;
}

const failure = (message: string, options: { httpCode?: string; retry?: boolean } = {}): Failure => ({
	failed: { message, ...(options.httpCode ? { httpCode: options.httpCode } : {}) },
	retry: options.retry ?? false,
});

/**
 * Downloads `links` and returns the item: `json` plus `binary.<kind>` for each file that arrived,
 * and `downloadErrors.<kind>` for each that did not.
 */
export async function withDownloads(ctx: OperationContext, json: IDataObject, links: FileLink[]): Promise<ItemWithFiles> {
	const binary: IBinaryKeyData = {};
	const errors: Record<string, DownloadError> = {};
	const timeout = downloadTimeout(ctx.fn);
	for (const link of links) {
		const outcome = await download(ctx.fn, link, timeout);
		if ('failed' in outcome) errors[link.kind] = outcome.failed;
		else binary[link.kind] = outcome.stored;
	}
	return new ItemWithFiles(Object.keys(errors).length ? { ...json, downloadErrors: errors } : json, binary);
}

function downloadTimeout(fn: IExecuteFunctions): number {
	const options = fn.getNodeParameter('requestOptions', 0, {}) as IDataObject;
	const timeoutMs = Number(options.timeoutMs);
	return Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_TRANSPORT_OPTIONS.timeoutMs;
}

/** A file that arrived, in n8n's binary data store. */
interface Stored {
	stored: IBinaryData;
}

async function download(fn: IExecuteFunctions, link: FileLink, timeout: number): Promise<Stored | Failure> {
	const label = LABEL[link.kind];
	if (typeof link.url !== 'string' || link.url.trim() === '') {
		return failure(`${label} not downloaded: there is no ${link.field} for this call (${link.missingHint})`);
	}
	let url: URL | undefined;
	try {
		url = new URL(link.url);
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
		return failure(`${label} not downloaded: ${link.field} is not a web address`);
	}

	for (let attempt = 1; ; attempt++) {
		let outcome: Stored | Failure;
		try {
			outcome = await fetchOnce(fn, link, url, timeout);
		} catch (error) {
			outcome = failure(`${label} not downloaded from ${url.host}: ${errorWords(error)}`, { retry: isNetworkError(error) });
		}
		if (!('failed' in outcome) || !outcome.retry || attempt >= ATTEMPTS) return outcome;
		await sleep(500 * attempt);
	}
}

async function fetchOnce(fn: IExecuteFunctions, link: FileLink, url: URL, timeout: number): Promise<Stored | Failure> {
	const label = LABEL[link.kind];
	// n8n's plain request helper, not httpRequestWithAuthentication: a pre-signed link carries its
	// own authorization, and the provider's API key must not reach the storage host.
	const response = (await fn.helpers.httpRequest({
		method: 'GET',
		url: url.toString(),
		headers: { Accept: '*/*' },
		encoding: 'stream',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout,
	})) as IN8nHttpFullResponse;
	const headers = lowerCaseHeaders(response.headers);
	const body = response.body as Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

	if (response.statusCode >= 300) {
		const text = await readSmall(fn, body);
		const { code, message } = storageError(text);
		const detail = [code, message].filter(Boolean).join(': ');
		const status = `HTTP ${response.statusCode}${detail ? `: ${detail}` : ''}`;
		const httpCode = String(response.statusCode);
		if (response.statusCode === 403 && /expired/i.test(`${code} ${message}`)) {
			return failure(`${label} not downloaded: the link has expired (${status}). ${link.expiredHint}`, { httpCode });
		}
		return failure(`${label} not downloaded: ${url.host} answered ${status}`, { httpCode, retry: response.statusCode >= 500 });
	}

	const stored = await fn.helpers.prepareBinaryData(body, fileName(headers, url, link.kind), mimeType(headers));
	const expected = Number(headers['content-length']);
	if (headers['content-length'] !== undefined && Number.isFinite(expected) && stored.bytes !== undefined && stored.bytes !== expected) {
		return failure(`${label} not downloaded completely: ${stored.bytes} of ${expected} bytes arrived from ${url.host}`, { retry: true });
	}
	return { stored };
}

/** The start of an error body (an S3-style XML error is a few hundred bytes). */
async function readSmall(fn: IExecuteFunctions, body: Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0]): Promise<string> {
	try {
		return (await fn.helpers.binaryToString(body, 'utf8')).slice(0, 2000);
	} catch {
		return '';
	}
}

/** S3, GCS and Azure answer errors as XML with <Code> and <Message>. */
function storageError(text: string): { code?: string; message?: string } {
	const tag = (name: string) => new RegExp(`<${name}>([^<]{1,300})</${name}>`).exec(text)?.[1]?.trim();
	return { code: tag('Code'), message: tag('Message') };
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	if (headers && typeof headers === 'object') {
		for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
			if (value !== undefined && value !== null) result[key.toLowerCase()] = String(value);
		}
	}
	return result;
}

/**
 * Content-Disposition's file name, else the link's last path segment: a base name only, so a
 * file node writing it cannot be sent into another folder.
 */
function fileName(headers: Record<string, string>, url: URL, kind: FileKind): string {
	const disposition = headers['content-disposition'] ?? '';
	const encoded = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)?.[1];
	let name = encoded ? safeDecode(encoded) : /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1];
	if (!name) name = safeDecode(url.pathname.split('/').pop() ?? '');
	name = [...(name.split(/[\\/]/).pop() ?? '')].filter((c) => c >= ' ' && c !== '"').join('').trim();
	return name && name !== '.' && name !== '..' ? name : kind;
}

function safeDecode(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}

/** The media type without parameters; none for a generic type, so n8n derives it from the file name. */
function mimeType(headers: Record<string, string>): string | undefined {
	const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	if (!type || type === 'application/octet-stream' || type === 'binary/octet-stream') return undefined;
	return type;
}

function errorCode(error: unknown): string | undefined {
	for (const candidate of [error, (error as { cause?: unknown })?.cause]) {
		const code = (candidate as { code?: unknown } | undefined)?.code;
		if (typeof code === 'string') return code;
	}
	return undefined;
}

function isNetworkError(error: unknown): boolean {
	const code = errorCode(error);
	return code !== undefined && code in NETWORK_WORDS;
}

/** Plain words, never the error's own text (it may quote the full link with its signature). */
function errorWords(error: unknown): string {
	const code = errorCode(error);
	if (code && NETWORK_WORDS[code]) return `the connection failed (${NETWORK_WORDS[code]})`;
	if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') return 'the connection closed before the whole file arrived';
	return code ? `the download failed (${code})` : 'the download failed';
}
