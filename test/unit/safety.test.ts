/**
 * The campaign promise as a clinic meets it, run by n8n-core in-process against the sandbox:
 *
 * - Deduplication Keys kept for as long as the README says: the same rows re-read again and again
 *   place each call once and write nothing new to n8n's store; a steady flow of new keys never
 *   pushes a key of the stated retention out.
 * - A run that fails part-way loses nothing: every item is checked before the first request; a
 *   failure after calls were placed names each of them; a re-run with the same keys dials only
 *   the items that were not placed; with Continue On Fail only the failed item carries an error.
 * - A claim that fails part-way gives back every key it had recorded.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { KEYS_KEPT, PreDialGuard, STORE_ENTRIES } from '../../nodes/shared/guard';
import { DEFAULT_REQUESTS_IN_PARALLEL } from '../../nodes/shared/options';
import {
	AICALLER_EXAMPLE_ID,
	ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE,
	HELLOANNIE_EXAMPLE_ID,
	HELLOANNIE_START_CALL_EXAMPLE,
	HELLOANNIE_START_SMS_EXAMPLE,
} from '../fixtures/documentation-examples';
import { useSandbox } from '../in-process/sandbox';
import { failStoreWrites, storedEntryCount } from '../in-process/deduplication';
import { registerNodeType, runNode, type NodeRunResult } from '../in-process/n8n-core';
import { runAiCaller, runAlloMia, runHelloAnnie, type RunOptions } from '../in-process/providers';
import type { ProviderName } from '../sandbox/types';
import type { Sandbox } from '../sandbox/server';

const sandbox = useSandbox();

// -------------------------------------------------------------------------------------------------
// Retention

/**
 * A node that claims the keys of its items (`json.key`) with the campaign guard and n8n's
 * deduplication store, as a call-placing operation does before sending, and says which it would
 * dial. It skips reading thousands of fields through expressions, which would only slow the test.
 */
class ClaimKeys implements INodeType {
	description = {
		displayName: 'Claim Keys',
		name: 'claimKeys',
		group: ['transform'],
		version: 1,
		description: 'Claims each item’s key as the campaign guard does before dialing',
		defaults: { name: 'Claim Keys' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const guard = new PreDialGuard(this, { places: 'call', idField: 'id' });
		const items = this.getInputData();
		const duplicates = await guard.claim(
			items.map((item, itemIndex) => ({ itemIndex, input: item.json, key: String(item.json.key) })),
		);
		guard.accepted(
			items.map((_, itemIndex) => itemIndex).filter((itemIndex) => !duplicates.has(itemIndex)),
		);
		return [
			items.map((item, itemIndex) => ({
				json: { key: item.json.key, dialed: !duplicates.has(itemIndex) },
			})),
		];
	}
}
registerNodeType('test.claimKeys', new ClaimKeys());

/** One run of the claiming node (one execution of the same workflow and node: one store). */
async function claimRun(keys: string[]): Promise<{ dialed: string[]; run: NodeRunResult }> {
	const run = await runNode({
		type: 'test.claimKeys',
		parameters: {},
		items: keys.map((key) => ({ key })),
		credentials: {},
	});
	expect(run.error).toBeUndefined();
	return {
		dialed: run.items
			.filter((item) => item.json.dialed === true)
			.map((item) => String(item.json.key)),
		run,
	};
}

const keyRange = (prefix: string, from: number, count: number) =>
	Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);

describe('Deduplication Keys are kept for as long as the README says', () => {
	test('the same 1,000 keys run 100 times: 1,000 dials in all; the runs after the first write nothing to the store', async () => {
		const keys = keyRange('APT', 1, 1000);
		const first = await claimRun(keys);
		expect(first.dialed).toHaveLength(1000);
		const entriesAfterFirst = storedEntryCount();
		// The key, its claim marker and the claim's token.
		expect(entriesAfterFirst).toBe(3000);
		let dialedLater = 0;
		for (let run = 2; run <= 100; run++) dialedLater += (await claimRun(keys)).dialed.length;
		expect(dialedLater).toBe(0);
		expect(storedEntryCount()).toBe(entriesAfterFirst);
	}, 120_000);

	test(`10,000 new keys a day for 30 days: no key of the last ${KEYS_KEPT.toLocaleString('en-US')} is dialed again; older ones are forgotten, oldest first`, async () => {
		const PER_DAY = 10_000;
		const DAYS = 30;
		for (let day = 0; day < DAYS; day++) {
			const { dialed } = await claimRun(keyRange('day', day * PER_DAY, PER_DAY));
			expect(dialed).toHaveLength(PER_DAY);
		}
		expect(storedEntryCount()).toBe(STORE_ENTRIES);
		// Every key of the retention the README states, run again: none is dialed.
		const retainedDays = KEYS_KEPT / PER_DAY;
		for (let day = DAYS - retainedDays; day < DAYS; day++) {
			const { dialed } = await claimRun(keyRange('day', day * PER_DAY, PER_DAY));
			expect({ day, dialed: dialed.length }).toEqual({ day, dialed: 0 });
		}
		// Beyond it the oldest keys are gone: what the README says happens then.
		const { dialed } = await claimRun(keyRange('day', 0, 10));
		expect(dialed).toHaveLength(10);
	}, 240_000);
});

// -------------------------------------------------------------------------------------------------
// A run that fails part-way

/** Ten appointments; item 7 (the eighth) is the one that goes wrong. */
const TEN = Array.from({ length: 10 }, (_, i) => ({
	appointmentId: `APT-${100 + i}`,
	phone: `+1555200${String(i).padStart(4, '0')}`,
}));
const BAD_ITEM = 7;
const byKey = { deduplicationKey: '={{ $json.appointmentId }}' };

interface CallPlacing {
	title: string;
	provider: ProviderName;
	/** The create request's path at the sandbox. */
	path: string;
	/** The provider's ID of a placed call in an output item. */
	idField: string;
	/** Items per request (Create Many: a batch). */
	perRequest: number;
	parameters: IDataObject;
	run(sandbox: Sandbox, parameters: IDataObject, options: RunOptions): Promise<NodeRunResult>;
}

const OPERATIONS: CallPlacing[] = [
	{
		title: 'HelloAnnie Call → Start',
		provider: 'helloannie',
		path: '/calls',
		idField: 'conversationId',
		perRequest: 1,
		parameters: { ...HELLOANNIE_START_CALL_EXAMPLE.parameters, toNumber: '={{ $json.phone }}' },
		run: runHelloAnnie,
	},
	{
		title: 'HelloAnnie SMS → Start Conversation',
		provider: 'helloannie',
		path: '/sms',
		idField: 'conversationId',
		perRequest: 1,
		parameters: { ...HELLOANNIE_START_SMS_EXAMPLE.parameters, toNumber: '={{ $json.phone }}' },
		run: runHelloAnnie,
	},
	{
		title: 'HelloAnnie Conversation → Create (SMS)',
		provider: 'helloannie',
		path: '/conversations',
		idField: 'conversationId',
		perRequest: 1,
		parameters: {
			resource: 'conversation',
			operation: 'create',
			medium: 'SMS',
			botId: HELLOANNIE_EXAMPLE_ID,
			toNumber: '={{ $json.phone }}',
		},
		run: runHelloAnnie,
	},
	{
		title: 'AlloMia Call → Create Outbound',
		provider: 'allomia',
		path: '/api/outbound',
		idField: 'outboundCallId',
		perRequest: 1,
		parameters: {
			...ALLOMIA_CREATE_OUTBOUND_CALL_EXAMPLE.parameters,
			phoneNumber: '={{ $json.phone }}',
		},
		run: runAlloMia,
	},
	{
		title: 'AICaller Phone Call → Create',
		provider: 'aicaller',
		path: '/v1/phoneCalls',
		idField: '_id',
		perRequest: 1,
		parameters: {
			resource: 'phoneCall',
			operation: 'create',
			teamId: AICALLER_EXAMPLE_ID,
			callTemplateId: AICALLER_EXAMPLE_ID,
			nameOfHuman: 'Sam',
			toPhoneNumber: '={{ $json.phone }}',
		},
		run: runAiCaller,
	},
	{
		title: 'AICaller Phone Call → Create Many (batches of 2)',
		provider: 'aicaller',
		path: '/v1/phoneCalls/batch',
		idField: '_id',
		perRequest: 2,
		parameters: {
			resource: 'phoneCall',
			operation: 'createMany',
			teamId: AICALLER_EXAMPLE_ID,
			callTemplateId: AICALLER_EXAMPLE_ID,
			nameOfHuman: 'Sam',
			toPhoneNumber: '={{ $json.phone }}',
			batchSize: 2,
		},
		run: runAiCaller,
	},
];

const phoneField = (op: CallPlacing) =>
	op.provider === 'allomia'
		? 'phoneNumber'
		: op.provider === 'aicaller'
			? 'toPhoneNumber'
			: 'toNumber';

/** Each operation, one request at a time and at the default Requests in Parallel. */
const RUNS = OPERATIONS.flatMap((op) =>
	[1, DEFAULT_REQUESTS_IN_PARALLEL].map((inParallel) => ({ ...op, inParallel })),
);

describe.each(RUNS)(
	'$title, $inParallel in parallel: a run that fails part-way loses nothing',
	(op) => {
		const creates = () =>
			sandbox.requestsFor(op.provider).filter((r) => r.method === 'POST' && r.path === op.path);
		const parameters = (extra: IDataObject = {}) => ({
			...op.parameters,
			requestOptions: { ...byKey, requestsInParallel: op.inParallel, ...extra },
		});
		const phonesOf = (body: unknown): string[] => {
			const sent = body as IDataObject;
			const calls = Array.isArray(sent.phoneCalls) ? (sent.phoneCalls as IDataObject[]) : [sent];
			return calls.map((call) => String(call[phoneField(op)]));
		};
		/** The phone numbers the sandbox was asked to dial, in the order the requests came. */
		const dialed = () => creates().flatMap((r) => phonesOf(r.body));
		/** The items whose calls the sandbox placed (answered 2xx), in input order. */
		const placedItems = () =>
			creates()
				.filter((r) => r.status >= 200 && r.status < 300)
				.flatMap((r) => phonesOf(r.body))
				.map((phone) => TEN.findIndex((item) => item.phone === phone))
				.sort((a, b) => a - b);
		/** Fails the request that carries item 7, whatever order the requests arrive in. */
		const refuseItem7 = () =>
			sandbox.inject({
				provider: op.provider,
				method: 'POST',
				path: op.path,
				bodyContains: TEN[BAD_ITEM].phone,
				fault: {
					status: 400,
					body: { error: 'Number blocked', message: 'Number blocked', success: false },
				},
			});
		/** The items sent with item 7 in its request (its batch). */
		const refused = new Set(op.perRequest === 1 ? [BAD_ITEM] : [6, 7]);

		test('an invalid eighth item: nothing is sent for any item, and the error says so', async () => {
			const items = TEN.map((item, i) => (i === BAD_ITEM ? { ...item, phone: '12' } : item));
			const result = await op.run(sandbox, parameters(), { items });
			expect(creates()).toHaveLength(0);
			expect(result.error?.context?.itemIndex).toBe(BAD_ITEM);
			if (op.perRequest === 1) {
				expect(result.error?.message).toMatch(/is not|must be/);
				expect(result.error?.description).toContain('Nothing was sent for any item');
			} else {
				// A batch operation names the row, counted from 1, and the item.
				expect(result.error?.message).toMatch(/^In row 8 \(item 7\), \S.*(is not|must be)/);
				expect(result.error?.description).toContain('Nothing was sent for any row');
			}
		});

		test('the provider refuses the eighth: the error names every call placed, those in flight included; a re-run with the keys dials only the others', async () => {
			refuseItem7();
			const failed = await op.run(sandbox, parameters(), { items: TEN });
			expect(failed.error?.message).toMatch(/HTTP 400/);
			const placed = placedItems();
			if (op.inParallel === 1) {
				// One at a time: exactly the items before the refused request, and nothing after it.
				const placedBefore = Math.floor(BAD_ITEM / op.perRequest) * op.perRequest;
				expect(placed).toEqual(TEN.slice(0, placedBefore).map((_, i) => i));
				expect(dialed()).toHaveLength(placedBefore + op.perRequest);
			}
			// Each placed call, by item index and the provider's ID, in input order; no other.
			expect(failed.error?.description).toContain(
				`Before this error, this run placed ${placed.length}`,
			);
			const named = [...String(failed.error?.description).matchAll(/item (\d+) \(/g)].map((match) =>
				Number(match[1]),
			);
			expect(named).toEqual(placed);
			for (const i of placed)
				expect(failed.error?.description).toMatch(
					new RegExp(`item ${i} \\(${op.idField} [^)]+\\)`),
				);

			const before = dialed().length;
			const rerun = await op.run(sandbox, parameters(), { items: TEN });
			expect(rerun.error).toBeUndefined();
			const redialed = dialed().slice(before).sort();
			const notPlaced = TEN.filter((_, i) => !placed.includes(i)).map((item) => item.phone);
			expect(redialed).toEqual(notPlaced.sort());
			expect(rerun.items.map((item) => item.pairedItem)).toEqual(TEN.map((_, item) => ({ item })));
			for (const i of placed) expect(rerun.items[i].json.skipReason).toBe('duplicate');
		});

		test('Continue On Fail: the placed items keep their outputs, in input order; only the refused one carries the error', async () => {
			refuseItem7();
			const result = await op.run(sandbox, parameters(), { items: TEN, continueOnFail: true });
			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(10);
			expect(result.items.map((item) => item.pairedItem)).toEqual(TEN.map((_, item) => ({ item })));
			expect(dialed().sort()).toEqual(TEN.map((item) => item.phone).sort());
			result.items.forEach((item, i) => {
				if (refused.has(i)) expect(item.json.error).toMatch(/HTTP 400/);
				else expect(item.json[op.idField]).toEqual(expect.anything());
			});
		});
	},
);

describe('a claim that fails part-way gives back what it recorded', () => {
	test('Create Many: the store fails while the claim is settling; no key stays taken and a re-run dials every row', async () => {
		const parameters = { ...OPERATIONS[5].parameters, requestOptions: byKey };
		// The keys are recorded, then the claim's second write fails.
		failStoreWrites({ after: 1, times: 2 });
		const failed = await runAiCaller(sandbox, parameters, { items: TEN });
		expect(failed.error?.message).toMatch(/Deduplication Key .* could not be recorded/);
		expect(failed.error?.message).toMatch(/run the node again/);
		expect(sandbox.requestsFor('aicaller').filter((r) => r.method === 'POST')).toHaveLength(0);
		expect(storedEntryCount()).toBe(0);

		const rerun = await runAiCaller(sandbox, parameters, { items: TEN });
		expect(rerun.error).toBeUndefined();
		expect(rerun.items.every((item) => typeof item.json._id === 'string')).toBe(true);
	});
});
