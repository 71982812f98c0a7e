/**
 * Options → Requests in Parallel, run by n8n-core in-process against the sandbox answering after a
 * delay (with jitter, so answers come back out of order):
 *
 * - every item is paired with its own result, in input order, and never more than N requests are
 *   on their way at once;
 * - a failure without Continue On Fail starts no further request; the calls still on their way
 *   finish and the error names each call placed, in input order;
 * - HelloAnnie's X-RateLimit-* headers and Max Requests per Minute hold across the parallel
 *   requests.
 *
 * Each create sent at most once under injected faults at the default N: reliability.test.ts (1,000
 * items); a failed run re-run with its Deduplication Keys at N = 1 and the default: safety.test.ts.
 */
import type { IDataObject } from 'n8n-workflow';
import { DEFAULT_REQUESTS_IN_PARALLEL } from '../../nodes/shared/options';
import {
	AICALLER_EXAMPLE_ID,
	HELLOANNIE_START_SMS_EXAMPLE,
} from '../fixtures/documentation-examples';
import { useSandbox } from '../in-process/sandbox';
import { runAiCaller, runHelloAnnie } from '../in-process/providers';
import type { RecordedRequest } from '../sandbox/server';

const sandbox = useSandbox();

const rows = (count: number) =>
	Array.from({ length: count }, (_, row) => ({
		row,
		phone: `+1555300${String(row).padStart(4, '0')}`,
	}));

const createCall = (inParallel: number): IDataObject => ({
	resource: 'phoneCall',
	operation: 'create',
	teamId: AICALLER_EXAMPLE_ID,
	callTemplateId: AICALLER_EXAMPLE_ID,
	nameOfHuman: 'Sam',
	toPhoneNumber: '={{ $json.phone }}',
	requestOptions: { requestsInParallel: inParallel },
});

const creates = () =>
	sandbox.requestsFor('aicaller').filter((r) => r.method === 'POST' && r.path === '/v1/phoneCalls');

/** The most requests that were on their way at one moment (arrived, not answered yet). */
function mostInFlight(requests: RecordedRequest[]): number {
	const events = requests.flatMap((r) => [
		{ at: r.at, change: 1 },
		{ at: r.endedAt ?? Number.POSITIVE_INFINITY, change: -1 },
	]);
	// At the same moment an answer ends before the next request counts.
	events.sort((a, b) => a.at - b.at || a.change - b.change);
	let now = 0;
	let most = 0;
	for (const { change } of events) most = Math.max(most, (now += change));
	return most;
}

test('the default is the one the README states', () => {
	expect(DEFAULT_REQUESTS_IN_PARALLEL).toBe(10);
});

test('answers out of order: each item paired with its own call, in input order; never more than N on their way', async () => {
	sandbox.setLatency({ fixedMs: 20, jitterMs: 80 });
	const input = rows(40);
	const result = await runAiCaller(sandbox, createCall(8), { items: input });
	expect(result.error).toBeUndefined();
	expect(result.items.map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
	expect(result.items.map((item) => item.json.toPhoneNumber)).toEqual(
		input.map((row) => row.phone),
	);
	expect(new Set(result.items.map((item) => item.json._id)).size).toBe(40);
	// Each number dialed once.
	const dialed = creates().map((r) => (r.body as IDataObject).toPhoneNumber);
	expect([...dialed].sort()).toEqual(input.map((row) => row.phone).sort());
	const most = mostInFlight(creates());
	expect(most).toBeGreaterThan(1);
	expect(most).toBeLessThanOrEqual(8);
});

test('a read operation too: Get of 30 calls with answers out of order, each item its own call', async () => {
	const placed = await runAiCaller(sandbox, createCall(10), { items: rows(30) });
	const ids = placed.items.map((item) => String(item.json._id));
	sandbox.setLatency({ fixedMs: 10, jitterMs: 60 });
	const read = await runAiCaller(
		sandbox,
		{
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: '={{ $json.id }}',
			requestOptions: { requestsInParallel: 6 },
		},
		{ items: ids.map((id) => ({ id })) },
	);
	expect(read.error).toBeUndefined();
	expect(read.items.map((item) => item.json._id)).toEqual(ids);
	const gets = sandbox.requestsFor('aicaller').filter((r) => r.method === 'GET');
	expect(mostInFlight(gets)).toBeLessThanOrEqual(6);
});

test('a failure starts no further request; the calls on their way finish and the error names each call placed', async () => {
	sandbox.setLatency({ fixedMs: 50, jitterMs: 0 });
	const input = rows(40);
	const FAILING = 12;
	sandbox.inject({
		provider: 'aicaller',
		method: 'POST',
		path: '/v1/phoneCalls',
		bodyContains: input[FAILING].phone,
		fault: { status: 400, body: { error: { message: 'Number blocked', statusCode: 400 } } },
	});
	const result = await runAiCaller(sandbox, createCall(5), { items: input });
	expect(result.error?.message).toBe('AICaller refused the request (HTTP 400): Number blocked');
	const sent = creates();
	const refusedAt = sent.findIndex((r) => r.status === 400);
	// Up to N − 1 others were on their way when it failed; none started after.
	expect(sent.length).toBeLessThanOrEqual(refusedAt + 5);
	expect(sent.length).toBeLessThan(input.length);
	const placed = sent
		.filter((r) => r.status === 200 || r.status === 201)
		.map((r) => input.findIndex((row) => row.phone === (r.body as IDataObject).toPhoneNumber))
		.sort((a, b) => a - b);
	expect(placed.length).toBe(sent.length - 1);
	expect(result.error?.description).toContain(
		`Before this error, this run placed ${placed.length} calls`,
	);
	const named = [...String(result.error?.description).matchAll(/item (\d+) \(_id /g)].map((match) =>
		Number(match[1]),
	);
	expect(named).toEqual(placed);
});

test("HelloAnnie's X-RateLimit-* headers hold across parallel requests: no 429", async () => {
	sandbox.setLatency({ fixedMs: 20, jitterMs: 20 });
	// HelloAnnie's 60 per minute, shortened to 5 per second to keep the test short.
	sandbox.setRateLimit({ limit: 5, windowMs: 1000 });
	const result = await runHelloAnnie(
		sandbox,
		{
			...HELLOANNIE_START_SMS_EXAMPLE.parameters,
			toNumber: '={{ $json.phone }}',
			requestOptions: { requestsInParallel: 10 },
		},
		{ items: rows(17) },
	);
	expect(result.error).toBeUndefined();
	expect(result.items.every((item) => typeof item.json.conversationId === 'string')).toBe(true);
	const statuses = sandbox.requestsFor('helloannie').map((r) => r.status);
	expect(statuses).toHaveLength(17);
	expect(statuses.filter((status) => status === 429)).toEqual([]);
});

test('Max Requests per Minute spaces parallel requests as it does one at a time', async () => {
	const result = await runAiCaller(
		sandbox,
		{ ...createCall(10), requestOptions: { requestsInParallel: 10, maxPerMinute: 600 } },
		{ items: rows(5) },
	);
	expect(result.error).toBeUndefined();
	const at = creates().map((r) => r.at);
	// 600 per minute = one every 100 ms: five requests span at least four intervals.
	expect(at[at.length - 1] - at[0]).toBeGreaterThanOrEqual(350);
});
