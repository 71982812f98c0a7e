/**
 * Downloads a call's files (a recording, a transcript) from the links a provider returned and puts
 * them on the output item as n8n binary data, so Google Drive, S3, email and CRM nodes take them
 * as they are.
 *
 * - A link is a pre-signed (or public) URL on a storage host: it is fetched with n8n's plain HTTP
 *   helper, never with the provider's credential, so the API key does not leave for that host.
 * - Only over https, unless the credential's Base URL is http itself (a local sandbox): a file is
 *   never fetched over a weaker connection than the provider's API. Redirects are followed here,
 *   at most MAX_REDIRECTS of them, each held to the same rule, so none can downgrade to http.
 * - Bounded: Max File Size stops a file that is larger (from Content-Length before any byte is
 *   read, else once the bytes counted pass it), and Options → Timeout (Ms) bounds the whole
 *   download of a file (redirects, retries, headers and body), so a host that trickles a body
 *   forever cannot hold the execution.
 * - The body is streamed into n8n's binary data store (`prepareBinaryData` with the response
 *   stream): in n8n's filesystem, S3 or database modes a 50 MB recording is never held in memory
 *   as one buffer.
 * - A file that cannot be downloaded (expired link, missing link, host error, cut connection, too
 *   large, too slow, refused link) never costs the item: the call data is output with the files
 *   that did arrive, and each failed file is named in `downloadErrors` with what happened and what
 *   to do.
 * - No message names the link's query string (its signature), only the host.
 */
import type {
	IBinaryData,
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	IN8nHttpFullResponse,
	INodeProperties,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import { z } from 'zod';
import { classifyNetworkFailure, lowerCaseHeaders } from './http';
import { ItemWithFiles } from './items';
import { transportOptions } from './options';
import type { OperationContext } from './types';

export type FileKind = 'transcript' | 'recording';

export type DownloadChoice = 'none' | FileKind | 'both';

/**
 * Max File Size's default, in MB. A call recording at 128 kbit/s (MP3, as voice platforms commonly
 * store calls) takes about 1 MB a minute: a 30-minute call about 29 MB, an hour about 58 MB, and an
 * uncompressed 30-minute WAV about 58 MB too. 100 MB takes all of those, and stops a file that is
 * not a call's (or a body that never ends) before it fills n8n's memory, where n8n keeps binary
 * data in memory (its default mode).
 */
export const DEFAULT_MAX_FILE_SIZE_MB = 100;

/** n8n shows file sizes in decimal units (1.5 MB = 1,500,000 bytes): Max File Size counts the same way. */
const BYTES_PER_MB = 1_000_000;

/**
 * Redirects followed per file. A pre-signed link may be sent on once or twice (S3's regional
 * redirect, a CDN); more is a loop or a misconfigured host.
 */
export const MAX_REDIRECTS = 5;

/** The Download field and, shown with it, Max File Size, for an operation that can offer `kinds` (what the provider's pages document). */
export function downloadProperties(kinds: readonly FileKind[], what: string): INodeProperties[] {
	const options = [
		{ name: 'None', value: 'none', description: 'Output the call data with its links only' },
	];
	if (kinds.includes('transcript'))
		options.push({
			name: 'Transcript',
			value: 'transcript',
			description: 'Add the transcript file as binary property "transcript"',
		});
	if (kinds.includes('recording'))
		options.push({
			name: 'Recording',
			value: 'recording',
			description: 'Add the recording file as binary property "recording"',
		});
	if (kinds.length > 1)
		options.push({
			name: 'Both',
			value: 'both',
			description: 'Add the transcript and the recording files',
		});
	return [
		{
			displayName: 'Download',
			name: 'download',
			type: 'options',
			options,
			default: 'none',
			description: `Which of ${what} to download as files, for Google Drive, S3, email or CRM nodes that take binary data. A file that cannot be downloaded is named in downloadErrors; the call data is still output.`,
		},
		{
			displayName: 'Max File Size (MB)',
			name: 'maxFileSize',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_MAX_FILE_SIZE_MB,
			displayOptions: { hide: { download: ['none'] } },
			description:
				'Largest file to download, in MB as n8n shows file sizes (1 MB = 1,000,000 bytes). A larger file is not stored: downloadErrors names it and the call data is still output. 0 means no limit. The default takes an hour-long call recording (about 58 MB as MP3) with room to spare.',
		},
	];
}

/** Download's value, for an operation that offers every choice (transcript and recording). */
export const downloadChoice = () => z.enum(['none', 'transcript', 'recording', 'both']);

/** Max File Size (MB)'s value: 0 (no limit) or more. */
export const maxFileSize = () => z.number().min(0);

/** Whether `choice` asks for `kind`. */
export function wants(choice: DownloadChoice, kind: FileKind): boolean {
	return choice === kind || choice === 'both';
}

/**
 * The schemes a file may be downloaded over. https always; http only when the credential's Base
 * URL is http too (a local sandbox or test server), so a link never takes a file over a weaker
 * connection than the one the provider's API is reached over. A Base URL that cannot be read
 * allows https only.
 */
export function allowedSchemes(credentialBaseUrl: unknown): ReadonlySet<string> {
	let protocol: string | undefined;
	try {
		protocol = new URL(String(credentialBaseUrl ?? '')).protocol;
	} catch {
		protocol = undefined;
	}
	return new Set(protocol === 'http:' ? ['https:', 'http:'] : ['https:']);
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

/** What an operation tells the downloads besides the links. */
export interface DownloadSettings {
	/** The provider's credential type: its Base URL decides whether http links may be fetched (allowedSchemes). */
	credentialType: string;
	/** Max File Size (MB) of the item; 0: no limit. */
	maxFileSizeMb: number;
}

interface DownloadError extends IDataObject {
	message: string;
	httpCode?: string;
}

const LABEL: Record<FileKind, string> = { transcript: 'Transcript', recording: 'Recording' };

/** Attempts per file when the host fails (5xx) or the connection does, before any byte was kept. */
const ATTEMPTS = 2;

const HTTPS_ONLY =
	"this node downloads files only over https when the credential's Base URL is https";

const RAISE_LIMIT = 'Raise Max File Size (0: no limit) to download it.';

/** A file that did not arrive: what the item's downloadErrors says, and whether another try may help. */
interface Failure {
	failed: DownloadError;
	retry: boolean;
}

const failure = (
	message: string,
	options: { httpCode?: string; retry?: boolean } = {},
): Failure => ({
	failed: { message, ...(options.httpCode ? { httpCode: options.httpCode } : {}) },
	retry: options.retry ?? false,
});

/** A file that arrived, in n8n's binary data store. */
interface Stored {
	stored: IBinaryData;
}

/** The response body as n8n's helpers type it (a stream here: the requests ask for one). */
type Body = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/** One file's download: its link, and the rules and bounds it is held to. */
interface Job {
	link: FileLink;
	label: string;
	schemes: ReadonlySet<string>;
	/** Bytes allowed; Infinity: no limit. */
	limitBytes: number;
	limitMb: number;
	timeoutMs: number;
	/** Aborts when the file's time is up: the request in flight, and the body being stored. */
	deadline: AbortSignal;
}

/**
 * Downloads `links` and returns the item: `json` plus `binary.<kind>` for each file that arrived,
 * and `downloadErrors.<kind>` for each that did not.
 */
export async function withDownloads(
	ctx: OperationContext,
	settings: DownloadSettings,
	json: IDataObject,
	links: FileLink[],
): Promise<ItemWithFiles> {
	const binary: IBinaryKeyData = {};
	const errors: Record<string, DownloadError> = {};
	// Options → Timeout (Ms), which bounds each API request, bounds each file's whole download here.
	const { timeoutMs } = transportOptions(ctx.fn);
	const credentials = await ctx.fn.getCredentials(settings.credentialType, ctx.itemIndex);
	const schemes = allowedSchemes(credentials.baseUrl);
	const limitMb =
		Number.isFinite(settings.maxFileSizeMb) && settings.maxFileSizeMb > 0
			? settings.maxFileSizeMb
			: 0;
	for (const link of links) {
		const outcome = await download(ctx.fn, link, { schemes, limitMb, timeoutMs });
		if ('failed' in outcome) errors[link.kind] = outcome.failed;
		else binary[link.kind] = outcome.stored;
	}
	return new ItemWithFiles(
		Object.keys(errors).length ? { ...json, downloadErrors: errors } : json,
		binary,
	);
}

async function download(
	fn: IExecuteFunctions,
	link: FileLink,
	bounds: { schemes: ReadonlySet<string>; limitMb: number; timeoutMs: number },
): Promise<Stored | Failure> {
	const label = LABEL[link.kind];
	if (typeof link.url !== 'string' || link.url.trim() === '') {
		return failure(
			`${label} not downloaded: there is no ${link.field} for this call (${link.missingHint})`,
		);
	}
	let url: URL | undefined;
	try {
		url = new URL(link.url);
	} catch {
		url = undefined;
	}
	if (!url || !isWebAddress(url)) {
		return failure(`${label} not downloaded: ${link.field} is not a web address`);
	}
	if (!bounds.schemes.has(url.protocol)) {
		return failure(`${label} not downloaded: the link is not https (${url.host}); ${HTTPS_ONLY}`);
	}

	const job: Job = {
		link,
		label,
		schemes: bounds.schemes,
		limitMb: bounds.limitMb,
		limitBytes: bounds.limitMb > 0 ? bounds.limitMb * BYTES_PER_MB : Infinity,
		timeoutMs: bounds.timeoutMs,
		// One clock for the whole file: every redirect, retry and byte of the body counts.
		deadline: AbortSignal.timeout(bounds.timeoutMs),
	};
	for (let attempt = 1; ; attempt++) {
		const outcome = await fetchFile(fn, job, url);
		if (!('failed' in outcome) || !outcome.retry || attempt >= ATTEMPTS || job.deadline.aborted)
			return outcome;
		await sleep(500 * attempt);
	}
}

const isWebAddress = (url: URL) => url.protocol === 'https:' || url.protocol === 'http:';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** One attempt: the link, then each redirect the hosts answer (followed here, not by the HTTP client, so each is checked). */
async function fetchFile(fn: IExecuteFunctions, job: Job, start: URL): Promise<Stored | Failure> {
	const visited = new Set([start.href]);
	let url = start;
	for (let redirects = 0; ; redirects++) {
		// Ends this request when its body is not wanted (see discard), besides the deadline.
		const request = new AbortController();
		let response: IN8nHttpFullResponse;
		try {
			response = await get(fn, url, AbortSignal.any([job.deadline, request.signal]));
		} catch (error) {
			if (job.deadline.aborted) return timedOut(job, url);
			return networkFailure(job, url, error);
		}
		const headers = lowerCaseHeaders(response.headers);
		const body = response.body as Body;
		if (REDIRECT_STATUSES.has(response.statusCode) && headers.location) {
			discard(request, body);
			const next = redirectTarget(job, url, headers.location, redirects, visited);
			if (!(next instanceof URL)) return next;
			visited.add(next.href);
			url = next;
			continue;
		}
		if (response.statusCode >= 300)
			return await statusFailure(fn, job, url, response.statusCode, body);
		return await store(fn, job, url, headers, body, request);
	}
}

async function get(
	fn: IExecuteFunctions,
	url: URL,
	signal: AbortSignal,
): Promise<IN8nHttpFullResponse> {
	// n8n's plain request helper, not httpRequestWithAuthentication: a pre-signed link carries its
	// own authorization, and the provider's API key must not reach the storage host.
	return (await fn.helpers.httpRequest({
		method: 'GET',
		url: url.toString(),
		headers: { Accept: '*/*' },
		encoding: 'stream',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// Redirects are followed by fetchFile, each checked against the https rule and counted.
		disableFollowRedirect: true,
		// Bounds the request and, through the stream the response comes as, the body too.
		abortSignal: signal,
	})) as IN8nHttpFullResponse;
}

/** Where a redirect leads, or why it is not followed. */
function redirectTarget(
	job: Job,
	from: URL,
	location: string,
	redirects: number,
	visited: Set<string>,
): URL | Failure {
	const refused = `${job.label} not downloaded: ${from.host} redirected the download`;
	let next: URL;
	try {
		next = new URL(location, from);
	} catch {
		return failure(`${refused} to an address that is not valid`);
	}
	if (!isWebAddress(next))
		return failure(`${refused} to an address that is not a web address (${next.protocol})`);
	if (!job.schemes.has(next.protocol))
		return failure(`${refused} to a link that is not https (${next.host}); ${HTTPS_ONLY}`);
	if (visited.has(next.href)) {
		return failure(
			`${refused} in a loop (back to an address already visited); the file host is misconfigured, report it to the provider if it persists`,
		);
	}
	if (redirects >= MAX_REDIRECTS) {
		return failure(
			`${refused} more than ${MAX_REDIRECTS} times; the file host is misconfigured, report it to the provider if it persists`,
		);
	}
	return next;
}

function timedOut(job: Job, url: URL): Failure {
	return failure(
		`${job.label} not downloaded from ${url.host}: the whole file did not arrive within ${job.timeoutMs} ms. Raise Options → Timeout (Ms) for large files or slow hosts.`,
	);
}

/** A 4xx or 5xx (or a 3xx that leads nowhere): the storage host's own words, when it gave them. */
async function statusFailure(
	fn: IExecuteFunctions,
	job: Job,
	url: URL,
	statusCode: number,
	body: Body,
): Promise<Failure> {
	const text = await readSmall(fn, body);
	const { code, message } = storageError(text);
	const detail = [code, message].filter(Boolean).join(': ');
	const status = `HTTP ${statusCode}${detail ? `: ${detail}` : ''}`;
	const httpCode = String(statusCode);
	if (statusCode === 403 && /expired/i.test(`${code} ${message}`)) {
		return failure(
			`${job.label} not downloaded: the link has expired (${status}). ${job.link.expiredHint}`,
			{ httpCode },
		);
	}
	return failure(`${job.label} not downloaded: ${url.host} answered ${status}`, {
		httpCode,
		retry: statusCode >= 500,
	});
}

/** The body into n8n's binary data store, counted on the way: stopped past Max File Size or the deadline. */
async function store(
	fn: IExecuteFunctions,
	job: Job,
	url: URL,
	headers: Record<string, string>,
	body: Body,
	request: AbortController,
): Promise<Stored | Failure> {
	const declared = Buffer.isBuffer(body)
		? body.length
		: headers['content-length'] === undefined
			? undefined
			: Number(headers['content-length']);
	// Refused before any byte is read when the host says how large the file is.
	if (declared !== undefined && Number.isFinite(declared) && declared > job.limitBytes) {
		discard(request, body);
		return failure(
			`${job.label} not downloaded: the file is ${sizeWords(declared)}, larger than Max File Size (${job.limitMb} MB). ${RAISE_LIMIT}`,
		);
	}

	let received = 0;
	let tooLarge = false;
	const count = (chunk: Buffer): Buffer => {
		received += chunk.length;
		if (received > job.limitBytes) {
			tooLarge = true;
			throw new Error('larger than Max File Size');
		}
		return chunk;
	};
	// The counting pass-through is Node's own `map` on the response stream: n8n Cloud accepts no
	// import of node:stream in a community node. An error thrown by `count`, or the deadline's
	// signal, destroys it and the response under it, which stops the download mid-body.
	const counted = Buffer.isBuffer(body) ? count(body) : body.map(count, { signal: job.deadline });

	let stored: IBinaryData;
	try {
		stored = await fn.helpers.prepareBinaryData(
			counted,
			fileName(headers, url, job.link.kind),
			mimeType(headers),
		);
	} catch (error) {
		if (tooLarge) {
			return failure(
				`${job.label} not downloaded from ${url.host}: the file is larger than Max File Size (${job.limitMb} MB); the download stopped once more than that had arrived. ${RAISE_LIMIT}`,
			);
		}
		if (job.deadline.aborted) return timedOut(job, url);
		return networkFailure(job, url, error);
	}
	if (declared !== undefined && Number.isFinite(declared) && received !== declared) {
		return failure(
			`${job.label} not downloaded completely: ${received} of ${declared} bytes arrived from ${url.host}`,
			{ retry: true },
		);
	}
	return { stored };
}

/**
 * Lets go of a body that is not read (a redirect's, a file refused by its size). Destroying the
 * stream alone would leave the connection open when no byte was read yet (the HTTP client's
 * stream has not started reading the response under it): the request is aborted too.
 */
function discard(request: AbortController, body: Body): void {
	request.abort();
	if (!Buffer.isBuffer(body)) body.destroy();
}

function sizeWords(bytes: number): string {
	return `${bytes.toLocaleString('en-US')} bytes (${(bytes / BYTES_PER_MB).toFixed(1)} MB)`;
}

/** The start of an error body (an S3-style XML error is a few hundred bytes). */
async function readSmall(fn: IExecuteFunctions, body: Body): Promise<string> {
	try {
		return (await fn.helpers.binaryToString(body, 'utf8')).slice(0, 2000);
	} catch {
		return '';
	}
}

/** S3, GCS and Azure answer errors as XML with <Code> and <Message>. */
function storageError(text: string): { code?: string; message?: string } {
	const tag = (name: string) =>
		new RegExp(`<${name}>([^<]{1,300})</${name}>`).exec(text)?.[1]?.trim();
	return { code: tag('Code'), message: tag('Message') };
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
	name = [...(name.split(/[\\/]/).pop() ?? '')]
		.filter((c) => c >= ' ' && c !== '"')
		.join('')
		.trim();
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
	if (!type || type === 'application/octet-stream' || type === 'binary/octet-stream')
		return undefined;
	return type;
}

/**
 * A request or a body that failed on the way. Plain words, never the error's own text (it may
 * quote the full link with its signature). Sent again only after a network failure that another
 * try can mend (a connection that failed, no answer in time): a refused certificate or address
 * would fail the same way, and a failure without a known network cause may be the binary data
 * store's own.
 */
function networkFailure(job: Job, url: URL, error: unknown): Failure {
	const network = classifyNetworkFailure(error);
	const lead = `${job.label} not downloaded from ${url.host}`;
	if (network.kind !== 'unknown') {
		return failure(`${lead}: the connection failed (${network.words})`, { retry: network.retry });
	}
	if (network.code === 'ERR_STREAM_PREMATURE_CLOSE')
		return failure(`${lead}: the connection closed before the whole file arrived`);
	return failure(
		`${lead}: ${network.code ? `the download failed (${network.code})` : 'the download failed'}`,
	);
}
