/**
 * `npm run bench` scenario "store": what a Deduplication Key costs in the real n8n as the node's
 * entries in n8n's deduplication store grow, the measurement the store's size is chosen from.
 *
 * n8n keeps a node's entries as one JSON list in its database (table processed_data) and, on
 * every check-and-record, reads the whole list, looks each new value up in it and writes it all
 * back. A claim of the campaign guard makes three such calls (the keys; their claim markers and
 * tokens; the same again after the settle second), and a key it dials takes three entries.
 *
 * - The node: AICaller Create Many with 1,000 rows, with and without a Deduplication Key, the
 *   node's store prefilled with STORE_ENTRIES entries (its most: the shipped retention); and one
 *   row with and without a key (one booking per execution, the webhook case).
 * - n8n's own store call at 100,000 and 1,000,000 keys (300,000 and 3,000,000 entries): n8n's
 *   Remove Duplicates node (Remove Items Processed in Previous Executions, History Size just above
 *   the entries), which makes one such call per run (after reading the count), for 1 and 1,000 new
 *   values.
 * The store is prefilled by writing the node's processed_data row directly, with the runtime's
 * Node and sqlite3, as n8n writes it (md5 hashes, base64).
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject, INode, ITaskData } from 'n8n-workflow';

import { STORE_ENTRIES } from '../nodes/shared/guard';
import type { StoreFigures, StoreRun } from './figures';
import { median } from './stats';
import type { Execution, WorkflowJson } from '../test/harness/client';
import { runCommand } from '../test/harness/processes';
import { NODE_TYPES } from '../test/harness/project';
import type { Stack } from '../test/harness/stack';
import { SANDBOX_FIXTURES } from '../test/sandbox/server';

const ROUNDS = 3;
const ROWS = 1000;
const AICALLER = SANDBOX_FIXTURES.aiCaller;
const ENTRIES_PER_KEY = 3;

type Log = (message: string) => void;

let serial = 0;
/** Values never seen before, so every run records new ones. */
const fresh = (count: number) => {
	serial += 1;
	return Array.from({ length: count }, (_, i) => ({
		key: `bench-${serial}-${i}`,
		phone: `+1555600${String(i).padStart(4, '0')}`,
	}));
};

function workflowOf(
	title: string,
	rows: IDataObject[],
	node: Omit<INode, 'id' | 'position' | 'typeVersion'> & { typeVersion?: number },
): WorkflowJson {
	return {
		name: `bench store ${title} ${randomUUID().slice(0, 8)}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Input',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{ id: randomUUID(), position: [240, 0], typeVersion: 1, ...node },
		],
		connections: { Input: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: { Input: rows.map((json) => ({ json })) },
	};
}

function createMany(stack: Stack, withKey: boolean) {
	return {
		name: 'Create Many',
		type: NODE_TYPES.aiCaller,
		parameters: {
			resource: 'phoneCall',
			operation: 'createMany',
			teamId: AICALLER.teamId,
			callTemplateId: AICALLER.callTemplates[0]._id,
			nameOfHuman: 'Patient',
			toPhoneNumber: '={{ $json.phone }}',
			batchSize: 1000,
			requestOptions: withKey ? { deduplicationKey: '={{ $json.key }}' } : {},
		},
		credentials: {
			aiCallerApi: { id: stack.credentials.aiCaller.id, name: stack.credentials.aiCaller.name },
		},
	};
}

function removeDuplicates(historySize: number) {
	return {
		name: 'Remove Duplicates',
		type: 'n8n-nodes-base.removeDuplicates',
		typeVersion: 2,
		parameters: {
			operation: 'removeItemsSeenInPreviousExecutions',
			logic: 'removeItemsWithAlreadySeenKeyValues',
			dedupeValue: '={{ $json.key }}',
			options: { scope: 'node', historySize },
		},
	};
}

/** Writes `entries` random entries into the store of one node, as n8n keeps them. */
async function prefill(
	stack: Stack,
	workflowId: string,
	nodeId: string,
	entries: number,
): Promise<void> {
	const script = `
const crypto = require('crypto');
const sqlite3 = require(process.argv[1]);
const [, , db, workflowId, context, count] = process.argv;
const data = [];
for (let i = 0; i < Number(count); i++) data.push(crypto.randomBytes(16).toString('base64'));
const value = JSON.stringify({ mode: 'entries', data });
const connection = new sqlite3.Database(db);
connection.configure('busyTimeout', 30000);
connection.run(
	"INSERT OR REPLACE INTO processed_data (workflowId, context, value, createdAt, updatedAt) VALUES (?, ?, ?, STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'), STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))",
	[workflowId, context, value],
	(error) => { if (error) { console.error(error.message); process.exit(1); } connection.close(); },
);`;
	const sqlite = `${stack.runtime.dir}/n8n/node_modules/sqlite3`;
	await runCommand(
		stack.runtime.nodeBin,
		[
			'-e',
			script,
			sqlite,
			`${stack.userFolder}/.n8n/database.sqlite`,
			workflowId,
			`n:${nodeId}`,
			String(entries),
		],
		{ timeoutMs: 300_000 },
	);
}

/** The node's own time in the run (what the editor shows under it). */
function nodeMs(execution: Execution, nodeName: string): number {
	const run = execution.data.resultData.runData[nodeName]?.[0] as ITaskData | undefined;
	if (!run || execution.status !== 'success')
		throw new Error(`bench store: ${nodeName} did not succeed (${execution.status})`);
	return run.executionTime;
}

async function timedRuns(
	stack: Stack,
	workflow: WorkflowJson,
	nodeName: string,
	entries: number,
	rows: () => IDataObject[],
): Promise<number[]> {
	const times: number[] = [];
	for (let round = 0; round < ROUNDS; round++) {
		const stored = await stack.client.createWorkflow({
			...workflow,
			pinData: { Input: rows().map((json) => ({ json })) },
		});
		const node = workflow.nodes.find((n) => n.name === nodeName)!;
		if (entries > 0) await prefill(stack, stored.id, node.id, entries);
		const execution = await stack.client.waitForExecution(
			await stack.client.runManually(stored.id, 'Input'),
			600_000,
		);
		times.push(nodeMs(execution, nodeName));
	}
	return times;
}

export async function store(stack: Stack, log: Log): Promise<StoreFigures> {
	const runs: StoreRun[] = [];
	const measure = async (
		run: Omit<StoreRun, 'ms' | 'medianMs'>,
		workflow: WorkflowJson,
		nodeName: string,
	) => {
		const ms = await timedRuns(stack, workflow, nodeName, run.entries, () => fresh(run.items));
		const result = { ...run, ms, medianMs: median(ms) };
		log(
			`store: ${run.what}, ${run.items} item(s), ${run.entries.toLocaleString('en-US')} entries: median ${result.medianMs} ms`,
		);
		runs.push(result);
	};

	for (const items of [1, ROWS]) {
		await measure(
			{ what: 'AICaller Create Many, no key', items, entries: 0 },
			workflowOf('no key', [], createMany(stack, false)),
			'Create Many',
		);
		await measure(
			{ what: 'AICaller Create Many, Deduplication Key', items, entries: STORE_ENTRIES },
			workflowOf('key', [], createMany(stack, true)),
			'Create Many',
		);
	}
	for (const keys of [100_000, 1_000_000]) {
		const entries = keys * ENTRIES_PER_KEY;
		for (const items of [1, ROWS]) {
			// Its History Size must hold what is there and what comes, or it refuses the run.
			await measure(
				{ what: "n8n's Remove Duplicates (one store call)", items, entries },
				workflowOf('n8n store', [], removeDuplicates(entries + ROWS)),
				'Remove Duplicates',
			);
		}
	}
	return { storeEntries: STORE_ENTRIES, entriesPerKey: ENTRIES_PER_KEY, rounds: ROUNDS, runs };
}
