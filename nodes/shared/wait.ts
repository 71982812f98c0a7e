/**
 * "Wait for Call to End": after a call was placed, poll the provider's status until the call
 * reached a terminal state or the maximum wait ran out, and return the outcome with the call.
 *
 * Once the call was placed, the item never fails because of the wait: a poll that keeps
 * failing or a call still running at the deadline is reported in the output (`callEnded:
 * false`, `outcomeError`). Failing the item would invite running it again, which would dial the
 * patient twice. For long calls, use the provider's callback with a Wait node instead.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import type { OperationContext } from './types';

export interface WaitSettings {
	maxWaitMs: number;
	intervalMs: number;
}

export const waitProperties: INodeProperties[] = [
	{
		displayName: 'Wait for Call to End',
		name: 'waitForCallToEnd',
		type: 'boolean',
		default: false,
		description:
			'Whether to keep checking the call\'s status until it has ended (or the maximum wait is over) and output its outcome. For long waits, use a callback to a Wait node instead.',
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWaitSeconds',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 3600 },
		default: 300,
		displayOptions: { show: { waitForCallToEnd: [true] } },
		description: 'How long to wait for the call to end before outputting what is known',
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 300 },
		default: 10,
		displayOptions: { show: { waitForCallToEnd: [true] } },
		description: 'How often to check the call\'s status',
	},
];

export function readWaitSettings(fn: IExecuteFunctions, itemIndex: number): WaitSettings | undefined {
	if (!fn.getNodeParameter('waitForCallToEnd', itemIndex, false)) return undefined;
	const seconds = (name: string, fallback: number, min: number, max: number) => {
		const value = Number(fn.getNodeParameter(name, itemIndex, fallback));
		return Math.min(max, Math.max(min, Number.isFinite(value) ? value : fallback)) * 1000;
	};
	return {
		maxWaitMs: seconds('maxWaitSeconds', 300, 1, 3600),
		intervalMs: seconds('pollIntervalSeconds', 10, 1, 300),
	};
}

export interface CallOutcome {
	ended: boolean;
	outcome?: IDataObject;
}

/**
 * Polls `check` every interval until it reports the call ended or the deadline passed. The
 * result is merged into the created call's output.
 */
export async function waitForCallEnd(
	ctx: OperationContext,
	created: IDataObject,
	check: () => Promise<CallOutcome>,
): Promise<IDataObject> {
	const settings = readWaitSettings(ctx.fn, ctx.itemIndex);
	if (!settings) return created;
	const started = Date.now();
	let last: CallOutcome = { ended: false };
	let outcomeError: string | undefined;
	for (;;) {
		const remaining = settings.maxWaitMs - (Date.now() - started);
		if (remaining <= 0) break;
		await sleep(Math.min(settings.intervalMs, remaining));
		try {
			last = await check();
			outcomeError = undefined;
		} catch (error) {
			outcomeError = error instanceof Error ? error.message : String(error);
		}
		if (last.ended) break;
	}
	return {
		...created,
		callEnded: last.ended,
		waitedSeconds: Math.round((Date.now() - started) / 1000),
		...(last.outcome ? { outcome: last.outcome } : {}),
		...(outcomeError ? { outcomeError } : {}),
	};
}

/** Keeps the named fields that are present. */
export function pick(source: IDataObject | undefined, keys: string[]): IDataObject {
	const result: IDataObject = {};
	for (const key of keys) if (source && source[key] !== undefined) result[key] = source[key];
	return result;
}
