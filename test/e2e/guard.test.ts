/**
 * The pre-dial guard inside a real n8n, with n8n's own deduplication store (its database): the
 * appointment example delivered twice, calling hours that exclude now in the patient's zone, a
 * refused create retried with the same key, and AICaller scheduling. (Simultaneous duplicate
 * deliveries on two queue-mode workers: queue-mode.test.ts.)
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { nodeOutput } from '../harness/client';
import { EXAMPLES, prepareExample, sampleBooking } from '../harness/examples';
import { NODE_TYPES } from '../harness/project';
import { operationSuite, operationWorkflow, TRIGGER } from './support';

const suite = operationSuite('helloannie', { type: NODE_TYPES.helloAnnie, name: 'HelloAnnie' });
const example = EXAMPLES.appointment;
const ALL_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

jest.setTimeout(120_000);

/** The example, active on a webhook path of its own. */
async function activeExample(webhookPath: string, openCallingHours: boolean): Promise<string> {
	const { ctx } = suite;
	const workflow = prepareExample(example.file, {
		credentialId: ctx.state.credentials.helloAnnie.id,
		webhookPath,
		openCallingHours,
	});
	const stored = await ctx.n8n.createWorkflow(workflow);
	await ctx.n8n.activateWorkflow(stored);
	return stored.id;
}

const postedCalls = async () =>
	(await suite.ctx.sandbox.requests('helloannie')).filter(
		(r) => r.method === 'POST' && r.path === '/calls',
	);

test('the same appointment delivered twice, seconds apart: one call; the second execution says duplicate', async () => {
	const { ctx } = suite;
	const path = `guard-twice-${Date.now()}`;
	const workflowId = await activeExample(path, true);
	const booking = {
		...sampleBooking(1),
		appointment: { ...sampleBooking(1).appointment, id: 'APT-TWICE' },
	};

	const first = await ctx.n8n.runWebhook(workflowId, path, booking);
	expect(first.answer.status).toBe(200);
	expect(first.answer.body).toMatchObject({ appointmentId: 'APT-TWICE', callStatus: 'OPEN' });
	await new Promise((resolve) => setTimeout(resolve, 2000));
	const second = await ctx.n8n.runWebhook(workflowId, path, booking);

	expect(await postedCalls()).toHaveLength(1);
	expect(second.answer.status).toBe(200);
	expect(second.answer.body).toEqual({
		outcome: 'call not placed',
		reason: 'duplicate',
		nextAllowedAt: null,
		patientId: 'PAT-10432',
		appointmentId: 'APT-TWICE',
	});
	expect(nodeOutput(second.execution, example.callNode).map((item) => item.json)).toEqual([
		{ skipped: true, skipReason: 'duplicate', deduplicationKey: 'APT-TWICE' },
	]);
	expect(second.execution.status).toBe('success');
});

/** A fixed-offset zone where it is now about 02:00, and the next 09:00 there on Monday–Saturday. */
function nightZone(now = Date.now()): { zone: string; nextAllowedAt: string } {
	let offset = 2 - new Date(now).getUTCHours();
	if (offset < -11) offset += 24;
	const local = new Date(now + offset * 3600_000);
	const sunday = local.getUTCDay() === 0;
	const nine =
		Date.UTC(
			local.getUTCFullYear(),
			local.getUTCMonth(),
			local.getUTCDate() + (sunday ? 1 : 0),
			9,
		) -
		offset * 3600_000;
	const zone = offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
	return { zone, nextAllowedAt: new Date(nine).toISOString() };
}

test("calling hours that exclude now in the patient's zone: nothing is sent, nextAllowedAt is the next 09:00 there", async () => {
	const { ctx } = suite;
	const path = `guard-night-${Date.now()}`;
	const workflowId = await activeExample(path, false);
	const { zone, nextAllowedAt } = nightZone();
	const base = sampleBooking(1);
	const booking = {
		...base,
		patient: { ...base.patient, timeZone: zone },
		appointment: { ...base.appointment, id: 'APT-NIGHT' },
	};

	const { answer, execution } = await ctx.n8n.runWebhook(workflowId, path, booking);
	expect(await postedCalls()).toEqual([]);
	expect(answer.body).toEqual({
		outcome: 'call not placed',
		reason: 'outsideCallingHours',
		nextAllowedAt,
		patientId: 'PAT-10432',
		appointmentId: 'APT-NIGHT',
	});
	expect(nodeOutput(execution, example.callNode)[0].json).toEqual({
		skipped: true,
		skipReason: 'outsideCallingHours',
		nextAllowedAt,
		timeZone: zone,
		deduplicationKey: 'APT-NIGHT',
	});
});

test('a create the provider refused (4xx) releases its key: the same workflow can run the item again', async () => {
	const { ctx } = suite;
	const parameters: INodeParameters = {
		resource: 'call',
		operation: 'start',
		fromNumber: '+15551234567',
		toNumber: '={{ $json.phone }}',
		requestOptions: { deduplicationKey: '={{ $json.appointmentId }}' },
	};
	const workflow = operationWorkflow(
		'guard retry',
		[{ appointmentId: 'APT-RETRY', phone: '+15559876543' }],
		parameters,
		{
			credential: ctx.state.credentials.helloAnnie,
			onError: 'continueRegularOutput',
		},
	);
	const stored = await ctx.n8n.createWorkflow(workflow);
	const run = async () =>
		await ctx.n8n.waitForExecution(await ctx.n8n.runManually(stored.id, TRIGGER));

	await ctx.sandbox.inject({
		provider: 'helloannie',
		method: 'POST',
		path: '/calls',
		fault: {
			status: 400,
			body: { success: false, message: 'Calls are only allowed between 9 AM and 8 PM' },
		},
	});
	const refused = nodeOutput(await run(), 'HelloAnnie')[0].json;
	expect(refused.error).toMatch(/HTTP 400/);
	expect((refused.details as IDataObject).description).toMatch(/Deduplication Key was released/);

	const retried = nodeOutput(await run(), 'HelloAnnie')[0].json;
	expect(retried.conversationId).toBeDefined();
	const third = nodeOutput(await run(), 'HelloAnnie')[0].json;
	// Editor runs (runManually) record their keys apart from production runs, and say so.
	expect(third).toEqual({
		skipped: true,
		skipReason: 'duplicate',
		deduplicationKey: 'APT-RETRY',
		deduplicationScope: 'editorRuns',
	});
	expect(await postedCalls()).toHaveLength(2);
});

test('AICaller: outside calling hours the call is created, scheduled for the next allowed moment', async () => {
	const { ctx } = suite;
	const { zone, nextAllowedAt } = nightZone();
	const teamId = '363573667364666473667332';
	const parameters: INodeParameters = {
		resource: 'phoneCall',
		operation: 'create',
		teamId,
		callTemplateId: teamId,
		nameOfHuman: 'Sam',
		toPhoneNumber: '+15559876543',
		requestOptions: {
			callingHours: {
				hours: {
					timeZone: zone,
					earliest: '09:00',
					latest: '20:00',
					days: ALL_DAYS.slice(1),
					outsideHours: 'schedule',
				},
			},
		},
	};
	const workflow = operationWorkflow('guard schedule', [{}], parameters, {
		credential: ctx.state.credentials.aiCaller,
		node: { type: NODE_TYPES.aiCaller, name: 'AICaller' },
	});
	const stored = await ctx.n8n.createWorkflow(workflow);
	const execution = await ctx.n8n.waitForExecution(await ctx.n8n.runManually(stored.id, TRIGGER));
	expect(execution.status).toBe('success');
	const created = (await ctx.sandbox.requests('aicaller')).filter((r) => r.method === 'POST');
	expect(created).toHaveLength(1);
	expect((created[0].body as IDataObject).callDelayedUntil).toBe(nextAllowedAt);
	expect(created[0].valid).toBe(true);
	expect(nodeOutput(execution, 'AICaller')[0].json.callDelayedUntil).toBe(nextAllowedAt);
});

test("a run started in the editor does not use up the appointment's key: the live workflow still calls the patient once", async () => {
	const { ctx } = suite;
	const path = `guard-editor-${Date.now()}`;
	const booking = {
		...sampleBooking(1),
		appointment: { ...sampleBooking(1).appointment, id: 'APT-EDITOR' },
	};
	const workflow = prepareExample(example.file, {
		credentialId: ctx.state.credentials.helloAnnie.id,
		webhookPath: path,
		openCallingHours: true,
	});
	// The booking pinned on the webhook, as a builder does to test with a real appointment.
	workflow.pinData = { [example.webhookNode]: [{ json: { body: booking } }] };
	const stored = await ctx.n8n.createWorkflow(workflow);
	await ctx.n8n.activateWorkflow(stored);
	const editorRun = async () =>
		nodeOutput(
			await ctx.n8n.waitForExecution(await ctx.n8n.runManually(stored.id, example.webhookNode)),
			example.callNode,
		)[0].json;

	const tested = await editorRun();
	expect(tested).toMatchObject({
		skipped: false,
		skipReason: null,
		deduplicationKey: 'APT-EDITOR',
		deduplicationScope: 'editorRuns',
	});
	expect(await editorRun()).toEqual({
		skipped: true,
		skipReason: 'duplicate',
		deduplicationKey: 'APT-EDITOR',
		deduplicationScope: 'editorRuns',
	});
	expect(await postedCalls()).toHaveLength(1);

	const live = await ctx.n8n.runWebhook(stored.id, path, booking);
	expect(nodeOutput(live.execution, example.callNode)[0].json).toMatchObject({
		skipped: false,
		skipReason: null,
	});
	const repeat = await ctx.n8n.runWebhook(stored.id, path, booking);
	expect(nodeOutput(repeat.execution, example.callNode)[0].json).toEqual({
		skipped: true,
		skipReason: 'duplicate',
		deduplicationKey: 'APT-EDITOR',
	});
	expect(await postedCalls()).toHaveLength(2);
});
