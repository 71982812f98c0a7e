/**
 * "Wait for Call to End" on every call-placing operation. Polling: a run places its calls first,
 * then reads the status of all pending calls together until each ended or Max Wait ran out, and
 * each item becomes the call as it ended (final status and the provider's fields top-level, the
 * create answer under createResponse). On Provider Callback (AlloMia, AICaller): the call's
 * callback is this execution's resume URL and the execution is put to wait; resuming it is n8n's
 * server's part, tested in the real n8n (test/e2e/waiting.test.ts).
 */
import { useSandbox } from '../in-process/sandbox';
import { runAiCaller, runAlloMia, runHelloAnnie } from '../in-process/providers';
import { startSandbox, type Sandbox } from '../sandbox/server';

const wait = (maxWaitSeconds: number) => ({
	waitForCallToEnd: true,
	maxWaitSeconds,
	pollIntervalSeconds: 1,
});

const alloMiaCall = {
	resource: 'call',
	operation: 'createOutbound',
	phoneNumber: '+15145551234',
	assistantId: 'a1b2c3d4-e5f6-7890-abcd-123456789012',
	phoneNumberId: 'b2c3d4e5-f6a7-8901-bcde-234567890123',
};

const aiCallerCall = {
	resource: 'phoneCall',
	operation: 'create',
	teamId: '363573667364666473667332',
	callTemplateId: '363573667364666473667332',
	nameOfHuman: 'John',
	toPhoneNumber: '+15550102030',
};

describe('HelloAnnie Call → Start (polling: HelloAnnie documents no per-call callback)', () => {
	const sandbox = useSandbox();

	const start = {
		resource: 'call',
		operation: 'start',
		fromNumber: '+15551234567',
		toNumber: '+15559876543',
	};

	test('the item is the conversation as it ended, the create answer under createResponse', async () => {
		// The call ends 1.5 s after it was placed.
		const ender = setInterval(() => {
			const conversation = sandbox.helloAnnie.state.conversations.find(
				(c) => c.toNumber === '+15559876543' && c.status === 'OPEN' && !c.summary,
			);
			if (conversation && Date.now() - Date.parse(conversation.startTime ?? '') > 1500) {
				Object.assign(conversation, {
					status: 'CLOSED',
					summary: 'Appointment confirmed',
					duration: 42,
					endTime: new Date().toISOString(),
				});
				clearInterval(ender);
			}
		}, 100);
		const result = await runHelloAnnie(sandbox, { ...start, ...wait(10) });
		clearInterval(ender);
		const json = result.items[0].json;
		expect(json).toMatchObject({
			conversationId: expect.any(String),
			status: 'CLOSED',
			callEnded: true,
			// HelloAnnie documents no ended reason, outcome or unit for its duration.
			endReason: 'unknown',
			outcome: null,
			summary: 'Appointment confirmed',
			durationSeconds: null,
			duration: 42,
			createResponse: { conversationId: json.conversationId },
		});
		const polls = sandbox.requestsFor('helloannie').filter((r) => r.method === 'GET');
		expect(polls.length).toBeGreaterThanOrEqual(2);
		expect(
			polls.every((r) => r.valid && r.path === `/conversations/${String(json.conversationId)}`),
		).toBe(true);
		// Still one call placed.
		expect(sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	test('a call still going at the deadline is output as not ended, with its last known status, not as an error', async () => {
		const result = await runHelloAnnie(sandbox, { ...start, ...wait(2) });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({
			status: 'OPEN',
			callEnded: false,
			endReason: null,
			waitedSeconds: 2,
		});
	});

	test('polls that keep failing do not fail the placed call', async () => {
		sandbox.inject({
			provider: 'helloannie',
			method: 'GET',
			fault: { status: 500 },
			times: Infinity,
		});
		const result = await runHelloAnnie(sandbox, { ...start, ...wait(2) });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({
			callEnded: false,
			endReason: null,
			summary: null,
			outcomeError: expect.stringMatching(/^HelloAnnie failed \(HTTP 500\)/),
		});
		expect(sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	test('HelloAnnie offers no "Wait Using" choice: a waitMode left in the parameters still polls', async () => {
		const result = await runHelloAnnie(
			sandbox,
			{ ...start, ...wait(1), waitMode: 'callback' },
			{ items: [{}, {}] },
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(2);
		expect(sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST')).toHaveLength(2);
	});
});

describe('polling waits for all calls of a run together', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({
			logErrors: false,
			alloMia: { autoCompleteAfterMs: 2000, autoOutcome: 'busy' },
		});
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => sandbox.reset());

	test("30 calls of 2 s with Poll Interval 1 s end in about one call's length, each item its own call, paired, in order", async () => {
		const phones = Array.from({ length: 30 }, (_, i) => `+1514555${String(1000 + i)}`);
		const started = Date.now();
		const result = await runAlloMia(
			sandbox,
			{ ...alloMiaCall, phoneNumber: '={{ $json.phone }}', ...wait(60) },
			{ items: phones.map((phone) => ({ phone })) },
		);
		const wallMs = Date.now() - started;
		expect(result.error).toBeUndefined();

		const creates = sandbox.requestsFor('allomia').filter((r) => r.method === 'POST');
		expect(creates.map((r) => (r.body as { phoneNumber: string }).phoneNumber)).toEqual(phones);
		expect(result.items).toHaveLength(30);
		result.items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toMatchObject({
				status: 'busy',
				callEnded: true,
				endReason: 'busy',
				createResponse: { status: 'calling' },
			});
			// Its own call: the ID the create answered for this item's number.
			expect(item.json.outboundCallId).toBe(
				(item.json.createResponse as { outboundCallId: string }).outboundCallId,
			);
			const placed = sandbox.alloMia.state.outboundCalls.find(
				(c) => c.outboundCallId === item.json.outboundCallId,
			);
			expect(placed?.request.phoneNumber).toBe(phones[index]);
		});
		const statusReads = sandbox
			.requestsFor('allomia')
			.filter((r) => r.method === 'GET' && r.path.endsWith('/status'));
		// One after another, 30 calls of 2 s would take over 60 s; together, one call's length
		// plus dialing plus a poll interval or two.
		expect(wallMs).toBeLessThan(15_000);
		// About one read per call per interval: each call is read until it ended, none after.
		expect(statusReads.length).toBeGreaterThanOrEqual(30);
		expect(statusReads.length).toBeLessThanOrEqual(30 * 5);
		console.log(
			`30 calls of 2 s, Poll Interval 1 s: ${wallMs} ms, ${statusReads.length} status reads`,
		);
	});

	test('a call that fails to be placed does not hold up the others, and is not waited for', async () => {
		sandbox.inject({ provider: 'allomia', method: 'POST', fault: { status: 400 }, times: 1 });
		const result = await runAlloMia(
			sandbox,
			{ ...alloMiaCall, phoneNumber: '={{ $json.phone }}', ...wait(30) },
			{ items: [{ phone: '+15145550001' }, { phone: '+15145550002' }], continueOnFail: true },
		);
		expect(
			result.items.map((i) => [i.pairedItem, i.json.error === undefined ? i.json.status : 'error']),
		).toEqual([
			[{ item: 0 }, 'error'],
			[{ item: 1 }, 'busy'],
		]);
	});
});

describe('AlloMia Call → Create Outbound', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({
			logErrors: false,
			alloMia: { autoCompleteAfterMs: 1200, autoOutcome: 'busy' },
		});
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => sandbox.reset());

	test('polling: the final status and callDetails top-level', async () => {
		const result = await runAlloMia(sandbox, { ...alloMiaCall, ...wait(10) });
		expect(result.items[0].json).toMatchObject({
			outboundCallId: expect.any(String),
			status: 'busy',
			callEnded: true,
			endReason: 'busy',
			callDetails: expect.objectContaining({ endedReason: expect.any(String) }),
			// The create answer's ID and status only: both ways of waiting give the same item.
			createResponse: { outboundCallId: result.items[0].json.outboundCallId, status: 'calling' },
		});
	});

	describe('On Provider Callback', () => {
		const callback = { ...wait(600), waitMode: 'callback' };

		test("the call's callbackUrl is this execution's resume URL, and the execution is put to wait until Max Wait", async () => {
			const before = Date.now();
			const result = await runAlloMia(sandbox, { ...alloMiaCall, ...callback });
			expect(result.error).toBeUndefined();
			const [create] = sandbox.requestsFor('allomia');
			expect(create.valid).toBe(true);
			// $execution.resumeUrl: n8n's waiting webhook with the execution's resume token, which n8n checks.
			const url = new URL((create.body as { callbackUrl: string }).callbackUrl);
			expect(url.pathname).toMatch(/^\/webhook-waiting\/[^/]+$/);
			expect(url.searchParams.get('signature')).toBe(result.run.data.resumeToken);
			const waitTill = result.run.waitTill?.getTime() ?? 0;
			expect(waitTill).toBeGreaterThanOrEqual(before + 600_000);
			expect(waitTill).toBeLessThan(Date.now() + 600_000 + 1000);
			// What the execution shows while it waits: the placed call, not ended yet.
			expect(result.items[0].json).toMatchObject({
				outboundCallId: expect.any(String),
				status: 'calling',
				callEnded: false,
				endReason: null,
				createResponse: { status: 'calling' },
				waitingFor: 'AlloMia callback',
			});
			// One status read before the wait: a call that ended at once (its callback refused by n8n
			// while the execution was still running) is output at once instead.
			expect(sandbox.requestsFor('allomia').map((r) => `${r.method} ${r.path}`)).toEqual([
				'POST /api/outbound',
				`GET /api/outbound/${String(result.items[0].json.outboundCallId)}/status`,
			]);
			// What n8n passes on when Max Wait passes without a callback (it does not run the node
			// again then): the call as last read, not the item the node received.
			const waitingNode = result.run.data.executionData?.nodeExecutionStack[0];
			expect(waitingNode?.data.main[0]).toEqual([
				{
					json: expect.objectContaining({
						outboundCallId: result.items[0].json.outboundCallId,
						status: 'calling',
						callEnded: false,
						endReason: null,
						waitedSeconds: 600,
						createResponse: {
							outboundCallId: result.items[0].json.outboundCallId,
							status: 'calling',
						},
					}),
					pairedItem: { item: 0 },
				},
			]);
		});

		test('a call that ended before the execution could wait is output at once, as it ended: nothing is lost to an early callback', async () => {
			const early = await startSandbox({
				logErrors: false,
				alloMia: { autoCompleteAfterMs: 0, autoOutcome: 'no-answer' },
			});
			try {
				const result = await runAlloMia(early, { ...alloMiaCall, ...callback });
				expect(result.error).toBeUndefined();
				expect(result.run.waitTill).toBeUndefined();
				expect(result.items[0].json).toMatchObject({
					status: 'no-answer',
					callEnded: true,
					endReason: 'no_answer',
				});
				expect(early.requestsFor('allomia').filter((r) => r.method === 'POST')).toHaveLength(1);
			} finally {
				await early.close();
			}
		});

		test('more than one item: refused before anything is dialed, with the pattern that works', async () => {
			const result = await runAlloMia(
				sandbox,
				{ ...alloMiaCall, phoneNumber: '={{ $json.phone }}', ...callback },
				{ items: [{ phone: '+15145550001' }, { phone: '+15145550002' }] },
			);
			expect(result.error?.message).toBe(
				'Wait Using "On Provider Callback" waits for one call per execution, and this node received 2 items. Nothing was dialed.',
			);
			expect(result.error?.description).toMatch(
				/Execute Workflow node with Mode "Run once for each item"/,
			);
			expect(result.error?.description).toMatch(/Wait Using "Polling"/);
			expect(sandbox.requestsFor('allomia')).toHaveLength(0);
		});

		test("a Callback URL of one's own is refused: AlloMia takes one callbackUrl per call", async () => {
			const result = await runAlloMia(sandbox, {
				...alloMiaCall,
				callbackUrl: 'https://crm.example.com/hook',
				...callback,
			});
			expect(result.error?.message).toBe(
				"Callback URL is set, but Wait for Call to End → On Provider Callback points the call's one callbackUrl at this execution",
			);
			expect(sandbox.requestsFor('allomia')).toHaveLength(0);
		});
	});
});

describe('AICaller Phone Call → Create', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({
			logErrors: false,
			aiCaller: { autoCompleteAfterMs: 1500, autoOutcome: 'completed' },
		});
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => sandbox.reset());

	test('polling: the final status, duration and result values top-level', async () => {
		const result = await runAiCaller(sandbox, { ...aiCallerCall, ...wait(10) });
		expect(result.items[0].json).toMatchObject({
			_id: expect.any(String),
			status: 'completed',
			callEnded: true,
			endReason: 'completed',
			durationSeconds: expect.any(Number),
			callDuration: expect.any(Number),
			statusExtraInfo: expect.objectContaining({ statusCode: 'ENDED_NORMALLY' }),
			createResponse: { _id: result.items[0].json._id },
		});
		expect(result.items[0].json.durationSeconds).toBe(result.items[0].json.callDuration);
		const polls = sandbox.requestsFor('aicaller').filter((r) => r.method === 'GET');
		expect(polls.length).toBeGreaterThanOrEqual(1);
		expect(polls.every((r) => r.valid)).toBe(true);
	});

	test("On Provider Callback: a phoneCall.completed webhook of the call points at the resume URL, beside the user's own", async () => {
		const result = await runAiCaller(sandbox, {
			...aiCallerCall,
			phoneCallWebhooks: {
				webhook: [{ url: 'https://crm.example.com/hook', subscribedEvent: 'phoneCall.completed' }],
			},
			...wait(300),
			waitMode: 'callback',
		});
		expect(result.error).toBeUndefined();
		const [create] = sandbox.requestsFor('aicaller');
		expect(create.valid).toBe(true);
		expect((create.body as { phoneCallWebhooks: unknown[] }).phoneCallWebhooks).toEqual([
			{ url: 'https://crm.example.com/hook', subscribedEvent: 'phoneCall.completed' },
			{
				url: expect.stringMatching(
					/^http:\/\/127\.0\.0\.1:5678\/webhook-waiting\/[^/?]+\?signature=[0-9a-f]{64}$/,
				),
				subscribedEvent: 'phoneCall.completed',
			},
		]);
		expect(result.run.waitTill).toBeInstanceOf(Date);
		expect(result.items[0].json).toMatchObject({
			_id: expect.any(String),
			callEnded: false,
			endReason: null,
			waitingFor: 'AICaller callback',
		});
	});
});
