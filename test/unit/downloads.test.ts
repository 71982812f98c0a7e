/**
 * Download (Transcript / Recording / Both) on AlloMia Call → Get and AICaller Phone Call → Get, run
 * by n8n-core against the sandbox, whose storage serves the files behind the links the calls
 * carry: the output item's binary (bytes, file name, MIME type, size), the per-file error of an
 * expired or missing link with the call data still output, and what the file host received (no
 * API key). Then the bounds of a download: https only (unless the credential's Base URL is http),
 * redirects checked and counted, Max File Size, and Options → Timeout (Ms) over the whole file.
 */
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { IBinaryData, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

import {
	allowedSchemes,
	DEFAULT_MAX_FILE_SIZE_MB,
	MAX_REDIRECTS,
	withDownloads,
} from '../../nodes/shared/download';
import { ALLOMIA_CALL_ANALYSIS } from '../fixtures/allomia-calls';
import {
	AICALLER_CREATE_PHONE_CALL_EXAMPLE,
	ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE,
} from '../fixtures/documentation-examples';
import { useSandbox } from '../in-process/sandbox';
import { registerNodeType, runNode } from '../in-process/n8n-core';
import { runAiCaller, runAlloMia } from '../in-process/providers';
import {
	RECORDING_BYTES_PER_SECOND,
	SANDBOX_FIXTURES,
	type StorageRequest,
} from '../sandbox/server';

const sandbox = useSandbox();

const MPEG_FRAME_SYNC = [0xff, 0xfb];

/** The bytes of a binary property as n8n keeps them in an in-process run (no binary data store configured). */
function bytesOf(binary: IBinaryData | undefined): Buffer {
	expect(binary?.data).toBeTruthy();
	return Buffer.from(String(binary?.data), 'base64');
}

/** What the storage serves at `url`, fetched directly: what the node must have put on the item. */
async function served(url: unknown): Promise<Buffer> {
	const response = await fetch(String(url));
	expect(response.status).toBe(200);
	return Buffer.from(await response.arrayBuffer());
}

/** The storage's requests must carry none of the provider's API keys, in any header. */
function expectNoApiKeyAtStorage(keys: string[]) {
	expect(sandbox.storage.requests.length).toBeGreaterThan(0);
	for (const request of sandbox.storage.requests) {
		expect(request.headers.authorization).toBeUndefined();
		expect(request.headers['aicaller-api-key']).toBeUndefined();
		for (const key of keys) expect(JSON.stringify(request.headers)).not.toContain(key);
	}
}

describe('AlloMia Call → Get → Download', () => {
	const { parameters: exampleCall } = ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE;

	async function completedCall(seconds = 94): Promise<string> {
		const created = await runAlloMia(sandbox, exampleCall);
		const id = String(created.items[0].json.outboundCallId);
		await sandbox.alloMia.complete(id, 'completed', {
			duration: seconds,
			...ALLOMIA_CALL_ANALYSIS,
		});
		return id;
	}

	test('Both: the transcript and the recording on the item as binary, with file name, MIME type and size; the call data unchanged', async () => {
		const id = await completedCall(94);
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: id,
			download: 'both',
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({ id, ...ALLOMIA_CALL_ANALYSIS, callDurationSeconds: '94' });
		expect(item.json).not.toHaveProperty('downloadErrors');
		expect(Object.keys(item.binary ?? {}).sort()).toEqual(['recording', 'transcript']);

		const transcript = item.binary?.transcript;
		expect(transcript).toMatchObject({
			fileName: `${id}.txt`,
			mimeType: 'text/plain',
			fileExtension: 'txt',
			fileType: 'text',
		});
		const text = bytesOf(transcript);
		expect(text).toEqual(await served(item.json.transcriptUrl));
		expect(transcript?.bytes).toBe(text.length);
		// UTF-8 decoded as such: the French summary keeps its accents.
		expect(text.toString('utf8')).toContain(`Résumé : ${ALLOMIA_CALL_ANALYSIS.callSummaryFr}`);

		const recording = item.binary?.recording;
		expect(recording).toMatchObject({
			fileName: `${id}.mp3`,
			mimeType: 'audio/mpeg',
			fileExtension: 'mp3',
			fileType: 'audio',
		});
		const audio = bytesOf(recording);
		expect(audio.length).toBe(94 * RECORDING_BYTES_PER_SECOND);
		expect(recording?.bytes).toBe(94 * RECORDING_BYTES_PER_SECOND);
		expect(recording?.fileSize).toBe('1.5 MB');
		expect([...audio.subarray(0, 2)]).toEqual(MPEG_FRAME_SYNC);
		expect(audio.equals(await served(item.json.recordingUrl))).toBe(true);
	});

	test('the files are fetched with a plain GET of the pre-signed link: no API key reaches the storage host', async () => {
		const id = await completedCall();
		await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id, download: 'both' });
		const fetched = sandbox.storage.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
		expect(fetched).toEqual([
			`GET /allomia/transcripts/${id}.txt 200`,
			`GET /allomia/recordings/${id}.mp3 200`,
		]);
		expectNoApiKeyAtStorage([SANDBOX_FIXTURES.alloMia.apiKey]);
		// The API request itself did carry the key.
		expect(sandbox.requestsFor('allomia').at(-1)?.headers.authorization).toBe(
			`Bearer ${SANDBOX_FIXTURES.alloMia.apiKey}`,
		);
	});

	test('Transcript or Recording alone downloads that file only; None (the default) downloads nothing', async () => {
		const id = await completedCall();
		const transcript = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: id,
			download: 'transcript',
		});
		expect(Object.keys(transcript.items[0].binary ?? {})).toEqual(['transcript']);
		const recording = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: id,
			download: 'recording',
		});
		expect(Object.keys(recording.items[0].binary ?? {})).toEqual(['recording']);
		expect(sandbox.storage.requests).toHaveLength(2);

		const none = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id });
		expect(none.items[0].binary).toBeUndefined();
		expect(none.items[0].json.transcriptUrl).toEqual(expect.any(String));
		expect(sandbox.storage.requests).toHaveLength(2);
	});

	test('an expired link: the call data is still output, each file names its error in downloadErrors; no link signature, key or patient name in it', async () => {
		const id = await completedCall();
		// Links expire as they are signed, as a link does an hour after Get.
		sandbox.storage.setLinkLifetime(0);
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: id,
			download: 'both',
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({
			id,
			callSummary: ALLOMIA_CALL_ANALYSIS.callSummary,
			transcriptUrl: expect.any(String),
		});
		const hint =
			"Run Call → Get again for a fresh link: AlloMia's links work for one hour after they are fetched.";
		expect(item.json.downloadErrors).toEqual({
			transcript: {
				message: `Transcript not downloaded: the link has expired (HTTP 403: AccessDenied: Request has expired). ${hint}`,
				httpCode: '403',
			},
			recording: {
				message: `Recording not downloaded: the link has expired (HTTP 403: AccessDenied: Request has expired). ${hint}`,
				httpCode: '403',
			},
		});
		const errors = JSON.stringify(item.json.downloadErrors);
		for (const secret of [
			'X-Amz-Signature',
			'Expires=',
			SANDBOX_FIXTURES.alloMia.apiKey,
			'John Doe',
		])
			expect(errors).not.toContain(secret);
		// An expired link is not retried: one GET per file.
		expect(sandbox.storage.requests.map((r) => r.status)).toEqual([403, 403]);
	});

	test('a call that was not answered has no links: downloadErrors says so, nothing is fetched, the call is output', async () => {
		const created = await runAlloMia(sandbox, exampleCall);
		const id = String(created.items[0].json.outboundCallId);
		await sandbox.alloMia.complete(id, 'no-answer');
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: id,
			download: 'recording',
		});
		expect(result.items[0].json).toMatchObject({
			id,
			recordingUrl: null,
			downloadErrors: {
				recording: {
					message:
						'Recording not downloaded: there is no recordingUrl for this call (a call that was not answered has none)',
				},
			},
		});
		expect(result.items[0].binary).toBeUndefined();
		expect(sandbox.storage.requests).toHaveLength(0);
	});

	test("several items: each item gets its own call's files, paired to it", async () => {
		const first = await completedCall(30);
		const second = await completedCall(45);
		const result = await runAlloMia(
			sandbox,
			{ resource: 'call', operation: 'get', callId: '={{ $json.id }}', download: 'recording' },
			{ items: [{ id: first }, { id: second }] },
		);
		const summary = (item: INodeExecutionData) => [
			item.json.id,
			item.binary?.recording.fileName,
			item.binary?.recording.bytes,
			item.pairedItem,
		];
		expect(result.items.map(summary)).toEqual([
			[first, `${first}.mp3`, 30 * RECORDING_BYTES_PER_SECOND, { item: 0 }],
			[second, `${second}.mp3`, 45 * RECORDING_BYTES_PER_SECOND, { item: 1 }],
		]);
	});

	test('a Download value that is not one of the choices is refused before anything is sent', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: 'call-42',
			download: '={{ "audio" }}',
		});
		expect(result.error?.message).toMatch(/^Download \(download\) /);
		expect(sandbox.requestsFor('allomia')).toHaveLength(0);
	});
});

describe('AICaller Phone Call → Get → Download', () => {
	const { parameters: exampleParameters } = AICALLER_CREATE_PHONE_CALL_EXAMPLE;

	async function completedCall(record: boolean): Promise<string> {
		const created = await runAiCaller(sandbox, {
			...exampleParameters,
			additionalFields: { ...exampleParameters.additionalFields, record },
		});
		const id = String(created.items[0].json._id);
		await sandbox.aiCaller.complete(id, 'completed');
		return id;
	}

	test("Recording: the call's recording on the item as binary; no API key reaches the file host", async () => {
		const id = await completedCall(true);
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: id,
			download: 'recording',
		});
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		expect(item.json).toMatchObject({
			_id: id,
			status: 'completed',
			recordingUrl: `${sandbox.url}/storage/aicaller/recordings/${id}.mp3`,
		});
		expect(item.json).not.toHaveProperty('downloadErrors');
		const recording = item.binary?.recording;
		expect(recording).toMatchObject({
			fileName: `${id}.mp3`,
			mimeType: 'audio/mpeg',
			fileExtension: 'mp3',
			bytes: 20 * RECORDING_BYTES_PER_SECOND,
		});
		const audio = bytesOf(recording);
		expect([...audio.subarray(0, 2)]).toEqual(MPEG_FRAME_SYNC);
		expect(audio.equals(await served(item.json.recordingUrl))).toBe(true);
		expect(sandbox.storage.requests.map((r) => `${r.method} ${r.path} ${r.status}`)[0]).toBe(
			`GET /aicaller/recordings/${id}.mp3 200`,
		);
		expectNoApiKeyAtStorage([SANDBOX_FIXTURES.aiCaller.apiKey]);
	});

	test('offers None and Recording only: the phone-call pages document no transcript file', async () => {
		const { AiCaller } = await import('../../nodes/AiCaller/AiCaller.node');
		const download = new AiCaller().description.properties.find(
			(p) => p.name === 'download' && p.displayOptions?.show?.operation?.includes('get'),
		);
		expect(download?.options?.map((o) => ('value' in o ? o.value : undefined))).toEqual([
			'none',
			'recording',
		]);
	});

	test('a Download value other than None or Recording (e.g. "transcript" from an expression) is refused before anything is sent', async () => {
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: 'ffffffffffffffffffffffff',
			download: '={{ "transcript" }}',
		});
		expect(result.error?.message).toBe(
			'Download (download) is not one of the allowed values: use one of none, recording',
		);
		expect(sandbox.requestsFor('aicaller')).toHaveLength(0);
	});

	test('a call made without Record has no recordingUrl: downloadErrors says why, the call is output', async () => {
		const id = await completedCall(false);
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: id,
			download: 'recording',
		});
		expect(result.items[0].json).toMatchObject({
			_id: id,
			downloadErrors: {
				recording: {
					message:
						'Recording not downloaded: there is no recordingUrl for this call (AICaller adds one once a phone call created with Record completed)',
				},
			},
		});
		expect(result.items[0].binary).toBeUndefined();
		expect(sandbox.storage.requests).toHaveLength(0);
	});
});

/** How a storage request ended, once the sandbox saw the connection close. */
async function bodyEndOf(request: StorageRequest | undefined): Promise<StorageRequest['bodyEnd']> {
	for (
		const until = Date.now() + 3000;
		request && request.bodyEnd === undefined && Date.now() < until;

	)
		await delay(20);
	return request?.bodyEnd;
}

const summary = (requests: StorageRequest[]) =>
	requests.map((r) => `${r.method} ${r.path} ${r.status}`);

describe('the bounds of a download (AlloMia Call → Get and AICaller Phone Call → Get)', () => {
	const { parameters: exampleCall } = ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE;
	const storageHost = () => new URL(sandbox.url).host;

	async function alloMiaCall(seconds: number): Promise<string> {
		const created = await runAlloMia(sandbox, exampleCall);
		const id = String(created.items[0].json.outboundCallId);
		await sandbox.alloMia.complete(id, 'completed', {
			duration: seconds,
			...ALLOMIA_CALL_ANALYSIS,
		});
		return id;
	}

	const getRecording = (id: string, extra: Record<string, unknown> = {}) =>
		runAlloMia(sandbox, {
			resource: 'call',
			operation: 'get',
			callId: id,
			download: 'recording',
			...extra,
		});

	describe("https only, unless the credential's Base URL is http", () => {
		// The rule itself: which schemes a file may come over, from the credential's Base URL.
		test.each([
			['https://allomia.com', ['https:']],
			['https://api.aicaller.io/', ['https:']],
			['http://127.0.0.1:4010/allomia', ['http:', 'https:']],
			['HTTP://localhost:5678', ['http:', 'https:']],
			['', ['https:']],
			[undefined, ['https:']],
			['allomia.com', ['https:']],
			['ftp://files.example.com', ['https:']],
		])('Base URL %p: %p', (baseUrl, schemes) => {
			expect([...allowedSchemes(baseUrl)].sort()).toEqual(schemes);
		});

		/**
		 * withDownloads as the Get operations call it, in a node of its own that takes the link as a
		 * parameter. Why not the real nodes: with an https Base URL, the Get request itself would need
		 * an https API, and the sandbox serves http only (a TLS sandbox would need a certificate this
		 * Node version cannot be told to trust at run time). Everything else is as in the nodes: n8n-core
		 * runs it, the credential is read through getCredentials, the link is the storage's.
		 */
		class DownloadProbe implements INodeType {
			description = {
				displayName: 'Download Probe',
				name: 'downloadProbe',
				group: ['transform'],
				version: 1,
				description: 'Downloads the recording at URL the way Phone Call → Get does',
				defaults: { name: 'Download Probe' },
				inputs: ['main'],
				outputs: ['main'],
				credentials: [{ name: 'aiCallerApi', required: true }],
				properties: [{ displayName: 'URL', name: 'url', type: 'string', default: '' }],
			} as INodeType['description'];

			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				const item = await withDownloads(
					{
						fn: this,
						itemIndex: 0,
						request: async () => Promise.reject(new Error('the probe sends no API request')),
					},
					{ credentialType: 'aiCallerApi', maxFileSizeMb: DEFAULT_MAX_FILE_SIZE_MB },
					{},
					[
						{
							kind: 'recording',
							field: 'recordingUrl',
							url: this.getNodeParameter('url', 0),
							missingHint: '',
							expiredHint: '',
						},
					],
				);
				return [[{ json: item.json, binary: item.binary }]];
			}
		}
		registerNodeType('test.downloadProbe', new DownloadProbe());

		const probe = (url: string, baseUrl: string) =>
			runNode({
				type: 'test.downloadProbe',
				parameters: { url },
				credentials: { aiCallerApi: { apiKey: SANDBOX_FIXTURES.aiCaller.apiKey, baseUrl } },
			});

		test('Base URL https: an http link is not fetched, downloadErrors says why; Base URL http: the same link is', async () => {
			const id = await alloMiaCall(30);
			const call = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id });
			const link = String(call.items[0].json.recordingUrl);
			expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/storage\/allomia\/recordings\//);

			const refused = await probe(link, 'https://api.aicaller.io');
			expect(refused.error).toBeUndefined();
			expect(refused.items[0].binary).toEqual({});
			expect(refused.items[0].json).toEqual({
				downloadErrors: {
					recording: {
						message: `Recording not downloaded: the link is not https (${storageHost()}); this node downloads files only over https when the credential's Base URL is https`,
					},
				},
			});
			expect(sandbox.storage.requests).toHaveLength(0);

			const fetched = await probe(link, sandbox.baseUrls.aiCaller);
			expect(fetched.items[0].json).toEqual({});
			expect(fetched.items[0].binary?.recording).toMatchObject({
				fileName: `${id}.mp3`,
				bytes: 30 * RECORDING_BYTES_PER_SECOND,
			});
			expect(summary(sandbox.storage.requests)).toEqual([`GET /allomia/recordings/${id}.mp3 200`]);
		});

		describe("a connection that fails: named in the words of the API requests' failures", () => {
			/** A host on 127.0.0.1 that accepts each connection and closes it at once, counting them; once closed, its port refuses. */
			async function resettingHost(): Promise<{
				url: string;
				connections: () => number;
				close: () => Promise<void>;
			}> {
				let connections = 0;
				const server = createServer((socket) => {
					connections++;
					socket.destroy();
				});
				await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
				const { port } = server.address() as AddressInfo;
				return {
					url: `http://127.0.0.1:${port}/recordings/call.mp3`,
					connections: () => connections,
					close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
				};
			}

			test('a reset connection is tried once more, then downloadErrors says so; the call data is still output', async () => {
				const host = await resettingHost();
				try {
					const result = await probe(host.url, sandbox.baseUrls.aiCaller);
					expect(result.error).toBeUndefined();
					expect(result.items[0].json).toEqual({
						downloadErrors: {
							recording: {
								message: `Recording not downloaded from ${new URL(host.url).host}: the connection failed (connection reset)`,
							},
						},
					});
					expect(host.connections()).toBe(2);
				} finally {
					await host.close();
				}
			});

			test('a refused connection: downloadErrors says so', async () => {
				const host = await resettingHost();
				await host.close();
				const result = await probe(host.url, sandbox.baseUrls.aiCaller);
				expect(result.items[0].json).toEqual({
					downloadErrors: {
						recording: {
							message: `Recording not downloaded from ${new URL(host.url).host}: the connection failed (connection refused)`,
						},
					},
				});
			});
		});
	});

	describe('redirects: followed by the node, each checked, at most ' + MAX_REDIRECTS, () => {
		test('a file moved elsewhere (301): its redirect is followed and the file arrives; no API key reaches either path', async () => {
			const id = await alloMiaCall(30);
			sandbox.storage.serveAs(`/allomia/recordings/${id}.mp3`, {
				redirectTo: `/storage/allomia/eu-west-3/${id}.mp3`,
				status: 301,
			});
			const result = await getRecording(id);
			expect(result.items[0].json).not.toHaveProperty('downloadErrors');
			expect(result.items[0].binary?.recording).toMatchObject({
				fileName: `${id}.mp3`,
				mimeType: 'audio/mpeg',
				bytes: 30 * RECORDING_BYTES_PER_SECOND,
			});
			expect(summary(sandbox.storage.requests)).toEqual([
				`GET /allomia/recordings/${id}.mp3 301`,
				`GET /allomia/eu-west-3/${id}.mp3 200`,
			]);
			expectNoApiKeyAtStorage([SANDBOX_FIXTURES.alloMia.apiKey]);
		});

		/** The recording's link sent on through `hops` redirects (302), the file at the end of the chain. */
		function chain(id: string, hops: number): string[] {
			const paths = [
				`/allomia/recordings/${id}.mp3`,
				...Array.from({ length: hops }, (_, n) => `/allomia/hop-${n + 1}/${id}.mp3`),
			];
			for (let n = 0; n < hops; n++)
				sandbox.storage.serveAs(paths[n], { redirectTo: `/storage${paths[n + 1]}` });
			return paths;
		}

		test(`${MAX_REDIRECTS} redirects are followed; one more is not: downloadErrors says so, the call is output`, async () => {
			const id = await alloMiaCall(30);
			const paths = chain(id, MAX_REDIRECTS);
			const followed = await getRecording(id);
			expect(followed.items[0].binary?.recording?.bytes).toBe(30 * RECORDING_BYTES_PER_SECOND);
			expect(summary(sandbox.storage.requests)).toEqual([
				...paths.slice(0, -1).map((p) => `GET ${p} 302`),
				`GET ${paths.at(-1)} 200`,
			]);

			sandbox.storage.requests.length = 0;
			const longer = chain(id, MAX_REDIRECTS + 1);
			const refused = await getRecording(id);
			expect(refused.error).toBeUndefined();
			expect(refused.items[0].binary).toBeUndefined();
			expect(refused.items[0].json).toMatchObject({
				id,
				downloadErrors: {
					recording: {
						message: `Recording not downloaded: ${storageHost()} redirected the download more than ${MAX_REDIRECTS} times; the file host is misconfigured, report it to the provider if it persists`,
					},
				},
			});
			// The sixth redirect's target is never asked for.
			expect(summary(sandbox.storage.requests)).toEqual(
				longer.slice(0, -1).map((p) => `GET ${p} 302`),
			);
		});

		test('a redirect back to a link already visited is a loop: stopped at once, not retried', async () => {
			const id = await alloMiaCall(30);
			const path = `/allomia/recordings/${id}.mp3`;
			// The signed link sends to the same path without its signature, which sends to itself.
			sandbox.storage.serveAs(path, { redirectTo: `/storage${path}` });
			const result = await getRecording(id);
			const { message } = (
				result.items[0].json.downloadErrors as { recording: { message: string } }
			).recording;
			expect(message).toBe(
				`Recording not downloaded: ${storageHost()} redirected the download in a loop (back to an address already visited); the file host is misconfigured, report it to the provider if it persists`,
			);
			expect(message).not.toContain('X-Amz');
			expect(summary(sandbox.storage.requests)).toEqual([`GET ${path} 302`, `GET ${path} 302`]);
		});

		test('each redirect is held to the link rule: one to an address that is not a web address is not followed', async () => {
			const id = await alloMiaCall(30);
			sandbox.storage.serveAs(`/allomia/recordings/${id}.mp3`, {
				redirectTo: `ftp://${storageHost()}/allomia/${id}.mp3`,
				status: 307,
			});
			const result = await getRecording(id);
			expect(result.items[0].json.downloadErrors).toEqual({
				recording: {
					message: `Recording not downloaded: ${storageHost()} redirected the download to an address that is not a web address (ftp:)`,
				},
			});
			expect(sandbox.storage.requests).toHaveLength(1);
		});
	});

	describe('Max File Size (MB)', () => {
		test('a larger file with Content-Length is refused before its body is read; the other file and the call data still come out', async () => {
			const id = await alloMiaCall(3600);
			const result = await runAlloMia(sandbox, {
				resource: 'call',
				operation: 'get',
				callId: id,
				download: 'both',
				maxFileSize: 1,
			});
			expect(result.error).toBeUndefined();
			const [item] = result.items;
			expect(Object.keys(item.binary ?? {})).toEqual(['transcript']);
			expect(item.json).toMatchObject({
				id,
				callSummary: ALLOMIA_CALL_ANALYSIS.callSummary,
				downloadErrors: {
					recording: {
						message:
							'Recording not downloaded: the file is 57,600,000 bytes (57.6 MB), larger than Max File Size (1 MB). Raise Max File Size (0: no limit) to download it.',
					},
				},
			});
			const recording = sandbox.storage.requests.find((r) =>
				r.path.startsWith('/allomia/recordings/'),
			);
			expect(recording?.status).toBe(200);
			expect(await bodyEndOf(recording)).toBe('cut');
			expect(sandbox.storage.requests).toHaveLength(2);
		});

		test('a larger file without Content-Length (chunked) is stopped once the bytes counted pass the limit', async () => {
			const id = await alloMiaCall(3600);
			sandbox.storage.serveAs(`/allomia/recordings/${id}.mp3`, { chunked: true });
			const result = await getRecording(id, { maxFileSize: 1 });
			expect(result.items[0].binary).toBeUndefined();
			expect(result.items[0].json.downloadErrors).toEqual({
				recording: {
					message: `Recording not downloaded from ${storageHost()}: the file is larger than Max File Size (1 MB); the download stopped once more than that had arrived. Raise Max File Size (0: no limit) to download it.`,
				},
			});
			expect(await bodyEndOf(sandbox.storage.requests[0])).toBe('cut');
			expect(sandbox.storage.requests).toHaveLength(1);
		});

		test('a file within the limit without Content-Length is stored whole; 0 means no limit', async () => {
			const id = await alloMiaCall(94);
			sandbox.storage.serveAs(`/allomia/recordings/${id}.mp3`, { chunked: true });
			const chunked = await getRecording(id, { maxFileSize: 1.6 });
			expect(chunked.items[0].json).not.toHaveProperty('downloadErrors');
			expect(chunked.items[0].binary?.recording).toMatchObject({
				fileName: `${id}.mp3`,
				bytes: 94 * RECORDING_BYTES_PER_SECOND,
			});

			const noLimit = await getRecording(await alloMiaCall(3600), { maxFileSize: 0 });
			expect(noLimit.items[0].json).not.toHaveProperty('downloadErrors');
			expect(noLimit.items[0].binary?.recording?.bytes).toBe(3600 * RECORDING_BYTES_PER_SECOND);
		});

		test('AICaller Phone Call → Get: the same limit on its recording', async () => {
			const created = await runAiCaller(sandbox, {
				...AICALLER_CREATE_PHONE_CALL_EXAMPLE.parameters,
				additionalFields: {
					...AICALLER_CREATE_PHONE_CALL_EXAMPLE.parameters.additionalFields,
					record: true,
				},
			});
			const id = String(created.items[0].json._id);
			await sandbox.aiCaller.complete(id, 'completed');
			const result = await runAiCaller(sandbox, {
				resource: 'phoneCall',
				operation: 'get',
				phoneCallId: id,
				download: 'recording',
				maxFileSize: 0.1,
			});
			expect(result.items[0].json).toMatchObject({
				_id: id,
				downloadErrors: {
					recording: {
						message:
							'Recording not downloaded: the file is 320,000 bytes (0.3 MB), larger than Max File Size (0.1 MB). Raise Max File Size (0: no limit) to download it.',
					},
				},
			});
		});

		test('the field shows only when Download is not None, 100 MB unless set; a negative value is refused before anything is sent', async () => {
			const { AlloMia } = await import('../../nodes/AlloMia/AlloMia.node');
			const { AiCaller } = await import('../../nodes/AiCaller/AiCaller.node');
			for (const [node, resource] of [
				[new AlloMia(), 'call'],
				[new AiCaller(), 'phoneCall'],
			] as const) {
				const field = node.description.properties.find(
					(p) => p.name === 'maxFileSize' && p.displayOptions?.show?.resource?.includes(resource),
				);
				expect(field).toMatchObject({
					displayName: 'Max File Size (MB)',
					type: 'number',
					default: 100,
					displayOptions: {
						hide: { download: ['none'] },
						show: { resource: [resource], operation: ['get'] },
					},
				});
			}
			const result = await runAlloMia(sandbox, {
				resource: 'call',
				operation: 'get',
				callId: 'call-42',
				download: 'recording',
				maxFileSize: -1,
			});
			expect(result.error?.message).toBe(
				'Max File Size (MB) (maxFileSize) is too small: enter 0 or more',
			);
			expect(sandbox.requestsFor('allomia')).toHaveLength(0);
		});
	});

	test('Options → Timeout (Ms) bounds the whole file: a host that sends the headers, then trickles the body, is cut off', async () => {
		const id = await alloMiaCall(94);
		// 1,000 bytes every 100 ms: the 1.5 MB recording would take 150 s, and no pause is long
		// enough for a timeout that only watches for the answer or for idle connections.
		sandbox.storage.serveAs(`/allomia/recordings/${id}.mp3`, {
			trickle: { bytes: 1000, everyMs: 100 },
		});
		const started = Date.now();
		const result = await getRecording(id, { requestOptions: { timeoutMs: 1000 } });
		expect(Date.now() - started).toBeLessThan(5000);
		expect(result.error).toBeUndefined();
		expect(result.items[0].binary).toBeUndefined();
		expect(result.items[0].json).toMatchObject({
			id,
			downloadErrors: {
				recording: {
					message: `Recording not downloaded from ${storageHost()}: the whole file did not arrive within 1000 ms. Raise Options → Timeout (Ms) for large files or slow hosts.`,
				},
			},
		});
		// The headers (200) had arrived and the body was under way when the node let go of it.
		expect(summary(sandbox.storage.requests)).toEqual([`GET /allomia/recordings/${id}.mp3 200`]);
		expect(await bodyEndOf(sandbox.storage.requests[0])).toBe('cut');
	});
});
