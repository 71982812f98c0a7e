/**
 * "Wait for Call to End" for one run: after the calls of a run were placed, wait until each has
 * ended (or Max Wait ran out) and output each call as it ended. CallWaiter is the run's waiter:
 * operations register each call they placed through its CallWatcher view (types.ts), and it
 * waits the way the node is set to (waitFields.ts): polling all calls together (polling.ts), or
 * putting the execution to wait for the provider's callback (callbackWait.ts).
 *
 * Once a call was placed, its item never fails because of the wait: a status read that keeps
 * failing or a call still running at Max Wait is reported in the output (`callEnded: false`,
 * `outcomeError`). Failing the item would invite running it again, which would dial twice.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { checkCallbackCanWait, resumeUrl, waitForCallback } from './callbackWait';
import { waitByPolling } from './polling';
import type { CallWatcher, WaitSupport } from './types';
import { readWaitSettings, type WaitSettings } from './waitFields';
import { readWatchedCall, type RequestFor, type WatchedCall } from './watchedCall';

/**
 * The waiting of one run: operations register each call they placed (`watch`), and the router
 * finishes the waiting once every item was handled (`finish`), in either mode.
 */
export class CallWaiter implements CallWatcher {
	private readonly watched: WatchedCall[] = [];

	private constructor(
		private readonly fn: IExecuteFunctions,
		readonly settings: WaitSettings,
		private readonly provider: string,
		private readonly waits: WaitSupport,
		private readonly requestFor: RequestFor,
	) {}

	/**
	 * The run's waiter, or undefined when Wait for Call to End is off. On Provider Callback with
	 * more than one item is refused here, before any item is read or dialed.
	 */
	static forRun(
		fn: IExecuteFunctions,
		provider: string,
		waits: WaitSupport,
		requestFor: RequestFor,
	): CallWaiter | undefined {
		const settings = readWaitSettings(fn, waits.callback !== undefined);
		if (!settings) return undefined;
		if (settings.mode === 'callback') checkCallbackCanWait(fn);
		return new CallWaiter(fn, settings, provider, waits, requestFor);
	}

	/** On Provider Callback: the URL the provider must call back, this execution's resume URL. */
	callbackUrl(itemIndex: number): string | undefined {
		if (this.settings.mode !== 'callback') return undefined;
		return resumeUrl(this.fn, itemIndex);
	}

	/** Registers a placed call; returns the item's output for now, replaced when the wait ends. */
	watch(itemIndex: number, created: IDataObject): IDataObject {
		const placedAt = Date.now();
		const callId = String(created[this.waits.idField] ?? '');
		this.watched.push({
			created,
			idField: this.waits.idField,
			callId,
			itemIndex,
			placedAt,
			deadline: placedAt + this.settings.maxWaitMs,
		});
		return created;
	}

	/** Once every item was handled: waits for the registered calls and gives the run's output. */
	async finish(output: INodeExecutionData[]): Promise<INodeExecutionData[]> {
		if (this.watched.length === 0) return output;
		const read = async (call: WatchedCall) =>
			await readWatchedCall(call, this.waits, this.requestFor);
		if (this.settings.mode === 'callback') {
			// One call: the run was refused before dialing when it had more items (forRun).
			const [call] = this.watched;
			return await waitForCallback(
				this.fn,
				call,
				{ maxWaitMs: this.settings.maxWaitMs, provider: this.provider, read },
				output,
			);
		}
		return await waitByPolling(this.fn, this.watched, this.settings.intervalMs, read, output);
	}
}
