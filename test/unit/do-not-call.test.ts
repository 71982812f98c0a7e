/**
 * Options → Remember Do-Not-Call Numbers (nodes/shared/doNotCall.ts), AICaller, through the node
 * against the sandbox: a call AICaller marked DO_NOT_CALL, seen by Phone Call → Get, Get Many or
 * Create with Wait for Call to End, puts its number on the workflow's list in n8n's deduplication
 * store (which, like n8n's database, keeps it from one run to the next); a later Create or Create
 * Many of that number sends nothing and outputs a skipped item, claiming no Deduplication Key.
 * Off by default. The list is cleared as a Remove Duplicates node clears it (Clear Deduplication
 * History, Scope Workflow), which leaves the Deduplication Keys; one number with Forget
 * Do-Not-Call Numbers.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { failStoreWrites } from '../in-process/deduplication';
import { registerNodeType, runNode } from '../in-process/n8n-core';
import { runAiCaller } from '../in-process/providers';
import { useSandbox } from '../in-process/sandbox';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const sandbox = useSandbox();
const AICALLER = SANDBOX_FIXTURES.aiCaller;

const MARKED = '+15550102030';
const OTHER = '+15550104050';
const THIRD = '+15550106070';

const remember = { rememberDoNotCall: true };

const createParameters = (requestOptions: IDataObject = {}, operation = 'create') => ({
	resource: 'phoneCall',
	operation,
	teamId: AICALLER.teamId,
	callTemplateId: AICALLER.teamId,
	nameOfHuman: 'Jane',
	toPhoneNumber: '={{ $json.phone }}',
	requestOptions,
});

/** The numbers the node asked AICaller to dial, in order (one request or batches). */
const dialed = () =>
	sandbox
		.requestsFor('aicaller')
		.filter((r) => r.method === 'POST')
		.flatMap((r) => {
			const body = r.body as IDataObject;
			const calls = r.path === '/v1/phoneCalls/batch' ? (body.phoneCalls as IDataObject[]) : [body];
			return calls.map((call) => call.toPhoneNumber);
		});

/** A call to `phone` that AICaller then marks DO_NOT_CALL; returns its ID. */
async function markedCall(phone = MARKED): Promise<string> {
	const placed = await runAiCaller(sandbox, createParameters(), { items: [{ phone }] });
	expect(placed.error).toBeUndefined();
	const id = String(placed.items[0].json._id);
	await sandbox.aiCaller.complete(id, 'completed', { statusCode: 'DO_NOT_CALL' });
	return id;
}

async function getCall(id: string, requestOptions: IDataObject = {}): Promise<IDataObject> {
	const result = await runAiCaller(sandbox, {
		resource: 'phoneCall',
		operation: 'get',
		phoneCallId: id,
		requestOptions,
	});
	expect(result.error).toBeUndefined();
	expect(result.items[0].json).toMatchObject({ endReason: 'do_not_call' });
	return result.items[0].json;
}

/** Runs Create (or another operation) and returns its items; the dials it made are in `dialed()`. */
async function run(items: IDataObject[], parameters: IDataObject): Promise<INodeExecutionData[]> {
	const result = await runAiCaller(sandbox, parameters, { items });
	expect(result.error).toBeUndefined();
	return result.items;
}

const skipped = (phone: string, deduplicationKey?: string) => ({
	skipped: true,
	skipReason: 'doNotCall',
	toPhoneNumber: phone,
	...(deduplicationKey === undefined ? {} : { deduplicationKey }),
});

/**
 * What a Remove Duplicates node does with Operation Clear Deduplication History (n8n-nodes-base,
 * RemoveDuplicatesV2): `clearAllProcessedItems(scope, { mode: 'entries' })` with its Options →
 * Scope, through n8n-core's helper, in the same workflow.
 */
class ClearDeduplicationHistory implements INodeType {
	description = {
		displayName: 'Clear Deduplication History',
		name: 'clearDeduplicationHistory',
		group: ['transform'],
		version: 1,
		description: 'As Remove Duplicates → Clear Deduplication History',
		defaults: { name: 'Clear Deduplication History' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Scope', name: 'scope', type: 'string' as const, default: 'node' }],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const scope = this.getNodeParameter('scope', 0) as 'node' | 'workflow';
		await this.helpers.clearAllProcessedItems(scope, { mode: 'entries' });
		return [this.getInputData()];
	}
}
registerNodeType('test.clearDeduplicationHistory', new ClearDeduplicationHistory());

async function clearWorkflowScope(): Promise<void> {
	const result = await runNode({
		type: 'test.clearDeduplicationHistory',
		parameters: { scope: 'workflow' },
		credentials: {},
	});
	expect(result.error).toBeUndefined();
}

describe('Remember Do-Not-Call Numbers', () => {
	test('off (the default): a call that ended DO_NOT_CALL is remembered by nothing, and the number is dialed again', async () => {
		const id = await markedCall();
		await getCall(id);
		// Even a Create that looks the number up finds nothing: Get without the option recorded none.
		const items = await run([{ phone: MARKED }], createParameters(remember));
		expect(items[0].json).toMatchObject({ toPhoneNumber: MARKED, skipped: false });
		expect(dialed()).toEqual([MARKED, MARKED]);

		// Remembered, but a Create without the option does not look: it dials.
		await getCall(id, remember);
		await run([{ phone: MARKED }], createParameters());
		expect(dialed()).toEqual([MARKED, MARKED, MARKED]);
	});

	test('Get records the number; a later Create of it, also written nationally, is skipped with no request and no key claimed; another number is dialed', async () => {
		const id = await markedCall();
		await getCall(id, remember);

		const options = {
			...remember,
			defaultCountryCode: '+1',
			deduplicationKey: '={{ $json.appointmentId }}',
		};
		const items = await run(
			[
				{ phone: '(555) 010-2030', appointmentId: 'APT-1' },
				{ phone: OTHER, appointmentId: 'APT-2' },
				{ phone: MARKED },
			],
			createParameters(options),
		);
		expect(items.map((item) => item.json.skipped)).toEqual([true, false, true]);
		expect(items[0]).toEqual({ json: skipped(MARKED, 'APT-1'), pairedItem: { item: 0 } });
		expect(items[2]).toEqual({ json: skipped(MARKED), pairedItem: { item: 2 } });
		expect(items[1]).toMatchObject({
			json: { toPhoneNumber: OTHER, skipReason: null },
			pairedItem: { item: 1 },
		});
		expect(dialed()).toEqual([MARKED, OTHER]);

		// The look-up left nothing behind: the other number is not on the list.
		await run([{ phone: OTHER }], createParameters(remember));
		expect(dialed()).toEqual([MARKED, OTHER, OTHER]);

		// APT-1 claimed no key: once the list is cleared, the same item is dialed; APT-2's key stays.
		await clearWorkflowScope();
		const again = await run(
			[
				{ phone: MARKED, appointmentId: 'APT-1' },
				{ phone: OTHER, appointmentId: 'APT-2' },
			],
			createParameters(options),
		);
		expect(again[0].json).toMatchObject({ toPhoneNumber: MARKED, skipped: false });
		expect(again[1].json).toMatchObject({
			skipped: true,
			skipReason: 'duplicate',
			deduplicationKey: 'APT-2',
		});
		expect(dialed()).toEqual([MARKED, OTHER, OTHER, MARKED]);
	});

	test('Get Many records the numbers of the calls it lists that ended DO_NOT_CALL', async () => {
		await markedCall();
		const listed = await run([{}], {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
			requestOptions: remember,
		});
		expect(listed.some((item) => item.json.endReason === 'do_not_call')).toBe(true);

		const items = await run([{ phone: MARKED }, { phone: THIRD }], createParameters(remember));
		expect(items[0].json).toEqual(skipped(MARKED));
		expect(dialed()).toEqual([MARKED, THIRD]);
	});

	test('Create with Wait for Call to End: a call that ends DO_NOT_CALL is recorded, and the next run skips its number', async () => {
		const timer = setInterval(() => {
			const call = sandbox.aiCaller.state.calls.find(
				(c) => c.status === 'queued' && c.toPhoneNumber === MARKED,
			);
			if (!call) return;
			clearInterval(timer);
			void sandbox.aiCaller.complete(call._id, 'completed', { statusCode: 'DO_NOT_CALL' });
		}, 20);
		try {
			const waited = await run([{ phone: '555-010-2030' }], {
				...createParameters({ ...remember, defaultCountryCode: '+1' }),
				waitForCallToEnd: true,
				maxWaitSeconds: 10,
				pollIntervalSeconds: 1,
			});
			// The ended call's item does not repeat the number: it is the one its item dialed.
			expect(waited[0].json).toMatchObject({ endReason: 'do_not_call', skipped: false });
			expect(waited[0].json.toPhoneNumber).toBeUndefined();
		} finally {
			clearInterval(timer);
		}
		const next = await run([{ phone: MARKED }], createParameters(remember));
		expect(next[0].json).toEqual(skipped(MARKED));
		expect(dialed()).toEqual([MARKED]);
	});

	test('Create Many: the remembered row is skipped, the other rows go out in one batch, each paired to its row', async () => {
		await getCall(await markedCall(), remember);
		const items = await run(
			[{ phone: OTHER }, { phone: MARKED }, { phone: THIRD }],
			createParameters(remember, 'createMany'),
		);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[1].json).toEqual(skipped(MARKED));
		expect(items[0].json).toMatchObject({ toPhoneNumber: OTHER, skipped: false });
		expect(items[2].json).toMatchObject({ toPhoneNumber: THIRD, skipped: false });
		const batches = sandbox
			.requestsFor('aicaller')
			.filter((r) => r.path === '/v1/phoneCalls/batch');
		expect(batches).toHaveLength(1);
		expect(dialed()).toEqual([MARKED, OTHER, THIRD]);
	});

	test("clearing the workflow's list (Remove Duplicates → Clear Deduplication History, Scope Workflow) makes the numbers dialable again", async () => {
		await getCall(await markedCall(), remember);
		await getCall(await markedCall(OTHER), remember);
		const before = await run([{ phone: MARKED }, { phone: OTHER }], createParameters(remember));
		expect(before.map((item) => item.json.skipReason)).toEqual(['doNotCall', 'doNotCall']);

		await clearWorkflowScope();
		const after = await run([{ phone: MARKED }, { phone: OTHER }], createParameters(remember));
		expect(after.map((item) => item.json.skipped)).toEqual([false, false]);
		expect(dialed()).toEqual([MARKED, OTHER, MARKED, OTHER]);
	});

	test("n8n's store failing: a look-up stops Create with nothing sent; a recording stops Get", async () => {
		const id = await markedCall();
		failStoreWrites({ after: 0, times: 2 });
		const created = await runAiCaller(sandbox, createParameters(remember), {
			items: [{ phone: OTHER }],
		});
		expect(created.error).toMatchObject({
			message:
				"Options → Remember Do-Not-Call Numbers (rememberDoNotCall): the numbers could not be looked up in n8n's deduplication store (SQLITE_BUSY: database is locked): run the node again",
			description: 'Nothing was sent for any item.',
		});
		expect(dialed()).toEqual([MARKED]);

		failStoreWrites({ after: 0, times: 2 });
		const get = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'get',
			phoneCallId: id,
			requestOptions: remember,
		});
		expect(get.error?.message).toBe(
			"Options → Remember Do-Not-Call Numbers (rememberDoNotCall): the numbers could not be recorded in n8n's deduplication store (SQLITE_BUSY: database is locked): run the node again",
		);
		// Nothing was remembered: the number is dialed.
		await run([{ phone: MARKED }], createParameters(remember));
		expect(dialed()).toEqual([MARKED, MARKED]);
	});

	test('Forget Do-Not-Call Numbers takes one number off the list and sends nothing; the others stay', async () => {
		await getCall(await markedCall(), remember);
		await getCall(await markedCall(OTHER), remember);

		const forgotten = await run([{ phone: MARKED }], createParameters({ forgetDoNotCall: true }));
		expect(forgotten[0]).toEqual({
			json: { toPhoneNumber: MARKED, doNotCallForgotten: true },
			pairedItem: { item: 0 },
		});
		expect(dialed()).toEqual([MARKED, OTHER]);

		const items = await run([{ phone: MARKED }, { phone: OTHER }], createParameters(remember));
		expect(items[0].json).toMatchObject({ toPhoneNumber: MARKED, skipped: false });
		expect(items[1].json).toEqual(skipped(OTHER));
		expect(dialed()).toEqual([MARKED, OTHER, MARKED]);
	});
});
