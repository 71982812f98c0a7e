/**
 * The failure guarantees as a user would notice them: pacing under HelloAnnie's rate limit,
 * the per-minute cap, a 1,000-item run with injected faults, and secrets kept out of outputs
 * and errors.
 */
import type { IDataObject } from 'n8n-workflow';
import { useSandbox } from '../in-process/sandbox';
import { runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES, type Fault } from '../sandbox/server';

const ANNIE_KEY = SANDBOX_FIXTURES.helloAnnie.apiKey;

const sandbox = useSandbox();

const sms = (extra: IDataObject = {}): IDataObject => ({
	resource: 'sms',
	operation: 'startConversation',
	fromNumber: '+15551234567',
	toNumber: '={{ $json.phone }}',
	message: 'Hi, this is Annie from Bright Smiles Dental.',
	...extra,
});
const phones = (count: number) =>
	Array.from({ length: count }, (_, i) => ({ phone: `+1555200${String(i).padStart(4, '0')}` }));

describe('pacing', () => {
	test('a run larger than the rate limit paces itself from the X-RateLimit headers: no 429 at all', async () => {
		// HelloAnnie's 60/minute, shortened to 10 per second to keep the test short.
		sandbox.setRateLimit({ limit: 10, windowMs: 1000 });
		const result = await runHelloAnnie(sandbox, sms(), { items: phones(35) });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(35);
		expect(result.items.every((i) => typeof i.json.conversationId === 'string')).toBe(true);
		const statuses = sandbox.requestsFor('helloannie').map((r) => r.status);
		expect(statuses.filter((s) => s === 429)).toHaveLength(0);
		expect(statuses).toHaveLength(35);
	});

	test('a 429 with Retry-After (nothing processed) is waited out and retried', async () => {
		sandbox.setRateLimit({ limit: 1, windowMs: 1000, sendRetryAfter: true });
		// Another client used up the window: the first request of the run meets a 429.
		await fetch(`${sandbox.baseUrls.helloAnnie}/phone-numbers`, {
			headers: { authorization: `Bearer ${ANNIE_KEY}` },
		});
		const result = await runHelloAnnie(sandbox, sms(), { items: phones(1) });
		expect(result.items[0].json.conversationId).toEqual(expect.any(String));
		const sent = sandbox.requestsFor('helloannie').filter((r) => r.path === '/sms');
		expect(sent.map((r) => r.status)).toEqual([429, 200]);
	});

	test('"Max Requests per Minute" spaces the requests of a run', async () => {
		const result = await runHelloAnnie(sandbox, sms({ requestOptions: { maxPerMinute: 600 } }), {
			items: phones(5),
		});
		expect(result.items).toHaveLength(5);
		const at = sandbox.requestsFor('helloannie').map((r) => r.at);
		// 600 per minute = one every 100 ms: five requests span at least four intervals. (Single
		// gaps vary with when each request reaches the server; the span does not.)
		expect(at[at.length - 1] - at[0]).toBeGreaterThanOrEqual(350);
	});
});

describe('1,000 items with 10% injected faults under Continue On Fail', () => {
	test('exactly 1,000 output items, each paired to its input; no call processed twice; no secret leaks', async () => {
		const faults: Fault[] = [
			{ status: 500, body: { success: false, message: 'Internal error' } },
			{ status: 503 },
			{ kind: 'reset-after-body' },
			{ kind: 'reset-before-body' },
			{ kind: 'malformed-json' },
			{ kind: 'empty-body' },
			{ status: 400, body: { success: false, message: 'Outside calling hours' } },
			{ status: 429 },
			{ kind: 'wrong-content-type' },
			{ status: 502 },
		];
		for (let i = 0; i < 100; i++)
			sandbox.inject({ provider: 'helloannie', path: '/calls', fault: faults[i % faults.length] });
		const items = phones(1000).map((p, i) => ({
			...p,
			firstName: `Patient${i}`,
			lastName: 'Testperson',
			dob: '1961-07-04',
		}));
		const result = await runHelloAnnie(
			sandbox,
			{
				resource: 'call',
				operation: 'start',
				fromNumber: '+15551234567',
				toNumber: '={{ $json.phone }}',
				patientInfo: {
					firstName: '={{ $json.firstName }}',
					lastName: '={{ $json.lastName }}',
					dateOfBirth: '={{ $json.dob }}',
				},
				requestOptions: { timeoutMs: 2000 },
			},
			{ items, continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1000);
		result.items.forEach((item, index) => expect(item.pairedItem).toEqual({ item: index }));

		const errors = result.items.filter((i) => i.json.error);
		// Each fault except the 429s (retried: nothing was processed) fails its item.
		expect(errors).toHaveLength(90);
		expect(result.items.filter((i) => i.json.conversationId)).toHaveLength(910);

		// No call processed twice: per number, at most one request whose body reached the provider
		// and was not refused with 429 (a connection reset before the body processes nothing).
		const processed = new Map<string, number>();
		for (const r of sandbox.requestsFor('helloannie')) {
			const to = (r.body as { toNumber?: string } | undefined)?.toNumber;
			if (r.status === 429 || to === undefined) continue;
			processed.set(to, (processed.get(to) ?? 0) + 1);
		}
		expect([...processed.entries()].filter(([, n]) => n > 1)).toEqual([]);
		expect(processed.size).toBe(990);
		// Every item was tried exactly once: one request each, plus one retry per 429.
		expect(sandbox.requestsFor('helloannie')).toHaveLength(1010);

		const everything = JSON.stringify(result.items);
		expect(everything).not.toContain(ANNIE_KEY);
		for (const error of errors) {
			const text = `${String(error.json.error)} ${JSON.stringify(error.json.details ?? {})}`;
			expect(text).not.toMatch(/Patient\d+|Testperson|1961-07-04/);
		}
	});
});

describe('secrets and patient data', () => {
	test('the API key never appears in outputs, error messages or descriptions, whatever the failure', async () => {
		const key = 'annie-sk-v1-this-key-is-wrong';
		const wrongKey = await runHelloAnnie(sandbox, sms(), {
			items: phones(1),
			apiKey: key,
			continueOnFail: true,
		});
		sandbox.inject({
			provider: 'helloannie',
			fault: { status: 500, body: { success: false, message: 'boom' } },
		});
		const serverError = await runHelloAnnie(sandbox, sms(), {
			items: phones(1),
			continueOnFail: true,
		});
		sandbox.inject({ provider: 'helloannie', fault: { kind: 'reset-after-body' } });
		const reset = await runHelloAnnie(sandbox, sms(), { items: phones(1) });
		expect(JSON.stringify(wrongKey.items)).not.toContain(key);
		expect(JSON.stringify(wrongKey.run.data.resultData)).not.toContain(key);
		expect(JSON.stringify(serverError.items)).not.toContain(ANNIE_KEY);
		expect(JSON.stringify(reset.error)).not.toContain(ANNIE_KEY);
		expect(JSON.stringify(reset.run.data.resultData)).not.toContain(ANNIE_KEY);
	});
});
