/**
 * Download (Transcript / Recording / Both) on AlloMia Call → Get and AICaller Phone Call → Get, run
 * by n8n-core against the sandbox, whose storage serves the files behind the links the calls
 * carry: the output item's binary (bytes, file name, MIME type, size), the per-file error of an
 * expired or missing link with the call data still output, and what the file host received (no
 * API key).
 */
import type { IBinaryData, INodeExecutionData } from 'n8n-workflow';

import { ALLOMIA_CALL_ANALYSIS } from '../fixtures/allomia-calls';
import { AICALLER_CREATE_PHONE_CALL_EXAMPLE, ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE } from '../fixtures/documentation-examples';
import { useSandbox } from '../fixtures/sandbox';
import { runAiCaller, runAlloMia } from '../helpers/providers';
import { RECORDING_BYTES_PER_SECOND, SANDBOX_FIXTURES } from '../sandbox/server';

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
		await sandbox.alloMia.complete(id, 'completed', { duration: seconds, ...ALLOMIA_CALL_ANALYSIS });
		return id;
	}

	test('Both: the transcript and the recording on the item as binary, with file name, MIME type and size; the call data unchanged', async () => {
		const id = await completedCall(94);
		const result = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id, download: 'both' });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({ id, ...ALLOMIA_CALL_ANALYSIS, callDurationSeconds: '94' });
		expect(item.json).not.toHaveProperty('downloadErrors');
		expect(Object.keys(item.binary ?? {}).sort()).toEqual(['recording', 'transcript']);

		const transcript = item.binary?.transcript;
		expect(transcript).toMatchObject({ fileName: `${id}.txt`, mimeType: 'text/plain', fileExtension: 'txt', fileType: 'text' });
		const text = bytesOf(transcript);
		expect(text).toEqual(await served(item.json.transcriptUrl));
		expect(transcript?.bytes).toBe(text.length);
		// UTF-8 decoded as such: the French summary keeps its accents.
		expect(text.toString('utf8')).toContain(`Résumé : ${ALLOMIA_CALL_ANALYSIS.callSummaryFr}`);

		const recording = item.binary?.recording;
		expect(recording).toMatchObject({ fileName: `${id}.mp3`, mimeType: 'audio/mpeg', fileExtension: 'mp3', fileType: 'audio' });
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
		expect(fetched).toEqual([`GET /allomia/transcripts/${id}.txt 200`, `GET /allomia/recordings/${id}.mp3 200`]);
		expectNoApiKeyAtStorage([SANDBOX_FIXTURES.alloMia.apiKey]);
		// The API request itself did carry the key.
		expect(sandbox.requestsFor('allomia').at(-1)?.headers.authorization).toBe(`Bearer ${SANDBOX_FIXTURES.alloMia.apiKey}`);
	});

	test('Transcript or Recording alone downloads that file only; None (the default) downloads nothing', async () => {
		const id = await completedCall();
		const transcript = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id, download: 'transcript' });
		expect(Object.keys(transcript.items[0].binary ?? {})).toEqual(['transcript']);
		const recording = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id, download: 'recording' });
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
		const result = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id, download: 'both' });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ id, callSummary: ALLOMIA_CALL_ANALYSIS.callSummary, transcriptUrl: expect.any(String) });
		const hint = "Run Call → Get again for a fresh link: AlloMia's links work for one hour after they are fetched.";
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
		for (const secret of ['X-Amz-Signature', 'Expires=', SANDBOX_FIXTURES.alloMia.apiKey, 'John Doe']) expect(errors).not.toContain(secret);
		// An expired link is not retried: one GET per file.
		expect(sandbox.storage.requests.map((r) => r.status)).toEqual([403, 403]);
	});

	test('a call that was not answered has no links: downloadErrors says so, nothing is fetched, the call is output', async () => {
		const created = await runAlloMia(sandbox, exampleCall);
		const id = String(created.items[0].json.outboundCallId);
		await sandbox.alloMia.complete(id, 'no-answer');
		const result = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id, download: 'recording' });
		expect(result.items[0].json).toMatchObject({
			id,
			recordingUrl: null,
			downloadErrors: {
				recording: { message: 'Recording not downloaded: there is no recordingUrl for this call (a call that was not answered has none)' },
			},
		});
		expect(result.items[0].binary).toBeUndefined();
		expect(sandbox.storage.requests).toHaveLength(0);
	});

	test('several items: each item gets its own call\'s files, paired to it', async () => {
		const first = await completedCall(30);
		const second = await completedCall(45);
		const result = await runAlloMia(
			sandbox,
			{ resource: 'call', operation: 'get', callId: '={{ $json.id }}', download: 'recording' },
			{ items: [{ id: first }, { id: second }] },
		);
		const summary = (item: INodeExecutionData) => [item.json.id, item.binary?.recording.fileName, item.binary?.recording.bytes, item.pairedItem];
		expect(result.items.map(summary)).toEqual([
			[first, `${first}.mp3`, 30 * RECORDING_BYTES_PER_SECOND, { item: 0 }],
			[second, `${second}.mp3`, 45 * RECORDING_BYTES_PER_SECOND, { item: 1 }],
		]);
	});

	test('a Download value that is not one of the choices is refused before anything is sent', async () => {
		const result = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: 'call-42', download: '={{ "audio" }}' });
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

	test('Recording: the call\'s recording on the item as binary; no API key reaches the file host', async () => {
		const id = await completedCall(true);
		const result = await runAiCaller(sandbox, { resource: 'phoneCall', operation: 'get', phoneCallId: id, download: 'recording' });
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		expect(item.json).toMatchObject({ _id: id, status: 'completed', recordingUrl: `${sandbox.url}/storage/aicaller/recordings/${id}.mp3` });
		expect(item.json).not.toHaveProperty('downloadErrors');
		const recording = item.binary?.recording;
		expect(recording).toMatchObject({ fileName: `${id}.mp3`, mimeType: 'audio/mpeg', fileExtension: 'mp3', bytes: 20 * RECORDING_BYTES_PER_SECOND });
		const audio = bytesOf(recording);
		expect([...audio.subarray(0, 2)]).toEqual(MPEG_FRAME_SYNC);
		expect(audio.equals(await served(item.json.recordingUrl))).toBe(true);
		expect(sandbox.storage.requests.map((r) => `${r.method} ${r.path} ${r.status}`)[0]).toBe(`GET /aicaller/recordings/${id}.mp3 200`);
		expectNoApiKeyAtStorage([SANDBOX_FIXTURES.aiCaller.apiKey]);
	});

	test('offers None and Recording only: the phone-call pages document no transcript file', async () => {
		const { AiCaller } = await import('../../nodes/AiCaller/AiCaller.node');
		const download = new AiCaller().description.properties.find(
			(p) => p.name === 'download' && p.displayOptions?.show?.operation?.includes('get'),
		);
		expect(download?.options?.map((o) => ('value' in o ? o.value : undefined))).toEqual(['none', 'recording']);
	});

	test('a Download value other than None or Recording (e.g. "transcript" from an expression) is refused before anything is sent', async () => {
		const result = await runAiCaller(sandbox, { resource: 'phoneCall', operation: 'get', phoneCallId: 'ffffffffffffffffffffffff', download: '={{ "transcript" }}' });
		expect(result.error?.message).toBe('Download (download) is not one of the allowed values: use one of none, recording');
		expect(sandbox.requestsFor('aicaller')).toHaveLength(0);
	});

	test('a call made without Record has no recordingUrl: downloadErrors says why, the call is output', async () => {
		const id = await completedCall(false);
		const result = await runAiCaller(sandbox, { resource: 'phoneCall', operation: 'get', phoneCallId: id, download: 'recording' });
		expect(result.items[0].json).toMatchObject({
			_id: id,
			downloadErrors: {
				recording: {
					message: 'Recording not downloaded: there is no recordingUrl for this call (AICaller adds one once a phone call created with Record completed)',
				},
			},
		});
		expect(result.items[0].binary).toBeUndefined();
		expect(sandbox.storage.requests).toHaveLength(0);
	});
});
