/**
 * An AlloMia call in the shared vocabulary (nodes/shared/callOutcome.ts), for the three shapes
 * AlloMia gives a call in: the outbound call's status (Call → Get Status, the callbackUrl payload
 * the AlloMia Trigger receives, which "mirrors" it), the call record (Call → Get, Get Many), and
 * both joined (the wait reads the status, then the record). Every value below is one AlloMia
 * publishes; docs/call-outcomes.md#allomia is the table with each one's page.
 *
 * - `status` (get-outbound-call-status: "calling" in progress; "Terminal states are completed,
 *   failed, busy, and no-answer"): calling is a call going on, any other status one that ended
 *   (as the callback's end and the wait always read it), a status the page does not list
 *   `unknown`.
 * - `callOutcome` (get-call: "AI-extracted high-level outcome of the call (e.g.
 *   appointment_confirmed, voicemail_left, transferred_to_human)"): `outcome` as given. On a
 *   completed call, voicemail_left and transferred_to_human say how it ended; any other value
 *   (appointment_confirmed, or one the page does not list, e.g. a business result) leaves it
 *   completed, which the status says ("The call connected and ended normally").
 * - A call record has no status: it has ended once it has `callEndedAt`, and says how only
 *   through the three callOutcome examples (appointment_confirmed: the call connected).
 * - `callEndedReason` and `callDetails.endedReason`: no value is documented; kept as they are.
 * - `summary`: `callSummary` (the English one). `durationSeconds`: `callDurationSeconds`,
 *   documented as a string of seconds. `callDetails.duration` is a number whose unit the page
 *   does not give: not used, so the status alone (Get Status, the trigger) has no duration.
 * - `callBackAt`: AlloMia documents no callback time.
 */
import type { IDataObject } from 'n8n-workflow';
import {
	callOutcome,
	describedCall,
	lookUp,
	secondsOf,
	textOf,
	type CallOutcome,
	type EndReason,
} from '../shared/callOutcome';

/** The status of an outbound call that is still going on. */
const IN_PROGRESS = 'calling';

const TERMINAL_STATUS: Readonly<Record<string, EndReason>> = {
	completed: 'completed',
	failed: 'failed',
	busy: 'busy',
	'no-answer': 'no_answer',
};

/** The documented callOutcome examples, and how a call with each ended. */
const OUTCOME_REASON: Readonly<Record<string, EndReason>> = {
	appointment_confirmed: 'completed',
	voicemail_left: 'voicemail',
	transferred_to_human: 'transferred',
};

function endReason(status: string | null, callOutcomeValue: unknown): EndReason {
	const byOutcome = lookUp(OUTCOME_REASON, callOutcomeValue);
	if (status === null) return byOutcome ?? 'unknown';
	const byStatus = lookUp(TERMINAL_STATUS, status) ?? 'unknown';
	return byStatus === 'completed' ? (byOutcome ?? 'completed') : byStatus;
}

/**
 * A status, a record or both as an item: its ID (`outboundCallId`, a record's `id`) and `status`,
 * the vocabulary, then AlloMia's other fields.
 */
export function describedAlloMiaCall(call: IDataObject): IDataObject {
	return describedCall(call, describeAlloMiaCall(call), ['outboundCallId', 'id', 'status']);
}

export function describeAlloMiaCall(call: IDataObject): CallOutcome {
	const status = textOf(call.status);
	const ended = status !== null ? status !== IN_PROGRESS : textOf(call.callEndedAt) !== null;
	return callOutcome({
		ended,
		endReason: ended ? endReason(status, call.callOutcome) : undefined,
		outcome: textOf(call.callOutcome),
		summary: textOf(call.callSummary),
		durationSeconds: secondsOf(call.callDurationSeconds),
	});
}
