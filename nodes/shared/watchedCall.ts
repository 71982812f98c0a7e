/**
 * A call the run placed and is waiting for, whichever the way: what is known of it (its last
 * read, or why the read failed, and when the wait was done with it), one read of it, and the
 * run's output with each such call as it ended. Once a call was placed, its item never fails
 * because of the wait: a read that fails is reported in the item (`outcomeError`), since failing
 * the item would invite running it again, which would dial twice.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { endedCallItem, type PlacedCall } from './endedCall';
import { errorText } from './errors';
import type { ApiRequest, CallState, WaitSupport } from './types';

/** Sends one request for the item a call belongs to (its errors carry that item's index). */
export type RequestFor = (itemIndex: number) => <T>(request: ApiRequest) => Promise<T>;

export interface WatchedCall extends PlacedCall {
	itemIndex: number;
	callId: string;
	placedAt: number;
	deadline: number;
	last?: CallState;
	outcomeError?: string;
	settledAt?: number;
}

/**
 * One read of a placed call, and what it says in the shared vocabulary: the one way both ways of
 * waiting (polling, the callback's run) learn whether and how a call ended.
 */
export async function readCallState(
	waits: WaitSupport,
	request: <T>(request: ApiRequest) => Promise<T>,
	callId: string,
): Promise<CallState> {
	const call = await waits.read(request, callId);
	return { call, outcome: waits.describe(call) };
}

/** One read of a watched call, recorded on it. */
export async function readWatchedCall(
	call: WatchedCall,
	waits: WaitSupport,
	requestFor: RequestFor,
): Promise<void> {
	try {
		call.last = await readCallState(waits, requestFor(call.itemIndex), call.callId);
		call.outcomeError = undefined;
	} catch (error) {
		call.outcomeError = errorText(error);
	}
}

/** The run's output with the item of each watched call replaced by the call as it ended. */
export function withEndedCalls(
	output: INodeExecutionData[],
	watched: WatchedCall[],
): INodeExecutionData[] {
	return output.map((item) => {
		const call = watched.find((candidate) => candidate.created === item.json);
		if (!call) return item;
		const waitedSeconds = Math.round(((call.settledAt ?? Date.now()) - call.placedAt) / 1000);
		return {
			...item,
			json: endedCallItem(call, call.last, { waitedSeconds, outcomeError: call.outcomeError }),
		};
	});
}
