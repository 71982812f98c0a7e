/**
 * The providers' file storage: what their recording and transcript links point at. It answers a
 * GET the way an S3 bucket answers a pre-signed GET: the file with Content-Type, Content-Length and
 * Content-Disposition, or 403 with S3's XML error body once the link has expired or its signature
 * does not match. It needs no API key (a pre-signed link carries its own authorization), and it
 * records what each request carried, so tests can check that no API key reached it.
 *
 * Recordings are generated, never stored: MPEG audio frames of silence, 16 000 bytes per second
 * of call (128 kbit/s), streamed chunk by chunk, so a 50 MB recording (a 55-minute call) costs the
 * sandbox no more memory than a short one.
 *
 * For the downloads' bounds, a test can have a path answered otherwise (serveAs): a redirect, a
 * body that trickles after the headers, or a body without Content-Length.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

/** Served under /storage/<bucket>/<key>. */
export const STORAGE_PREFIX = '/storage/';

export interface StoredFile {
	contentType: string;
	/** Content-Disposition's file name. */
	fileName: string;
	size: number;
	/** The bytes, produced anew for every download. */
	open(): Readable;
}

/** One GET (or HEAD) the storage received. */
export interface StorageRequest {
	method: string;
	/** Path below /storage, e.g. /allomia/recordings/<id>.mp3 (the query, with its signature, left out). */
	path: string;
	/** Header names lower-cased. */
	headers: Record<string, string>;
	status: number;
	at: number;
	/**
	 * For an answer with the file, once the response is over: whether the whole body went out
	 * ('complete') or the client closed the connection before ('cut').
	 */
	bodyEnd?: 'complete' | 'cut';
}

/** How serveAs answers a path instead of the usual way. */
export type ServeAs =
	/**
	 * A redirect (302 unless `status` says otherwise) with this Location, sent as given (a URL or a
	 * path). A file at the path is served at the Location's storage path too, as an object moved
	 * to another bucket or region is.
	 */
	| { redirectTo: string; status?: 301 | 302 | 303 | 307 | 308 }
	/** The headers at once, then the file `bytes` bytes every `everyMs` ms: a host that stalls mid-body. */
	| { trickle: { bytes: number; everyMs: number } }
	/** The file without Content-Length (chunked), as a host that does not know the size ahead sends it. */
	| { chunked: true };

export interface StorageControls {
	/** Every request the storage received (live array; reset() empties it). */
	readonly requests: StorageRequest[];
	/**
	 * Links signed from now on live this many seconds instead of the provider's lifetime (0: they
	 * have expired by the time anyone fetches them); null restores the provider's. reset() restores it too.
	 */
	setLinkLifetime(seconds: number | null): void;
	/**
	 * Requests for `path` (below /storage, as StorageRequest.path names it, e.g.
	 * /allomia/recordings/<id>.mp3) are answered `how` from now on; reset() ends it. A signed link
	 * is still checked first: an expired one is refused as before.
	 */
	serveAs(path: string, how: ServeAs): void;
}

/** Bytes per second of a recording: 128 kbit/s MPEG audio, as voice platforms commonly store calls. */
export const RECORDING_BYTES_PER_SECOND = 16_000;

// MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono, no padding: 417 bytes per frame. Zeroed side
// information and main data decode as silence.
const FRAME = (() => {
	const frame = Buffer.alloc(417);
	frame.set([0xff, 0xfb, 0x90, 0xc4]);
	return frame;
})();
const CHUNK = Buffer.concat(Array.from({ length: 157 }, () => FRAME)); // ~64 KiB

/** A recording of `seconds` of call, as audio/mpeg. */
export function mp3Recording(fileName: string, seconds: number): StoredFile {
	const size = Math.max(1, Math.round(seconds)) * RECORDING_BYTES_PER_SECOND;
	return {
		contentType: 'audio/mpeg',
		fileName,
		size,
		open: () => generated(size),
	};
}

/** A plain-text file (UTF-8). */
export function textFile(fileName: string, text: string): StoredFile {
	const bytes = Buffer.from(text, 'utf8');
	return {
		contentType: 'text/plain; charset=utf-8',
		fileName,
		size: bytes.length,
		open: () => Readable.from([bytes]),
	};
}

/** `size` bytes of repeated frames, pushed as the reader asks for them. */
function generated(size: number): Readable {
	let sent = 0;
	return new Readable({
		read() {
			if (sent >= size) {
				this.push(null);
				return;
			}
			const length = Math.min(CHUNK.length, size - sent);
			sent += length;
			this.push(length === CHUNK.length ? CHUNK : CHUNK.subarray(0, length));
		},
	});
}

export class FileStore {
	readonly requests: StorageRequest[] = [];

	private files = new Map<string, StoredFile>();

	private linkLifetime: number | null = null;

	private servedAs = new Map<string, ServeAs>();

	private readonly secret = randomBytes(32);

	private baseUrl = '';

	constructor(private readonly now: () => Date) {}

	setBaseUrl(url: string): void {
		this.baseUrl = url;
	}

	/**
	 * Keeps `file` under `bucket/key` and answers an S3-style pre-signed URL to it valid for
	 * `lifetimeSeconds` (X-Amz-Expires, and Expires as epoch seconds).
	 */
	presign(bucket: string, key: string, file: StoredFile, lifetimeSeconds: number): string {
		const path = `${bucket}/${key}`;
		this.files.set(path, file);
		const now = this.now();
		const lifetime = this.linkLifetime ?? lifetimeSeconds;
		const expires = Math.floor(now.getTime() / 1000) + lifetime;
		const amzDate = now
			.toISOString()
			.replace(/[-:]/g, '')
			.replace(/\.\d{3}/, '');
		const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${amzDate}&X-Amz-Expires=${lifetime}&Expires=${expires}`;
		return `${this.origin()}${STORAGE_PREFIX}${path}?${query}&X-Amz-Signature=${this.sign(path, query)}`;
	}

	/** A plain link (no signature, no expiry) to `file`. */
	link(bucket: string, key: string, file: StoredFile): string {
		const path = `${bucket}/${key}`;
		this.files.set(path, file);
		return `${this.origin()}${STORAGE_PREFIX}${path}`;
	}

	setLinkLifetime(seconds: number | null): void {
		if (seconds !== null && (!Number.isInteger(seconds) || seconds < 0))
			throw new Error('seconds must be a whole number ≥ 0, or null');
		this.linkLifetime = seconds;
	}

	serveAs(path: string, how: ServeAs): void {
		this.servedAs.set(path.replace(/^\/+/, ''), how);
	}

	reset(): void {
		this.files.clear();
		this.servedAs.clear();
		this.requests.length = 0;
		this.linkLifetime = null;
	}

	handle(req: http.IncomingMessage, res: http.ServerResponse, target: URL): void {
		const method = (req.method ?? 'GET').toUpperCase();
		const path = decodeURIComponent(target.pathname.slice(STORAGE_PREFIX.length));
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(req.headers)) {
			if (value !== undefined)
				headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
		}
		const record: StorageRequest = { method, path: `/${path}`, headers, status: 0, at: Date.now() };
		this.requests.push(record);
		if (this.requests.length > 10_000) this.requests.splice(0, 1_000);
		// The request carries no body: drain whatever was sent.
		req.resume();

		const refuse = (status: number, code: string, message: string) => {
			record.status = status;
			const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
			res.writeHead(status, {
				'content-type': 'application/xml',
				'content-length': String(Buffer.byteLength(body)),
			});
			res.end(method === 'HEAD' ? undefined : body);
		};

		if (method !== 'GET' && method !== 'HEAD') {
			refuse(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
			return;
		}
		const file = this.fileAt(path);
		const signature = target.searchParams.get('X-Amz-Signature');
		if (signature !== null) {
			const query = [...target.searchParams.entries()]
				.filter(([name]) => name !== 'X-Amz-Signature')
				.map(([name, value]) => `${name}=${value}`)
				.join('&');
			if (signature !== this.sign(path, query)) {
				refuse(
					403,
					'SignatureDoesNotMatch',
					'The request signature we calculated does not match the signature you provided.',
				);
				return;
			}
			const expires = Number(target.searchParams.get('Expires'));
			if (!(Date.now() / 1000 < expires)) {
				refuse(403, 'AccessDenied', 'Request has expired');
				return;
			}
		}
		const how = this.servedAs.get(path);
		if (how && 'redirectTo' in how) {
			record.status = how.status ?? 302;
			res.writeHead(record.status, { location: how.redirectTo, 'content-length': '0' });
			res.end();
			return;
		}
		if (!file) {
			refuse(404, 'NoSuchKey', 'The specified key does not exist.');
			return;
		}
		record.status = 200;
		res.writeHead(200, {
			'content-type': file.contentType,
			...(how && 'chunked' in how ? {} : { 'content-length': String(file.size) }),
			'content-disposition': `attachment; filename="${file.fileName}"`,
			'accept-ranges': 'bytes',
		});
		if (method === 'HEAD') {
			res.end();
			return;
		}
		const body = file.open();
		body.on('error', () => res.destroy());
		// A client that goes away stops the generator too.
		res.on('close', () => {
			body.destroy();
			record.bodyEnd = res.writableFinished ? 'complete' : 'cut';
		});
		if (how && 'trickle' in how) void trickle(body, res, how.trickle);
		else body.pipe(res);
	}

	/**
	 * The file at `path`, or the one a serveAs redirect moved there (the files of AlloMia's links
	 * are kept when a Get signs them, which may come after the redirect was set).
	 */
	private fileAt(path: string, seen = new Set<string>()): StoredFile | undefined {
		const file = this.files.get(path);
		if (file || seen.has(path)) return file;
		seen.add(path);
		for (const [source, how] of this.servedAs) {
			if (!('redirectTo' in how)) continue;
			const target = new URL(how.redirectTo, `${this.origin()}${STORAGE_PREFIX}${source}`);
			const here =
				target.origin === new URL(this.origin()).origin &&
				target.pathname.startsWith(STORAGE_PREFIX);
			const moved =
				here && decodeURIComponent(target.pathname.slice(STORAGE_PREFIX.length)) === path
					? this.fileAt(source, seen)
					: undefined;
			if (moved) return moved;
		}
		return undefined;
	}

	private origin(): string {
		return this.baseUrl || 'http://127.0.0.1';
	}

	private sign(path: string, query: string): string {
		return createHmac('sha256', this.secret).update(`${path}?${query}`).digest('hex');
	}
}

/** Writes `body` to `res` a few bytes at a time, until it ends or the client goes away. */
async function trickle(
	body: Readable,
	res: http.ServerResponse,
	pace: { bytes: number; everyMs: number },
): Promise<void> {
	try {
		for await (const chunk of body as AsyncIterable<Buffer>) {
			for (let at = 0; at < chunk.length; at += pace.bytes) {
				if (res.destroyed) return;
				res.write(chunk.subarray(at, at + pace.bytes));
				await delay(pace.everyMs);
			}
		}
		res.end();
	} catch {
		res.destroy();
	}
}
