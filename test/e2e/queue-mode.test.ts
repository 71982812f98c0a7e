/**
 * The package in n8n queue mode: Redis, Postgres, one `n8n start` with EXECUTIONS_MODE=queue and
 * two `n8n worker` processes, each with the packed package installed in its own user folder
 * (test/harness/queue-mode.ts). The appointment example (examples/, as users import it) is called
 * by 50 bookings at once on its production webhook, as a busy booking system would.
 *
 * It has its own sandbox (in this test process) and its own n8n processes, so it takes no turn in
 * the lock of the other e2e files; it reuses the tarball global-setup.ts packed.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

import { nodeOutput, type Execution } from '../harness/client';
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
	sandbox = await startSandbox();
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
	const workflow = prepareExample(example.file, { credentialId: CREDENTIALS.helloAnnie.id, openCallingHours: true });
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
			expected: [{ conversationId: conversationOf.get(toNumber) }],
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

	const calls = sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST' && r.path === '/calls');
	const perNumber = new Map<string, number>();
	for (const request of calls) {
		const { toNumber } = request.body as { toNumber: string };
		perNumber.set(toNumber, (perNumber.get(toNumber) ?? 0) + 1);
	}
	log(`${PAIRS} pairs of simultaneous deliveries on ${WORKERS} workers: ${calls.length} calls placed`);
	expect(calls).toHaveLength(PAIRS);
	for (let i = 0; i < PAIRS; i++) {
		expect({ appointment: i, calls: perNumber.get(`+1555020${String(i).padStart(4, '0')}`) }).toEqual({ appointment: i, calls: 1 });
		const both = answers.filter((_, k) => deliveries[k] === i).map((answer) => answer.body as { outcome: string; reason?: string });
		expect(both.map((body) => body.reason ?? 'placed').sort()).toEqual(['duplicate', 'placed']);
	}
});
