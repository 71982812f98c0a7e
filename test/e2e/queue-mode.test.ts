/**
 * The package in n8n queue mode: Redis, Postgres, one `n8n start` with EXECUTIONS_MODE=queue and
 * two `n8n worker` processes, each with the packed package installed in its own user folder
 * (test/harness/queue-mode.ts). The appointment example (examples/, as users import it) is called
 * by 50 bookings at once on its production webhook, as a busy booking system would.
 *
 * It has its own sandbox (in this test process) and its own n8n processes, so it takes no turn in
 * the lock of the other e2e files; it reuses the tarball global-setup.ts packed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

import { vocabulary } from '../fixtures/call-outcome';
import { nodeOutput, type Execution, type WorkflowJson } from '../harness/client';
import { NODE_TYPES } from '../harness/project';
import { CREDENTIALS } from '../harness/credentials';
import { EXAMPLES, prepareExample, sampleBooking, webhookPathOf } from '../harness/examples';
import { waitFor } from '../harness/processes';
import { startQueueStack, waitForExecutionLogs, type QueueStack } from '../harness/queue-mode';
import { SANDBOX_FIXTURES, startSandbox, type Sandbox } from '../sandbox/server';
import { readState } from './state';
import { expectBearer, UUID, wire } from './support';

/** Bookings posted at once: bounded, and well above what one worker runs at a time. */
const CALLS = 50;
const WORKERS = 2;
const CONCURRENCY = 5;
/** The example's Wait node: each execution holds its worker slot this long. */
const WAIT_SECONDS = 1;
const WHEN = 'Monday, March 10 at 3:00 PM';
const FIRST_NAMES = [
	'Sarah',
	'Miguel',
	'Aisha',
	'Tom',
	'Yuki',
	'Olu',
	'Ines',
	'Ravi',
	'Lena',
	'Sam',
];

const log = (message: string) => process.stderr.write(`[queue-mode] ${message}\n`);

let sandbox: Sandbox;
let stack: QueueStack;

jest.setTimeout(180_000);

/** The tarball global-setup.ts packed (same bytes as the other e2e tests); else build one. */
function packedTarball(): string | undefined {
	const packDir = path.join(readState().runDir, 'pack');
	if (!existsSync(packDir)) return undefined;
	const tarball = readdirSync(packDir).find((file) => file.endsWith('.tgz'));
	return tarball ? path.join(packDir, tarball) : undefined;
}

beforeAll(async () => {
	// A resumed execution's callback is answered once main has loaded it from Postgres and handed it
	// to a worker: on a loaded 2-core machine that can take longer than the default 5 s.
	sandbox = await startSandbox({ callbackTimeoutMs: 20_000 });
	stack = await startQueueStack({
		log,
		tarball: packedTarball(),
		workers: WORKERS,
		workerConcurrency: CONCURRENCY,
		credentials: [
			{
				...CREDENTIALS.helloAnnie,
				data: {
					apiKey: SANDBOX_FIXTURES.helloAnnie.apiKey,
					baseUrl: sandbox.baseUrls.helloAnnie,
				},
			},
			{
				...CREDENTIALS.alloMia,
				data: {
					apiKey: SANDBOX_FIXTURES.alloMia.apiKey,
					organizationId: SANDBOX_FIXTURES.alloMia.organizationId,
					baseUrl: sandbox.baseUrls.alloMia,
				},
			},
			{
				...CREDENTIALS.aiCaller,
				data: { apiKey: SANDBOX_FIXTURES.aiCaller.apiKey, baseUrl: sandbox.baseUrls.aiCaller },
			},
		],
	});
	log(`stack ready: ${JSON.stringify(stack.timings)} s`);
	// A first install of redis-server and postgresql with apt-get takes a minute or two.
}, 10 * 60_000);

afterAll(async () => {
	const stopping = Date.now();
	await stack?.stop({ keepRunDir: process.env.E2E_KEEP === '1' });
	await sandbox?.close();
	log(`stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
	if (process.env.E2E_KEEP === '1' && stack) log(`run folder kept: ${stack.runDir}`);
}, 120_000);

/** Booking i: its own patient, appointment and phone number (+1 555 010 00ii). */
function booking(i: number) {
	const base = sampleBooking(WAIT_SECONDS);
	const suffix = String(i).padStart(2, '0');
	return {
		...base,
		patient: {
			...base.patient,
			id: `PAT-Q${suffix}`,
			firstName: FIRST_NAMES[i % FIRST_NAMES.length],
			phone: `+1 (555) 010-00${suffix}`,
		},
		appointment: { ...base.appointment, id: `APT-Q${suffix}` },
	};
}

/** The exact POST /calls the example sends for booking i (as in examples.test.ts). */
function expectedCall(i: number) {
	const { patient, appointment } = booking(i);
	return {
		fromNumber: '+15551234567',
		toNumber: `+1555010${String(i).padStart(4, '0')}`,
		patientInfo: {
			firstName: patient.firstName,
			lastName: patient.lastName,
			dateOfBirth: '1988-03-22T00:00:00.000Z',
			patientId: patient.id,
		},
		appointmentInfo: {
			appointmentId: appointment.id,
			appointmentTypeId: appointment.typeId,
			appointmentDescription: appointment.description,
			startTime: appointment.start,
			endTime: appointment.end,
		},
		context: `Appointment confirmation: 6-month routine cleaning and exam on ${WHEN}. Ask the patient to confirm; offer to reschedule if the time does not suit.`,
		voicemailMessage: `Hi ${patient.firstName}, this is Annie from your dental office, calling to confirm your appointment on ${WHEN}. Please call us back to confirm or reschedule.`,
	};
}

test(`${CALLS} bookings at once: each runs on a worker, places its call exactly once and answers its own outcome`, async () => {
	const { client } = stack;
	const example = EXAMPLES.appointment;
	const workflow = prepareExample(example.file, {
		credentialId: CREDENTIALS.helloAnnie.id,
		openCallingHours: true,
	});
	const webhookPath = webhookPathOf(workflow);
	const stored = await client.createWorkflow(workflow);
	await client.activateWorkflow(stored);

	const indexes = Array.from({ length: CALLS }, (_, i) => i);
	const started = Date.now();
	const answers = await Promise.all(
		indexes.map(async (i) => await client.callWebhook(webhookPath, booking(i))),
	);
	const burstMs = Date.now() - started;

	// Every caller got its own outcome: its patient, its appointment, its conversation.
	const conversationOf = new Map(
		sandbox.helloAnnie.state.conversations.map((c) => [c.toNumber, c.conversationId]),
	);
	for (const i of indexes) {
		const call = expectedCall(i);
		expect({ booking: i, status: answers[i].status, body: answers[i].body }).toEqual({
			booking: i,
			status: 200,
			body: {
				patientId: call.patientInfo.patientId,
				appointmentId: call.appointmentInfo.appointmentId,
				conversationId: conversationOf.get(call.toNumber),
				callStatus: 'OPEN',
				outcome: 'call in progress',
				summary: '',
				durationSeconds: 0,
			},
		});
		expect(conversationOf.get(call.toNumber)).toMatch(UUID);
	}

	// Every call reached the provider exactly once, with its own booking's data; every
	// conversation was read back once.
	const requests = sandbox.requestsFor('helloannie');
	const calls = requests.filter((r) => r.method === 'POST' && r.path === '/calls');
	const byNumber = new Map<string, unknown[]>();
	for (const request of calls) {
		const { toNumber } = request.body as { toNumber: string };
		byNumber.set(toNumber, [...(byNumber.get(toNumber) ?? []), request.body]);
	}
	expect(calls).toHaveLength(CALLS);
	for (const i of indexes) {
		const call = expectedCall(i);
		expect(byNumber.get(call.toNumber)).toEqual([call]);
	}
	const reads = requests.filter((r) => r.method === 'GET').map(wire);
	expect(reads.sort((a, b) => a.path.localeCompare(b.path))).toEqual(
		indexes
			.map((i) => ({
				method: 'GET',
				path: `/conversations/${conversationOf.get(expectedCall(i).toNumber)}`,
				query: {},
				body: undefined,
			}))
			.sort((a, b) => a.path.localeCompare(b.path)),
	);
	expect(requests).toHaveLength(2 * CALLS);
	for (const request of requests) {
		expect(request.valid).toBe(true);
		expectBearer(request, SANDBOX_FIXTURES.helloAnnie.apiKey);
	}

	// n8n recorded 50 successful webhook executions, each with the node output of its own call.
	// (A webhook is answered by its Respond node; the execution is saved a moment later.)
	const filter = encodeURIComponent(JSON.stringify({ workflowId: stored.id }));
	const ids = await waitFor(
		`n8n to list ${CALLS} executions`,
		async () => {
			const list = await client.rest<{ results: Array<{ id: string }> }>(
				'GET',
				`/rest/executions?filter=${filter}&limit=${CALLS * 2}`,
			);
			return list.results.length >= CALLS ? list.results.map((e) => e.id) : undefined;
		},
		{ timeoutMs: 30_000, intervalMs: 200 },
	);
	const executions: Execution[] = [];
	for (const id of ids) executions.push(await client.waitForExecution(id));
	expect(executions.map((e) => [e.status, e.mode])).toEqual(
		indexes.map(() => ['success', 'webhook']),
	);
	const outputs = executions.map((execution) => {
		const [trigger] = nodeOutput(execution, example.webhookNode);
		const { phone } = (trigger.json.body as { patient: { phone: string } }).patient;
		const toNumber = phone.replace(/[\s()-]/g, '');
		return {
			toNumber,
			output: nodeOutput(execution, example.callNode).map((item) => item.json),
			expected: [
				{ conversationId: conversationOf.get(toNumber), skipped: false, skipReason: null },
			],
		};
	});
	for (const { output, expected } of outputs) expect(output).toEqual(expected);
	expect(new Set(outputs.map((o) => o.toNumber)).size).toBe(CALLS);

	// Where they ran: main enqueued every one and ran none; each was run by exactly one worker,
	// both workers took part, and none ran more at once than its --concurrency.
	const logs = await waitForExecutionLogs(stack, ids);
	expect([...logs.main.enqueued].sort()).toEqual([...ids].sort());
	for (const id of ids) {
		expect({ id, ranOn: logs.workers.filter((w) => w.finished.includes(id)).length }).toEqual({
			id,
			ranOn: 1,
		});
	}
	const perWorker = logs.workers.map((w) => w.finished.filter((id) => ids.includes(id)).length);
	for (const count of perWorker) expect(count).toBeGreaterThan(0);
	for (const worker of logs.workers) expect(worker.maxRunning).toBeLessThanOrEqual(CONCURRENCY);

	log(
		`${CALLS} webhook calls answered in ${(burstMs / 1000).toFixed(1)} s; executions per worker ` +
			`${JSON.stringify(perWorker)}; most at once per worker ${JSON.stringify(logs.workers.map((w) => w.maxRunning))}`,
	);
});

/** Appointments delivered twice at the same moment: how many calls n8n's store lets through. */
const PAIRS = 20;

test(`${PAIRS} appointments each delivered twice at the same moment: one call per appointment`, async () => {
	const { client } = stack;
	const example = EXAMPLES.appointment;
	const workflow = prepareExample(example.file, {
		credentialId: CREDENTIALS.helloAnnie.id,
		openCallingHours: true,
		webhookPath: 'queue-duplicate-deliveries',
	});
	const stored = await client.createWorkflow(workflow);
	await client.activateWorkflow(stored);
	sandbox.reset();

	const pair = (i: number) => {
		const base = booking(i);
		const suffix = String(i).padStart(2, '0');
		return {
			...base,
			patient: { ...base.patient, phone: `+1 (555) 020-00${suffix}` },
			appointment: { ...base.appointment, id: `APT-D${suffix}` },
		};
	};
	const deliveries = Array.from({ length: PAIRS * 2 }, (_, k) => Math.floor(k / 2));
	const answers = await Promise.all(
		deliveries.map(async (i) => await client.callWebhook('queue-duplicate-deliveries', pair(i))),
	);

	const calls = sandbox
		.requestsFor('helloannie')
		.filter((r) => r.method === 'POST' && r.path === '/calls');
	const perNumber = new Map<string, number>();
	for (const request of calls) {
		const { toNumber } = request.body as { toNumber: string };
		perNumber.set(toNumber, (perNumber.get(toNumber) ?? 0) + 1);
	}
	log(
		`${PAIRS} pairs of simultaneous deliveries on ${WORKERS} workers: ${calls.length} calls placed`,
	);
	expect(calls).toHaveLength(PAIRS);
	for (let i = 0; i < PAIRS; i++) {
		expect({
			appointment: i,
			calls: perNumber.get(`+1555020${String(i).padStart(4, '0')}`),
		}).toEqual({ appointment: i, calls: 1 });
		const both = answers
			.filter((_, k) => deliveries[k] === i)
			.map((answer) => answer.body as { outcome: string; reason?: string });
		expect(both.map((body) => body.reason ?? 'placed').sort()).toEqual(['duplicate', 'placed']);
	}
});

// -------------------------------------------------------------------------------------------------
// Wait for Call to End: On Provider Callback (no worker held, restarts survived) and polling

/** Executions waiting on provider callbacks at once, per provider. */
const WAITING = 20;

type CallingProvider = 'alloMia' | 'aiCaller';

const CALL_NODE = 'Call';

/** Webhook (one contact per execution) → the provider's call-placing operation with `wait`. */
function callWorkflow(
	provider: CallingProvider,
	webhookPath: string,
	wait: Record<string, unknown>,
): WorkflowJson {
	const parameters =
		provider === 'alloMia'
			? {
					resource: 'call',
					operation: 'createOutbound',
					phoneNumber: '={{ $json.body.phone }}',
					assistantId: SANDBOX_FIXTURES.alloMia.assistants[0].id,
					phoneNumberId: SANDBOX_FIXTURES.alloMia.phoneNumbers[0].id,
					...wait,
				}
			: {
					resource: 'phoneCall',
					operation: 'create',
					teamId: SANDBOX_FIXTURES.aiCaller.teamId,
					callTemplateId: SANDBOX_FIXTURES.aiCaller.callTemplates[0]._id,
					nameOfHuman: 'Patient',
					toPhoneNumber: '={{ $json.body.phone }}',
					...wait,
				};
	const credential = CREDENTIALS[provider];
	return {
		name: `queue ${provider} ${webhookPath}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Contact',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: webhookPath, options: {} },
			},
			{
				id: randomUUID(),
				name: CALL_NODE,
				type: NODE_TYPES[provider],
				typeVersion: 1,
				position: [240, 0],
				parameters,
				credentials: { [credential.type]: { id: credential.id, name: credential.name } },
			},
		],
		connections: { Contact: { main: [[{ node: CALL_NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

async function allWithStatus(
	workflowIds: string[],
	count: number,
	status: string,
	timeoutMs = 120_000,
) {
	return await waitFor(
		`${count} executions with status ${status}`,
		async () => {
			const all = (
				await Promise.all(workflowIds.map(async (id) => await stack.client.executionStatuses(id)))
			).flat();
			return all.length === count && all.every((e) => e.status === status) ? all : undefined;
		},
		{ timeoutMs, intervalMs: 250 },
	);
}

/** The execution ID in a resume URL (…/webhook-waiting/<id>?signature=…). */
function executionOfResumeUrl(url: string): string {
	const match = /\/webhook-waiting\/([^/?]+)/.exec(url);
	if (!match) throw new Error(`not a resume URL: ${url}`);
	return match[1];
}

const phoneOf = (provider: CallingProvider, i: number) =>
	`+1555${provider === 'alloMia' ? '03' : '04'}0${String(i).padStart(4, '0')}`;
const ALLOMIA_OUTCOMES = ['completed', 'busy', 'no-answer'] as const;

test(`${WAITING} AlloMia and ${WAITING} AICaller calls wait on their callbacks holding no worker, survive a restart of main and workers, and resume with their own outcome`, async () => {
	const { client } = stack;
	sandbox.reset();
	const wait = { waitForCallToEnd: true, waitMode: 'callback', maxWaitSeconds: 3600 };
	const stored: Record<CallingProvider, string> = { alloMia: '', aiCaller: '' };
	for (const provider of ['alloMia', 'aiCaller'] as const) {
		const workflow = await client.createWorkflow(
			callWorkflow(provider, `queue-wait-${provider}`, wait),
		);
		await client.activateWorkflow(workflow);
		stored[provider] = workflow.id;
	}
	const indexes = Array.from({ length: WAITING }, (_, i) => i);
	const answers = await Promise.all(
		(['alloMia', 'aiCaller'] as const).flatMap((provider) =>
			indexes.map(
				async (i) =>
					await client.callWebhook(`queue-wait-${provider}`, { phone: phoneOf(provider, i) }),
			),
		),
	);
	expect(answers.every((answer) => answer.status === 200)).toBe(true);

	const waiting = await allWithStatus(Object.values(stored), 2 * WAITING, 'waiting');
	const ids = waiting.map((e) => e.id);
	// Every execution ran on a worker up to its wait, and no worker runs any of them now.
	const before = await waitForExecutionLogs(stack, ids);
	for (const worker of before.workers)
		expect(worker.started.length - worker.finished.length).toBe(0);

	// Each execution placed one call, whose callback is that execution's resume URL.
	const alloMiaCreates = sandbox.requestsFor('allomia').filter((r) => r.method === 'POST');
	const aiCallerCreates = sandbox.requestsFor('aicaller').filter((r) => r.method === 'POST');
	expect(alloMiaCreates).toHaveLength(WAITING);
	expect(aiCallerCreates).toHaveLength(WAITING);
	const calls = new Map<
		string,
		{ provider: CallingProvider; phone: string; callId: string; resumeUrl: string }
	>();
	for (const request of alloMiaCreates) {
		const body = request.body as { phoneNumber: string; callbackUrl: string };
		const callId = sandbox.alloMia.state.outboundCalls.find(
			(c) => c.request.phoneNumber === body.phoneNumber,
		)!.outboundCallId;
		calls.set(executionOfResumeUrl(body.callbackUrl), {
			provider: 'alloMia',
			phone: body.phoneNumber,
			callId,
			resumeUrl: body.callbackUrl,
		});
	}
	for (const request of aiCallerCreates) {
		const body = request.body as {
			toPhoneNumber: string;
			phoneCallWebhooks: Array<{ url: string; subscribedEvent: string }>;
		};
		expect(body.phoneCallWebhooks).toEqual([
			{ url: expect.any(String), subscribedEvent: 'phoneCall.completed' },
		]);
		const callId = sandbox.aiCaller.state.calls.find(
			(c) => c.toPhoneNumber === body.toPhoneNumber,
		)!._id;
		calls.set(executionOfResumeUrl(body.phoneCallWebhooks[0].url), {
			provider: 'aiCaller',
			phone: body.toPhoneNumber,
			callId,
			resumeUrl: body.phoneCallWebhooks[0].url,
		});
	}
	expect([...calls.keys()].sort()).toEqual([...ids].sort());

	const restarting = Date.now();
	await stack.restart();
	log(
		`main and ${stack.workers.length} workers restarted in ${((Date.now() - restarting) / 1000).toFixed(1)} s`,
	);
	await allWithStatus(Object.values(stored), 2 * WAITING, 'waiting', 30_000);

	// Forged resume requests resume nothing: without n8n's resume token, with a wrong one, or
	// with the right URL but about another call.
	const [first, second] = ids.filter((id) => calls.get(id)!.provider === 'alloMia');
	const firstCall = calls.get(first)!;
	const secondCall = calls.get(second)!;
	const post = async (url: string, body: unknown) =>
		await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
	const bare = `${stack.main.url}/webhook-waiting/${first}`;
	expect((await post(bare, { outboundCallId: firstCall.callId, status: 'completed' })).status).toBe(
		401,
	);
	expect(
		(
			await post(`${bare}?signature=${'0'.repeat(64)}`, {
				outboundCallId: firstCall.callId,
				status: 'completed',
			})
		).status,
	).toBe(401);
	const otherCall = await post(
		firstCall.resumeUrl.replace(/^http:\/\/localhost/, 'http://127.0.0.1'),
		{ outboundCallId: secondCall.callId, status: 'completed' },
	);
	expect(otherCall.status).toBe(409);
	const aiCallerFirst = ids.find((id) => calls.get(id)!.provider === 'aiCaller')!;
	const aiCallerOther = [...calls.values()].find(
		(c) => c.provider === 'aiCaller' && c !== calls.get(aiCallerFirst),
	)!;
	const otherAiCallerCall = await post(
		calls.get(aiCallerFirst)!.resumeUrl.replace(/^http:\/\/localhost/, 'http://127.0.0.1'),
		{
			event: 'phoneCall.completed',
			data: { _id: aiCallerOther.callId, status: 'completed' },
		},
	);
	expect(otherAiCallerCall.status).toBe(409);
	await allWithStatus(Object.values(stored), 2 * WAITING, 'waiting', 10_000);

	// The calls end: each provider POSTs to its call's resume URL.
	const expectedStatus = new Map<string, string>();
	// The calls end a few at a time, as a campaign's calls do.
	const entries = [...calls.entries()];
	const ENDING_AT_ONCE = 5;
	for (let start = 0; start < entries.length; start += ENDING_AT_ONCE)
		await Promise.all(
			entries.slice(start, start + ENDING_AT_ONCE).map(async ([executionId, call], offset) => {
				const k = start + offset;
				if (call.provider === 'alloMia') {
					const outcome = ALLOMIA_OUTCOMES[k % ALLOMIA_OUTCOMES.length];
					const completion = await sandbox.alloMia.complete(call.callId, outcome, {
						duration: 30 + k,
					});
					expect({
						status: completion.callback?.status,
						error: completion.callback?.error,
					}).toEqual({ status: 200, error: undefined });
					expectedStatus.set(executionId, outcome);
				} else {
					// AICaller documents one webhook event, phoneCall.completed (README: a call that ends
					// otherwise may send none, and its execution then waits until Max Wait).
					const transition = await sandbox.aiCaller.complete(call.callId, 'completed');
					expect(transition.webhooks.map((attempt) => [attempt.status, attempt.error])).toEqual([
						[200, undefined],
					]);
					expectedStatus.set(executionId, transition.call.status);
				}
			}),
		);

	await allWithStatus(Object.values(stored), 2 * WAITING, 'success', 120_000);
	for (const [executionId, call] of calls) {
		const execution = await client.getExecution(executionId);
		const [item] = nodeOutput(execution, CALL_NODE);
		const idField = call.provider === 'alloMia' ? 'outboundCallId' : '_id';
		expect({ executionId, json: item.json }).toMatchObject({
			executionId,
			json: {
				[idField]: call.callId,
				callEnded: true,
				createResponse: { [idField]: call.callId },
			},
		});
		expect(item.json.status).toBe(expectedStatus.get(executionId));
		if (call.provider === 'alloMia')
			expect(item.json.callDetails).toMatchObject({ duration: expect.any(Number) });
	}
	// 40 calls placed in all; the resumes placed none.
	expect(sandbox.requestsFor('allomia').filter((r) => r.method === 'POST')).toHaveLength(WAITING);
	expect(sandbox.requestsFor('aicaller').filter((r) => r.method === 'POST')).toHaveLength(WAITING);
	const after = await waitForExecutionLogs(stack, ids);
	log(
		`${2 * WAITING} executions waited on callbacks across a restart; runs per worker (before the wait and after the resume) ${JSON.stringify(after.workers.map((w) => w.finished.filter((id) => ids.includes(id)).length))}`,
	);
}, 600_000);

test('Max Wait passes without a callback: the execution continues with the call as last read (callEnded false, its status), and no second call is placed', async () => {
	const { client } = stack;
	sandbox.reset();
	const workflow = await client.createWorkflow(
		callWorkflow('alloMia', 'queue-wait-expiry', {
			waitForCallToEnd: true,
			waitMode: 'callback',
			maxWaitSeconds: 2,
		}),
	);
	await client.activateWorkflow(workflow);
	expect((await client.callWebhook('queue-wait-expiry', { phone: '+15550590001' })).status).toBe(
		200,
	);
	const [waiting] = await allWithStatus([workflow.id], 1, 'waiting', 60_000);
	const callId = sandbox.alloMia.state.outboundCalls.find(
		(c) => c.request.phoneNumber === '+15550590001',
	)?.outboundCallId;
	expect(callId).toBeDefined();
	// n8n's wait tracker checks for due executions about every minute.
	const [done] = await allWithStatus([workflow.id], 1, 'success', 150_000);
	expect(done.id).toBe(waiting.id);
	const execution = await client.getExecution(done.id);
	const [item] = nodeOutput(execution, CALL_NODE);
	// n8n does not run the node again at Max Wait; what it passes on is the call as last read.
	expect(item.json).toEqual(
		vocabulary({
			outboundCallId: callId,
			status: 'calling',
			contactId: expect.any(String),
			waitedSeconds: 2,
			createResponse: { outboundCallId: callId, status: 'calling' },
			skipped: false,
			skipReason: null,
		}),
	);
	// The call's ID stays with the execution: $execution.customData.get('callId').
	expect(execution.data.resultData.metadata).toMatchObject({ callId });
	expect(sandbox.requestsFor('allomia').filter((r) => r.method === 'POST')).toHaveLength(1);
}, 240_000);

test("polling: 30 calls of 2 s with Poll Interval 1 s end in about one call's length, each item its own call", async () => {
	const { client } = stack;
	const shortCalls = await startSandbox({
		alloMia: { autoCompleteAfterMs: 2000, autoOutcome: 'completed' },
	});
	try {
		const credential = await client.createCredential(
			'AlloMia 2-second calls',
			CREDENTIALS.alloMia.type,
			{
				apiKey: SANDBOX_FIXTURES.alloMia.apiKey,
				organizationId: SANDBOX_FIXTURES.alloMia.organizationId,
				baseUrl: shortCalls.baseUrls.alloMia,
			},
		);
		const phones = Array.from({ length: 30 }, (_, i) => `+1555060${String(i).padStart(4, '0')}`);
		const json = callWorkflow('alloMia', 'unused', {
			waitForCallToEnd: true,
			maxWaitSeconds: 60,
			pollIntervalSeconds: 1,
		});
		const [, call] = json.nodes;
		call.parameters.phoneNumber = '={{ $json.phone }}';
		call.credentials = { [credential.type]: { id: credential.id, name: credential.name } };
		json.nodes[0] = {
			id: randomUUID(),
			name: 'Contact',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		json.pinData = { Contact: phones.map((phone) => ({ json: { phone } })) };
		const workflow = await client.createWorkflow(json);
		const execution = await client.waitForExecution(
			await client.runManually(workflow.id, 'Contact'),
			120_000,
		);
		expect(execution.status).toBe('success');
		const run = execution.data.resultData.runData[CALL_NODE][0];
		const output = nodeOutput(execution, CALL_NODE);
		expect(output.map((item) => item.pairedItem)).toEqual(phones.map((_, item) => ({ item })));
		output.forEach((item, index) => {
			const placed = shortCalls.alloMia.state.outboundCalls.find(
				(c) => c.outboundCallId === item.json.outboundCallId,
			);
			expect({
				index,
				phone: placed?.request.phoneNumber,
				status: item.json.status,
				callEnded: item.json.callEnded,
			}).toEqual({
				index,
				phone: phones[index],
				status: 'completed',
				callEnded: true,
			});
		});
		const statusReads = shortCalls
			.requestsFor('allomia')
			.filter((r) => r.method === 'GET' && r.path.endsWith('/status')).length;
		const creates = shortCalls.requestsFor('allomia').filter((r) => r.method === 'POST').length;
		expect(creates).toBe(30);
		// One after another: over 60 s. Together: one call's length plus dialing plus a poll or two.
		expect(run.executionTime).toBeLessThan(20_000);
		log(
			`polling: 30 calls of 2 s in ${(run.executionTime / 1000).toFixed(1)} s with ${statusReads} status reads`,
		);
	} finally {
		await shortCalls.close();
	}
}, 180_000);
