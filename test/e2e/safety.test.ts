/**
 * The safety promise in the real n8n, the way a clinic meets it (the packed package installed as
 * a community package, n8n's own database and resume webhooks):
 *
 * - the same appointments re-read again and again on one database are called once each;
 * - a run that fails part-way: its failed execution names every call it placed, and a re-run
 *   with the same keys dials only the others;
 * - waiting on the provider's callback: the callback only wakes the execution (the outcome is read
 *   from the provider), a call that ended before the execution could wait is not lost, and no
 *   output carries the execution's resume URL.
 * (Max Wait passing without a callback: queue-mode.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { DEFAULT_REQUESTS_IN_PARALLEL } from '../../nodes/shared/options';
import { nodeOutput, type CredentialRef, type WorkflowJson } from '../harness/client';
import { NODE_TYPES } from '../harness/project';
import { startReceiver } from '../sandbox/receiver';
import { SANDBOX_FIXTURES } from '../sandbox/server';
import { executionError, operationWorkflow, TRIGGER, useE2eContext } from './support';

jest.setTimeout(180_000);

const ctx = useE2eContext();

const AICALLER = SANDBOX_FIXTURES.aiCaller;
const ALLOMIA = SANDBOX_FIXTURES.alloMia;

/** A webhook whose body's `rows` become items, into one node: how a sheet or an EHR export arrives. */
function rowsWorkflow(
	title: string,
	webhookPath: string,
	node: { type: string; parameters: INodeParameters; credential: CredentialRef },
): WorkflowJson {
	return {
		name: `e2e safety ${title} ${randomUUID().slice(0, 8)}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Rows',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: webhookPath, options: {} },
			},
			{
				id: randomUUID(),
				name: 'Split',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body.rows', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Call',
				type: node.type,
				typeVersion: 1,
				position: [440, 0],
				parameters: node.parameters,
				credentials: {
					[node.credential.type]: { id: node.credential.id, name: node.credential.name },
				},
			},
		],
		connections: {
			Rows: { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
			Split: { main: [[{ node: 'Call', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

test('AICaller Create Many: the same 1,000 appointments delivered 12 times to one workflow (a sheet re-read every hour) place 1,000 calls in all', async () => {
	const path = `safety-reread-${Date.now()}`;
	const stored = await ctx.n8n.createWorkflow(
		rowsWorkflow('re-read', path, {
			type: NODE_TYPES.aiCaller,
			credential: ctx.state.credentials.aiCaller,
			parameters: {
				resource: 'phoneCall',
				operation: 'createMany',
				teamId: AICALLER.teamId,
				callTemplateId: AICALLER.callTemplates[0]._id,
				nameOfHuman: '={{ $json.name }}',
				toPhoneNumber: '={{ $json.phone }}',
				requestOptions: { deduplicationKey: '={{ $json.appointmentId }}' },
			},
		}),
	);
	await ctx.n8n.activateWorkflow(stored);
	const rows = Array.from({ length: 1000 }, (_, i) => ({
		appointmentId: `APT-${20000 + i}`,
		name: 'Patient',
		phone: `+1555300${String(i).padStart(4, '0')}`,
	}));
	const dialedPerRun: number[] = [];
	for (let run = 1; run <= 12; run++) {
		const before = await calledNumbers();
		const { execution } = await ctx.n8n.runWebhook(stored.id, path, { rows });
		expect(execution.status).toBe('success');
		const output = nodeOutput(execution, 'Call');
		expect(output).toHaveLength(1000);
		dialedPerRun.push((await calledNumbers()).length - before.length);
		if (run > 1) expect(output.every((item) => item.json.skipReason === 'duplicate')).toBe(true);
	}
	expect(dialedPerRun).toEqual([1000, ...Array(11).fill(0)]);
	const numbers = await calledNumbers();
	expect(new Set(numbers).size).toBe(1000);
});

/** Every number AICaller was asked to call, in every batch so far. */
async function calledNumbers(): Promise<string[]> {
	return (await ctx.sandbox.requests('aicaller'))
		.filter((r) => r.method === 'POST' && r.path === '/v1/phoneCalls/batch' && r.status === 200)
		.flatMap((r) =>
			((r.body as { phoneCalls: IDataObject[] }).phoneCalls ?? []).map((call) =>
				String(call.toPhoneNumber),
			),
		);
}

describe('HelloAnnie Call → Start with 10 appointments, the eighth going wrong', () => {
	const appointments = Array.from({ length: 10 }, (_, i) => ({
		appointmentId: `APT-${30000 + i}`,
		phone: `+1555400${String(i).padStart(4, '0')}`,
	}));
	const parameters: INodeParameters = {
		resource: 'call',
		operation: 'start',
		fromNumber: SANDBOX_FIXTURES.helloAnnie.phoneNumbers[0].number,
		toNumber: '={{ $json.phone }}',
		requestOptions: { deduplicationKey: '={{ $json.appointmentId }}' },
	};
	const posted = async () =>
		(await ctx.sandbox.requests('helloannie')).filter(
			(r) => r.method === 'POST' && r.path === '/calls',
		);

	async function workflowOf(items: IDataObject[], requestsInParallel?: number): Promise<string> {
		const withParallel =
			requestsInParallel === undefined
				? parameters
				: {
						...parameters,
						requestOptions: { ...(parameters.requestOptions as IDataObject), requestsInParallel },
					};
		const workflow = operationWorkflow('part-way', items, withParallel, {
			credential: ctx.state.credentials.helloAnnie,
		});
		return (await ctx.n8n.createWorkflow(workflow)).id;
	}
	const run = async (workflowId: string) =>
		await ctx.n8n.waitForExecution(await ctx.n8n.runManually(workflowId, TRIGGER));

	test('an invalid phone number on the eighth: the execution fails before anything is dialed', async () => {
		const workflowId = await workflowOf(
			appointments.map((a, i) => (i === 7 ? { ...a, phone: '555' } : a)),
		);
		const execution = await run(workflowId);
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toMatch(/^To Number \(toNumber\) /);
		expect(error.description).toContain('Nothing was sent for any item');
		expect(await posted()).toHaveLength(0);
	});

	test.each([
		[1, 'one request at a time'],
		[DEFAULT_REQUESTS_IN_PARALLEL, 'the default Requests in Parallel'],
	])(
		'HelloAnnie refuses the eighth (400), %i in parallel (%s): the failed execution names every call placed; a re-run dials only the others',
		async (inParallel) => {
			await ctx.sandbox.inject({
				provider: 'helloannie',
				method: 'POST',
				path: '/calls',
				bodyContains: appointments[7].phone,
				fault: { status: 400, body: { success: false, message: 'Number is not on the allowlist' } },
			});
			const workflowId = await workflowOf(appointments, inParallel);
			const failed = await run(workflowId);
			expect(failed.status).toBe('error');
			const error = executionError(failed);
			expect(error.message).toBe(
				'HelloAnnie refused the request (HTTP 400): Number is not on the allowlist',
			);
			// What the sandbox created, by item: the calls the error must name.
			const accepted = (await posted()).filter((r) => r.status === 200);
			const created = new Set(
				accepted.map((r) =>
					appointments.findIndex((a) => a.phone === (r.body as { toNumber: string }).toNumber),
				),
			);
			const placed = [
				...(error.description ?? '').matchAll(/item (\d) \(conversationId ([0-9a-f-]{36})\)/g),
			].map((m): [number, string] => [Number(m[1]), m[2]]);
			expect(placed.map(([item]) => item)).toEqual([...created].sort((a, b) => a - b));
			expect(new Set(placed.map(([, id]) => id)).size).toBe(created.size);
			// Each item at most once; one at a time, nothing after the eighth was sent.
			expect(accepted).toHaveLength(created.size);
			if (inParallel === 1) expect([...created.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
			else expect([...created.keys()]).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 5, 6]));
			expect(error.description).toContain(
				`Before this error, this run placed ${created.size} calls, which will not be sent again`,
			);
			expect(error.description).toContain(
				'Its Deduplication Key was released, so it can be run again.',
			);

			const before = (await posted()).length;
			const rerun = await run(workflowId);
			expect(rerun.status).toBe('success');
			const notPlaced = appointments.map((_, i) => i).filter((i) => !created.has(i));
			const redialed = (await posted())
				.slice(before)
				.map((r) => (r.body as { toNumber: string }).toNumber);
			expect(redialed.sort()).toEqual(notPlaced.map((i) => appointments[i].phone).sort());
			expect(
				nodeOutput(rerun, 'HelloAnnie').map((item) =>
					item.json.skipped ? item.json.skipReason : 'placed',
				),
			).toEqual(appointments.map((_, i) => (created.has(i) ? 'duplicate' : 'placed')));
		},
	);
});

describe('AlloMia Create Outbound waiting On Provider Callback', () => {
	const call = (webhookPath: string): WorkflowJson => ({
		name: `e2e safety callback ${webhookPath}`,
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
				name: 'Call',
				type: NODE_TYPES.alloMia,
				typeVersion: 1,
				position: [240, 0],
				parameters: {
					resource: 'call',
					operation: 'createOutbound',
					phoneNumber: '={{ $json.body.phone }}',
					assistantId: ALLOMIA.assistants[0].id,
					phoneNumberId: ALLOMIA.phoneNumbers[0].id,
					waitForCallToEnd: true,
					waitMode: 'callback',
					maxWaitSeconds: 600,
				},
				credentials: {
					alloMiaApi: {
						id: ctx.state.credentials.alloMia.id,
						name: ctx.state.credentials.alloMia.name,
					},
				},
			},
		],
		connections: { Contact: { main: [[{ node: 'Call', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	});

	async function placeWaitingCall(phone: string) {
		const path = `safety-callback-${randomUUID().slice(0, 8)}`;
		const stored = await ctx.n8n.createWorkflow(call(path));
		await ctx.n8n.activateWorkflow(stored);
		const { execution } = await ctx.n8n.runWebhook(
			stored.id,
			path,
			{ phone },
			{ untilPaused: true },
		);
		return execution;
	}

	test('the callback only wakes the execution: a POST that says "completed" while AlloMia says the call goes on resumes with what AlloMia says', async () => {
		const waiting = await placeWaitingCall('+15145550771');
		expect(waiting.status).toBe('waiting');
		const [create] = (await ctx.sandbox.requests('allomia')).filter((r) => r.method === 'POST');
		const resumeUrl = (create.body as { callbackUrl: string }).callbackUrl;
		const outboundCallId = String(nodeOutput(waiting, 'Call')[0].json.outboundCallId);
		// Whoever has the URL can post anything; the node believes only AlloMia.
		const forged = await fetch(resumeUrl.replace('localhost', '127.0.0.1'), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				outboundCallId,
				status: 'completed',
				callDetails: { duration: 999, endedReason: 'customer-ended-call' },
			}),
		});
		expect(forged.status).toBe(200);
		const resumed = await ctx.n8n.waitForExecution(waiting.id);
		expect(resumed.status).toBe('success');
		const [item] = nodeOutput(resumed, 'Call');
		expect(item.json).toMatchObject({ outboundCallId, status: 'calling', callEnded: false });
		expect(JSON.stringify(item.json)).not.toContain('999');
		expect((await ctx.sandbox.requests('allomia')).map((r) => `${r.method} ${r.path}`)).toEqual([
			'POST /api/outbound',
			`GET /api/outbound/${outboundCallId}/status`,
			`GET /api/outbound/${outboundCallId}/status`,
		]);
	});

	test('a call that ends before the execution waits (its callback refused by n8n as too early) is output as it ended; nothing waits until Max Wait', async () => {
		await ctx.sandbox.endAlloMiaCallsAfter(0, 'no-answer');
		const execution = await placeWaitingCall('+15145550772');
		expect(execution.status).toBe('success');
		const [item] = nodeOutput(execution, 'Call');
		expect(item.json).toMatchObject({ status: 'no-answer', callEnded: true });
		expect(JSON.stringify(execution.data)).not.toContain('webhook-waiting');
	});
});

describe("the API key goes nowhere but the provider's Base URL", () => {
	test('a create answered 307 to another host: n8n does not follow it, the host receives nothing, and the error says where AICaller pointed', async () => {
		const elsewhere = await startReceiver();
		try {
			const target = `${elsewhere.url}/v1/phoneCalls?token=abc`;
			await ctx.sandbox.inject({
				provider: 'aicaller',
				method: 'POST',
				path: '/v1/phoneCalls',
				fault: { status: 307, headers: { location: target } },
			});
			const parameters: INodeParameters = {
				resource: 'phoneCall',
				operation: 'create',
				teamId: AICALLER.teamId,
				callTemplateId: AICALLER.callTemplates[0]._id,
				nameOfHuman: 'Sam',
				toPhoneNumber: '+15554100001',
				requestOptions: { deduplicationKey: 'APT-REDIRECT' },
			};
			const workflow = operationWorkflow('redirect', [{}], parameters, {
				credential: ctx.state.credentials.aiCaller,
				node: { type: NODE_TYPES.aiCaller, name: 'AICaller' },
			});
			const { id } = await ctx.n8n.createWorkflow(workflow);
			const failed = await ctx.n8n.waitForExecution(await ctx.n8n.runManually(id, TRIGGER));
			expect(failed.status).toBe('error');
			expect(executionError(failed).message).toBe(
				`AICaller redirected the request to ${elsewhere.url}/v1/phoneCalls (HTTP 307): nothing was created; check the Base URL in the credential`,
			);
			expect(elsewhere.received).toEqual([]);
			// Nothing was created, so the key was given back: the next run dials.
			const rerun = await ctx.n8n.waitForExecution(await ctx.n8n.runManually(id, TRIGGER));
			expect(rerun.status).toBe('success');
			expect(nodeOutput(rerun, 'AICaller')[0].json._id).toEqual(expect.any(String));
		} finally {
			await elsewhere.close();
		}
	});
});

test('AICaller: the resume URL of a call waiting On Provider Callback is in no output (Get shows its webhook with the token hidden)', async () => {
	const create: INodeParameters = {
		resource: 'phoneCall',
		operation: 'create',
		teamId: AICALLER.teamId,
		callTemplateId: AICALLER.callTemplates[0]._id,
		nameOfHuman: 'Sam',
		toPhoneNumber: '+15554100002',
		waitForCallToEnd: true,
		waitMode: 'callback',
		maxWaitSeconds: 600,
	};
	const node = { type: NODE_TYPES.aiCaller, name: 'AICaller' };
	const placing = await ctx.n8n.createWorkflow(
		operationWorkflow('resume url', [{}], create, {
			credential: ctx.state.credentials.aiCaller,
			node,
		}),
	);
	const waiting = await ctx.n8n.waitForExecutionToPause(
		await ctx.n8n.runManually(placing.id, TRIGGER),
	);
	expect(waiting.status).toBe('waiting');
	const [posted] = (await ctx.sandbox.requests('aicaller')).filter((r) => r.method === 'POST');
	const resumeUrl = String(
		(posted.body as { phoneCallWebhooks: IDataObject[] }).phoneCallWebhooks[0].url,
	);
	const token = new URL(resumeUrl).searchParams.get('signature') ?? '';
	expect(token).toMatch(/.{16,}/);
	const callId = String(nodeOutput(waiting, 'AICaller')[0].json._id);

	const reading = await ctx.n8n.createWorkflow(
		operationWorkflow(
			'resume url get',
			[{}],
			{ resource: 'phoneCall', operation: 'get', phoneCallId: callId },
			{ credential: ctx.state.credentials.aiCaller, node },
		),
	);
	const read = await ctx.n8n.waitForExecution(await ctx.n8n.runManually(reading.id, TRIGGER));
	const [call] = nodeOutput(read, 'AICaller');
	const hidden = new URL(resumeUrl);
	hidden.searchParams.set('signature', 'hidden');
	expect(call.json.phoneCallWebhooks).toEqual([
		{ url: hidden.toString(), subscribedEvent: 'phoneCall.completed' },
	]);
	for (const execution of [waiting, read])
		expect(JSON.stringify(execution.data.resultData.runData)).not.toContain(token);
});
