/**
 * The item of a call the wait is done with, the same whichever way the run waited (polling,
 * or the provider's callback, read by another run of the node), so that the same call gives the
 * same item. And `pick`, with which operations keep the provider's fields of a call.
 */
import type { IDataObject } from 'n8n-workflow';
import { describedCall, NOTHING_KNOWN } from './callOutcome';
import { NOT_SKIPPED } from './guard';
import type { CallState } from './types';

/** Where the create answer's ID and status go in an item that describes the call as it ended. */
const CREATE_RESPONSE_FIELD = 'createResponse';

/** A placed call: the create answer, and where its ID is in it. */
export interface PlacedCall {
	created: IDataObject;
	idField: string;
}

/**
 * The item of a call the wait is done with, shaped for a spreadsheet: the call's ID and its
 * final (or last known) `status` first, then the shared vocabulary (`callEnded`, `endReason`,
 * `callBackAt`, `outcome`, `summary`, `durationSeconds`: callOutcome.ts), then the provider's
 * fields under their own names (summary, outcome, duration, ended reason, ...) as the provider's
 * read of the call gives them, and the create answer's ID and status under `createResponse`, so
 * that its status ("calling", "queued") is not mistaken for the final one, and last
 * `skipped: false, skipReason: null`, as in the item of every placed call (guard.ts). Both ways of
 * waiting build it from the same read, so the same call gives the same item. A call never read
 * says nothing: not ended, every other field null.
 */
export function endedCallItem(
	placed: PlacedCall,
	state: CallState | undefined,
	waited: { waitedSeconds: number; outcomeError?: string },
): IDataObject {
	const call = state?.call ?? {};
	const item = describedCall(
		{
			...call,
			[placed.idField]: placed.created[placed.idField] ?? call[placed.idField],
			status: call.status ?? placed.created.status ?? null,
		},
		state?.outcome ?? NOTHING_KNOWN,
		[placed.idField, 'status'],
	);
	item.waitedSeconds = waited.waitedSeconds;
	if (waited.outcomeError) item.outcomeError = waited.outcomeError;
	item[CREATE_RESPONSE_FIELD] = pick(placed.created, [placed.idField, 'status']);
	return { ...item, ...NOT_SKIPPED };
}

/** Keeps the named fields that are present. */
export function pick(source: IDataObject | undefined, keys: string[]): IDataObject {
	const result: IDataObject = {};
	for (const key of keys) if (source && source[key] !== undefined) result[key] = source[key];
	return result;
}
