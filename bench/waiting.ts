/**
 * `npm run bench` scenario "waiting": N AlloMia calls of a fixed length, waited for in the real
 * n8n three ways, with the execution slots each way holds and its wall time:
 *
 * - Polling: one execution with N items; the node places the N calls, then polls them together.
 * - On Provider Callback: one execution per call (a webhook each); each is put to wait and
 *   resumed by AlloMia's callbackUrl POST.
 * - n8n's own way, the baseline: Callback URL = `{{ $execution.resumeUrl }}` and a Wait node
 *   (Resume: On Webhook Call) after the node, one execution per call.
 *
 * "Slots held" is what a queue-mode worker would give to the executions: every 100 ms the bench
 * counts the workflow's executions with status running, and sums count × time (slot-seconds).
 * "While the calls run" is the part of it between the moment every call was placed and the
 * first call's end: placing and resuming cost every way some slot time, waiting should not.
 * The sandbox ends each call CALL_MS after it was placed, with its callback, as a real call ends.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowJson } from '../test/harness/client';
import type { WaitingFigures, WaitingRun } from './figures';
import { waitFor } from '../test/harness/processes';
import { NODE_TYPES } from '../test/harness/project';
import type { Stack } from '../test/harness/stack';
import { SANDBOX_FIXTURES } from '../test/sandbox/server';

const CALLS = 20;
/** Long enough that the wait itself, not placing and resuming, is what the slot counts show. */
const CALL_MS = 12_000;
const SAMPLE_MS = 100;
const ALLOMIA = SANDBOX_FIXTURES.alloMia;

type Way = WaitingRun['way'];

function alloMiaNode(stack: Stack, phone: string, extra: Record<string, unknown>) {
	return {
		id: randomUUID(),
		name: 'Call',
		type: NODE_TYPES.alloMia,
		typeVersion: 1,
		position: [240, 0] as [number, number],
		parameters: {
			resource: 'call',
			operation: 'createOutbound',
			phoneNumber: phone,
			assistantId: ALLOMIA.assistants[0].id,
			phoneNumberId: ALLOMIA.phoneNumbers[0].id,
			...extra,
		},
		credentials: {
			[stack.credentials.alloMia.type]: {
				id: stack.credentials.alloMia.id,
				name: stack.credentials.alloMia.name,
			},
		},
	};
}

function webhookNode(path: string) {
	return {
		id: randomUUID(),
		name: 'Contact',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0] as [number, number],
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, options: {} },
	};
}

const SETTINGS = { executionOrder: 'v1' as const };

/** One webhook call brings the N contacts; they are split into N items for one node run. */
function pollingWorkflow(stack: Stack, path: string): WorkflowJson {
	return {
		name: 'bench waiting polling',
		nodes: [
			webhookNode(path),
			{
				id: randomUUID(),
				name: 'Split',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [120, 0],
				parameters: { fieldToSplitOut: 'body.contacts', options: {} },
			},
			alloMiaNode(stack, '={{ $json.phone }}', {
				waitForCallToEnd: true,
				maxWaitSeconds: 120,
				pollIntervalSeconds: 1,
			}),
		],
		connections: {
			Contact: { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
			Split: { main: [[{ node: 'Call', type: 'main', index: 0 }]] },
		},
		settings: SETTINGS,
	};
}

/** One webhook call per contact: the node with On Provider Callback, or n8n's Wait node after it. */
function perCallWorkflow(stack: Stack, way: Exclude<Way, 'polling'>, path: string): WorkflowJson {
	if (way === 'callback') {
		return {
			name: 'bench waiting callback',
			nodes: [
				webhookNode(path),
				alloMiaNode(stack, '={{ $json.body.phone }}', {
					waitForCallToEnd: true,
					waitMode: 'callback',
					maxWaitSeconds: 600,
				}),
			],
			connections: { Contact: { main: [[{ node: 'Call', type: 'main', index: 0 }]] } },
			settings: SETTINGS,
		};
	}
	return {
		name: 'bench waiting Wait node',
		nodes: [
			webhookNode(path),
			alloMiaNode(stack, '={{ $json.body.phone }}', { callbackUrl: '={{ $execution.resumeUrl }}' }),
			{
				id: randomUUID(),
				name: 'Wait',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1.1,
				position: [480, 0] as [number, number],
				webhookId: randomUUID(),
				parameters: {
					resume: 'webhook',
					httpMethod: 'POST',
					limitWaitTime: true,
					limitType: 'afterTimeInterval',
					resumeAmount: 10,
					resumeUnit: 'minutes',
					options: {},
				},
			},
		],
		connections: {
			Contact: { main: [[{ node: 'Call', type: 'main', index: 0 }]] },
			Call: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
		},
		settings: SETTINGS,
	};
}

async function measure(stack: Stack, way: Way): Promise<WaitingRun> {
	const { sandbox, client } = stack;
	sandbox.reset();
	const path = `bench-waiting-${way}-${randomUUID().slice(0, 8)}`;
	const stored = await client.createWorkflow(
		way === 'polling' ? pollingWorkflow(stack, path) : perCallWorkflow(stack, way, path),
	);
	await client.activateWorkflow(stored);
	const phones = Array.from({ length: CALLS }, (_, i) => `+1514556${String(i).padStart(4, '0')}`);
	const executions = way === 'polling' ? 1 : CALLS;

	// Each call ends CALL_MS after AlloMia received it, and AlloMia POSTs its callback then.
	const ended = new Set<string>();
	const ender = setInterval(() => {
		for (const call of sandbox.alloMia.state.outboundCalls) {
			if (call.status !== 'calling' || ended.has(call.outboundCallId)) continue;
			if (Date.now() - Date.parse(call.createdAt) < CALL_MS) continue;
			ended.add(call.outboundCallId);
			void sandbox.alloMia.complete(call.outboundCallId, 'completed', { duration: CALL_MS / 1000 });
		}
	}, 50);
	let slotMs = 0;
	let mostRunning = 0;
	let whileCallsRun = { ms: 0, slotMs: 0, mostRunning: 0 };
	let sampling = true;
	const callsRunning = () =>
		sandbox.requestsFor('allomia').filter((r) => r.method === 'POST').length === CALLS &&
		ended.size === 0;
	const sampler = (async () => {
		while (sampling) {
			const started = Date.now();
			const duringCalls = callsRunning();
			const running = (await client.executionStatuses(stored.id))
				.map((e) => e.status)
				.filter((s) => s === 'running' || s === 'new').length;
			mostRunning = Math.max(mostRunning, running);
			await new Promise((resolve) =>
				setTimeout(resolve, Math.max(0, SAMPLE_MS - (Date.now() - started))),
			);
			const elapsed = Date.now() - started;
			slotMs += running * elapsed;
			if (duringCalls && callsRunning()) {
				whileCallsRun = {
					ms: whileCallsRun.ms + elapsed,
					slotMs: whileCallsRun.slotMs + running * elapsed,
					mostRunning: Math.max(whileCallsRun.mostRunning, running),
				};
			}
		}
	})();
	const started = Date.now();
	try {
		if (way === 'polling')
			await client.callWebhook(path, { contacts: phones.map((phone) => ({ phone })) });
		else await Promise.all(phones.map(async (phone) => await client.callWebhook(path, { phone })));
		let mostWaiting = 0;
		await waitFor(
			`${executions} ${way} executions to end`,
			async () => {
				const list = (await client.executionStatuses(stored.id)).map((e) => e.status);
				mostWaiting = Math.max(mostWaiting, list.filter((s) => s === 'waiting').length);
				return list.length === executions && list.every((s) => s === 'success') ? true : undefined;
			},
			{ timeoutMs: 180_000, intervalMs: 100 },
		);
		const wallMs = Date.now() - started;
		sampling = false;
		await sampler;
		const requests = sandbox.requestsFor('allomia');
		return {
			way,
			calls: CALLS,
			callSeconds: CALL_MS / 1000,
			executions,
			wallSeconds: Math.round(wallMs / 100) / 10,
			slotSeconds: Math.round(slotMs / 100) / 10,
			mostRunning,
			mostWaiting,
			whileCallsRun: {
				seconds: Math.round(whileCallsRun.ms / 100) / 10,
				slotSeconds: Math.round(whileCallsRun.slotMs / 100) / 10,
				mostRunning: whileCallsRun.mostRunning,
			},
			creates: requests.filter((r) => r.method === 'POST').length,
			statusReads: requests.filter((r) => r.method === 'GET').length,
		};
	} finally {
		sampling = false;
		clearInterval(ender);
		await sampler;
		await client.deactivateWorkflow(stored.id).catch(() => undefined);
	}
}

export async function waiting(
	stack: Stack,
	log: (message: string) => void,
): Promise<WaitingFigures> {
	const runs: WaitingRun[] = [];
	for (const way of ['polling', 'callback', 'waitNode'] as const) {
		const run = await measure(stack, way);
		log(`waiting ${way}: ${JSON.stringify(run)}`);
		runs.push(run);
	}
	return { runs };
}
