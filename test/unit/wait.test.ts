/**
 * "Wait for Call to End" on every call-starting operation: polls the provider until the call
 * ended or the maximum wait ran out, and outputs the outcome with the call.
 */
import { useSandbox } from '../fixtures/sandbox';
import { runAiCaller, runAlloMia, runHelloAnnie } from '../helpers/providers';
import { startSandbox, type Sandbox } from '../sandbox/server';

const wait = (maxWaitSeconds: number) => ({ waitForCallToEnd: true, maxWaitSeconds, pollIntervalSeconds: 1 });

describe('HelloAnnie Call → Start', () => {
	const sandbox = useSandbox();

	const start = { resource: 'call', operation: 'start', fromNumber: '+15551234567', toNumber: '+15559876543' };

	test('returns the conversation\'s outcome once it has ended', async () => {
		// The call ends 1.5 s after it was placed.
		const ender = setInterval(() => {
			const conversation = sandbox.helloAnnie.state.conversations.find((c) => c.toNumber === '+15559876543' && c.status === 'OPEN' && !c.summary);
			if (conversation && Date.now() - Date.parse(conversation.startTime ?? '') > 1500) {
				Object.assign(conversation, { status: 'CLOSED', summary: 'Appointment confirmed', duration: 42, endTime: new Date().toISOString() });
				clearInterval(ender);
			}
		}, 100);
		const result = await runHelloAnnie(sandbox, { ...start, ...wait(10) });
		clearInterval(ender);
		expect(result.items[0].json).toMatchObject({
			conversationId: expect.any(String),
			callEnded: true,
			outcome: { status: 'CLOSED', summary: 'Appointment confirmed', duration: 42 },
		});
		const polls = sandbox.requestsFor('helloannie').filter((r) => r.method === 'GET');
		expect(polls.length).toBeGreaterThanOrEqual(2);
		expect(polls.every((r) => r.valid && r.path === `/conversations/${String(result.items[0].json.conversationId)}`)).toBe(true);
		// Still one call placed.
		expect(sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	test('a call still going at the deadline is output as not ended, not as an error', async () => {
		const result = await runHelloAnnie(sandbox, { ...start, ...wait(2) });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ callEnded: false, waitedSeconds: 2, outcome: { status: 'OPEN' } });
	});

	test('polls that keep failing do not fail the placed call', async () => {
		sandbox.inject({ provider: 'helloannie', method: 'GET', fault: { status: 500 }, times: Infinity });
		const result = await runHelloAnnie(sandbox, { ...start, ...wait(2) });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ callEnded: false, outcomeError: expect.stringMatching(/^HelloAnnie failed \(HTTP 500\)/) });
		expect(sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST')).toHaveLength(1);
	});
});

describe('AlloMia Call → Create Outbound', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ logErrors: false, alloMia: { autoCompleteAfterMs: 1200, autoOutcome: 'busy' } });
	});
	afterAll(async () => {
		await sandbox.close();
	});

	test('returns the final status, details and the call\'s summary', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'createOutbound',
			phoneNumber: '+15145551234',
			assistantId: 'a1b2c3d4-e5f6-7890-abcd-123456789012',
			phoneNumberId: 'b2c3d4e5-f6a7-8901-bcde-234567890123',
			...wait(10),
		});
		expect(result.items[0].json).toMatchObject({
			outboundCallId: expect.any(String),
			status: 'calling',
			callEnded: true,
			outcome: { status: 'busy', callDetails: expect.objectContaining({ endedReason: expect.any(String) }) },
		});
	});
});

describe('AICaller Phone Call → Create', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ logErrors: false, aiCaller: { autoCompleteAfterMs: 1500, autoOutcome: 'completed' } });
	});
	afterAll(async () => {
		await sandbox.close();
	});

	test('returns the final status, duration and result values', async () => {
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'create',
			teamId: '363573667364666473667332',
			callTemplateId: '363573667364666473667332',
			nameOfHuman: 'John',
			toPhoneNumber: '+15550102030',
			...wait(10),
		});
		expect(result.items[0].json).toMatchObject({
			_id: expect.any(String),
			callEnded: true,
			outcome: { status: 'completed' },
		});
		const polls = sandbox.requestsFor('aicaller').filter((r) => r.method === 'GET');
		expect(polls.length).toBeGreaterThanOrEqual(1);
		expect(polls.every((r) => r.valid)).toBe(true);
	});
});
