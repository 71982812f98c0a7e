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

const stores = new Map<string, string[]>();

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

const inMemory: IDataDeduplicator = {
	async checkProcessedAndRecord(items, scope, context, options): Promise<IDeduplicationOutput> {
		const key = storeKey(scope, context);
		const entries = [...(stores.get(key) ?? [])];
		if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs * Math.random()));
		const result: IDeduplicationOutput = { new: [], processed: [] };
		for (const item of items) {
			const value = String(item);
			if (entries.includes(value)) result.processed.push(item);
			else {
				result.new.push(item);
				entries.push(value);
			}
		}
		stores.set(key, options.maxEntries ? entries.slice(-options.maxEntries) : entries);
		return result;
	},
	async removeProcessed(items: DeduplicationItemTypes[], scope, context) {
		const key = storeKey(scope, context);
		const remove = new Set(items.map(String));
		const entries = stores.get(key) ?? [];
		if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs * Math.random()));
		stores.set(key, entries.filter((value) => !remove.has(value)));
	},
	async clearAllProcessedItems(scope, context) {
		stores.delete(storeKey(scope, context));
	},
	async getProcessedDataCount(scope: DeduplicationScope, context: ICheckProcessedContextData) {
		return (stores.get(storeKey(scope, context)) ?? []).length;
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
}
