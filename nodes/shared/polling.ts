/**
 * Wait for Call to End → Polling: the run places all its calls first, then reads the status of
 * every pending call each Poll Interval, all together, so a campaign of 50 five-minute calls
 * takes about five minutes, not four hours. The execution (and in queue mode a worker) is busy
 * meanwhile. A call still running at Max Wait, or one whose reads kept failing, is output as last
 * known (`callEnded: false`, `outcomeError`).
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import { withEndedCalls, type WatchedCall } from './watchedCall';

/**
 * Reads the status of every pending call each interval until all ended or passed Max Wait, then
 * gives the run's output with each call as it ended.
 */
export async function waitByPolling(
	fn: IExecuteFunctions,
	watched: WatchedCall[],
	intervalMs: number,
	read: (call: WatchedCall) => Promise<void>,
	output: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	let pending = [...watched];
	// A cancelled execution stops waiting (its calls were placed; their items say not ended).
	while (pending.length > 0 && !fn.getExecutionCancelSignal()?.aborted) {
		const now = Date.now();
		const nextDeadline = Math.min(...pending.map((call) => call.deadline));
		await sleep(Math.max(0, Math.min(intervalMs, nextDeadline - now)));
		for (const call of pending) {
			await read(call);
			if (call.last?.outcome.callEnded || Date.now() >= call.deadline) call.settledAt = Date.now();
		}
		pending = pending.filter((call) => call.settledAt === undefined);
	}
	return withEndedCalls(output, watched);
}
