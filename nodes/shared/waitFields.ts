/**
 * The fields "Wait for Call to End" adds to an operation that can wait (declared by its `waits`),
 * and their reading for a run: on or off, the way to wait (Polling, or On Provider Callback where
 * the provider calls back), Max Wait and Poll Interval. The waiting itself is CallWaiter (wait.ts).
 */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { WaitSupport } from './types';

type WaitMode = 'polling' | 'callback';

export interface WaitSettings {
	mode: WaitMode;
	maxWaitMs: number;
	intervalMs: number;
}

const MAX_WAIT_SECONDS = 86_400;

/** The fields "Wait for Call to End" adds to an operation that can wait (declared by its `waits`). */
export function waitProperties(waits: WaitSupport, provider: string): INodeProperties[] {
	const callback = waits.callback;
	const properties: INodeProperties[] = [
		{
			displayName: 'Wait for Call to End',
			name: 'waitForCallToEnd',
			type: 'boolean',
			default: false,
			description:
				'Whether to wait until the call has ended (or Max Wait is over) and output it as it ended: its final status, summary and outcome as top-level fields',
		},
	];
	const showWaiting = { show: { waitForCallToEnd: [true] } };
	if (callback) {
		properties.push({
			displayName: 'Wait Using',
			name: 'waitMode',
			type: 'options',
			default: 'polling',
			displayOptions: showWaiting,
			options: [
				{
					name: 'Polling',
					value: 'polling',
					description:
						'This execution checks the status of all its calls every Poll Interval. Takes many items; the execution (and in queue mode a worker) stays busy until the calls end.',
				},
				{
					name: 'On Provider Callback',
					value: 'callback',
					description: `${provider} ${callback.how} when the call ends; the node then reads the call from ${provider}. The execution waits in n8n's database, holding no worker, and survives restarts. One item per execution.`,
				},
			],
		});
	}
	properties.push(
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_WAIT_SECONDS },
			default: 300,
			displayOptions: showWaiting,
			description:
				'How long to wait for the call to end. A call still running then is output with callEnded false and its last known status.',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollIntervalSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 300 },
			default: 10,
			displayOptions: callback
				? { show: { waitForCallToEnd: [true], waitMode: ['polling'] } }
				: showWaiting,
			description: "How often to check the status of the run's calls that have not ended yet",
		},
	);
	return properties;
}

/** Wait for Call to End as set on the node (one choice for the whole run), or undefined when off. */
export function readWaitSettings(
	fn: IExecuteFunctions,
	callbackSupported: boolean,
): WaitSettings | undefined {
	if (!fn.getNodeParameter('waitForCallToEnd', 0, false)) return undefined;
	const seconds = (name: string, fallback: number, min: number, max: number) => {
		const value = Number(fn.getNodeParameter(name, 0, fallback));
		return Math.min(max, Math.max(min, Number.isFinite(value) ? value : fallback)) * 1000;
	};
	const mode =
		callbackSupported && fn.getNodeParameter('waitMode', 0, 'polling') === 'callback'
			? 'callback'
			: 'polling';
	return {
		mode,
		maxWaitMs: seconds('maxWaitSeconds', 300, 1, MAX_WAIT_SECONDS),
		intervalMs: seconds('pollIntervalSeconds', 10, 1, 300),
	};
}
