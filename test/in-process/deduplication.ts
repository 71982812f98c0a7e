/**
 * n8n's deduplication store for in-process runs. In a real n8n the store lives in its database;
 * n8n-core only holds the service, which the server initialises with that store. Here the same
 * service gets an in-memory one with the same semantics for the `entries` mode: per workflow and
 * scope (the node's ID for `node`), the last `maxEntries` values.
 */
import type {
	DeduplicationItemTypes,
	DeduplicationScope,
	ICheckProcessedContextData,
	IDataDeduplicator,
	IDeduplicationOutput,
} from 'n8n-workflow';
import { DataDeduplicationService } from 'n8n-core';

/** A node's entries in order (oldest first), with a set of them for fast lookups at 300,000 entries. */
interface Entries {
	list: string[];
	set: Set<string>;
}

const stores = new Map<string, Entries>();

function entriesOf(key: string): Entries {
	let entries = stores.get(key);
	if (!entries) {
		entries = { list: [], set: new Set() };
		stores.set(key, entries);
	}
	return entries;
}

/** Writes `list` back as the node's entries (n8n writes the whole list after each change). */
function writeBack(key: string, list: string[], maxEntries?: number): void {
	const kept = maxEntries && list.length > maxEntries ? list.slice(list.length - maxEntries) : list;
	stores.set(key, { list: kept, set: new Set(kept) });
}

/**
 * Time between reading a node's keys and writing them back. n8n's store does the same two steps
 * in its database without a lock, so concurrent executions can overwrite each other's keys; a
 * latency above 0 reproduces that here.
 */
let latencyMs = 0;
export function setStoreLatency(ms: number): void {
	latencyMs = ms;
}

function storeKey(scope: DeduplicationScope, context: ICheckProcessedContextData): string {
	return `${context.workflow.id}/${scope === 'node' ? (context.node?.id ?? '') : ''}`;
}

/** Writes to fail on purpose: after `after` more successful ones, the next `times` throw. */
let failing: { after: number; times: number } | undefined;

/** Makes the store fail, as a database that is down or locked would. */
export function failStoreWrites(plan: { after: number; times: number }): void {
	failing = { ...plan };
}

function maybeFail(): void {
	if (!failing) return;
	if (failing.after > 0) {
		failing.after -= 1;
		return;
	}
	if (failing.times > 0) {
		failing.times -= 1;
		throw new Error('SQLITE_BUSY: database is locked');
	}
	failing = undefined;
}

const inMemory: IDataDeduplicator = {
	async checkProcessedAndRecord(items, scope, context, options): Promise<IDeduplicationOutput> {
		maybeFail();
		const key = storeKey(scope, context);
		const read = entriesOf(key);
		const result: IDeduplicationOutput = { new: [], processed: [] };
		if (latencyMs === 0) {
			// Nothing runs between the read and the write: the entries can change in place.
			for (const item of items) {
				const value = String(item);
				if (read.set.has(value)) result.processed.push(item);
				else {
					result.new.push(item);
					read.list.push(value);
					read.set.add(value);
				}
			}
			if (options.maxEntries && read.list.length > options.maxEntries) {
				for (const dropped of read.list.splice(0, read.list.length - options.maxEntries))
					read.set.delete(dropped);
			}
			return result;
		}
		// Read, wait, write back: what was read is what is written, as in n8n's store.
		const list = [...read.list];
		const seen = new Set(read.set);
		await new Promise((resolve) => setTimeout(resolve, latencyMs * Math.random()));
		for (const item of items) {
			const value = String(item);
			if (seen.has(value)) result.processed.push(item);
			else {
				result.new.push(item);
				list.push(value);
				seen.add(value);
			}
		}
		writeBack(key, list, options.maxEntries);
		return result;
	},
	async removeProcessed(items: DeduplicationItemTypes[], scope, context) {
		const key = storeKey(scope, context);
		const remove = new Set(items.map(String));
		const read = entriesOf(key);
		const list = read.list;
		if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs * Math.random()));
		writeBack(
			key,
			list.filter((value) => !remove.has(value)),
		);
	},
	async clearAllProcessedItems(scope, context) {
		stores.delete(storeKey(scope, context));
	},
	async getProcessedDataCount(scope: DeduplicationScope, context: ICheckProcessedContextData) {
		return entriesOf(storeKey(scope, context)).list.length;
	},
};

let initialised = false;

/** Makes n8n-core's deduplication helpers work in this process (once). */
export async function useInMemoryDeduplication(): Promise<void> {
	if (initialised) return;
	initialised = true;
	await DataDeduplicationService.init(inMemory);
}

/** Forgets every recorded key, e.g. between tests. */
export function clearDeduplication(): void {
	stores.clear();
	latencyMs = 0;
	failing = undefined;
}

/** How many entries the store holds in all: what a run wrote, seen from outside. */
export function storedEntryCount(): number {
	let count = 0;
	for (const entries of stores.values()) count += entries.list.length;
	return count;
}
