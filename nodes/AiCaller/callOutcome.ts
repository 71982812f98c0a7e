/**
 * An AICaller phone call in the shared vocabulary (nodes/shared/callOutcome.ts), for the wait,
 * Phone Call → Get and Get Many, and the AICaller Trigger's payload (`data`). Every value below
 * is one AICaller publishes; docs/call-outcomes.md#aicaller is the table with each one's page.
 *
 * - `status` (Post Phonecall's enum; meanings: the blog post "Possible Status on AICaller and what
 *   they mean", https://aicaller.io/possible-status-on-aicaller-and-what-they-mean): queued,
 *   ringing and inProgress are a call going on; busy, failed, noAnswer, cancelled (the field's
 *   description spells it "canceled") and completed are how it ended. A status the pages do not
 *   list counts as not ended, as the wait always treated it.
 * - `statusExtraInfo.statusCode`, "what happened on the call" once it was answered (the same blog
 *   post: ENDED_NORMALLY, IVR_DETECTED, VOICEMAIL_DETECTED, DO_NOT_CALL; CALL_LATER from the Get
 *   pages' example). A listed code says how an ended call ended. A code the pages do not list, on a
 *   completed call, is `unknown` (the list is only partly readable, so such a code may say the
 *   call did not end normally); on a call that was never answered (busy, noAnswer, failed,
 *   cancelled) the status says how it ended.
 * - `callBackAt`: `statusExtraInfo.dateTime` next to CALL_LATER, the only pairing the pages show
 *   (the Get pages' example: { statusCode: "CALL_LATER", dateTime: "2024-03-11T10:00:00Z" }).
 * - `durationSeconds`: `callDuration`. The pages give no unit; their example (60, for a call
 *   whose callStartedAt and callEndedAt are 57 s apart) fits seconds and no other unit.
 * - `outcome`, `summary`: AICaller documents neither (`resultValues` are the call template's own
 *   columns, kept as they are).
 */
import type { IDataObject } from 'n8n-workflow';
import {
	callOutcome,
	describedCall,
	isoTimeOf,
	lookUp,
	objectOf,
	secondsOf,
	type CallOutcome,
	type EndReason,
} from '../shared/callOutcome';

/** The statuses of a call that has ended, and how each reads. */
const ENDED_STATUS: Readonly<Record<string, EndReason>> = {
	completed: 'completed',
	busy: 'busy',
	noAnswer: 'no_answer',
	failed: 'failed',
	cancelled: 'cancelled',
	canceled: 'cancelled',
};

/** The ended statuses of a call nobody answered: statusExtraInfo is "Once the call is answered". */
const NEVER_ANSWERED = new Set(['busy', 'noAnswer', 'failed', 'cancelled', 'canceled']);

/** The documented statusExtraInfo.statusCode values. */
const STATUS_CODE: Readonly<Record<string, EndReason>> = {
	ENDED_NORMALLY: 'completed',
	IVR_DETECTED: 'ivr',
	VOICEMAIL_DETECTED: 'voicemail',
	DO_NOT_CALL: 'do_not_call',
	CALL_LATER: 'call_later',
};

const CALL_LATER = 'CALL_LATER';

/** How an ended call ended: a documented code first, else what its status and code allow. */
function endReason(status: string, statusCode: unknown): EndReason {
	const byCode = lookUp(STATUS_CODE, statusCode);
	if (byCode) return byCode;
	// A call without a code (statusExtraInfo's properties are all optional) is what its status says.
	if (NEVER_ANSWERED.has(status) || statusCode === undefined || statusCode === null)
		return ENDED_STATUS[status];
	return 'unknown';
}

/** A phone call as an item: its `_id` and `status`, the vocabulary, then AICaller's other fields. */
export function describedPhoneCall(call: IDataObject): IDataObject {
	return describedCall(call, describePhoneCall(call), ['_id', 'status']);
}

export function describePhoneCall(call: IDataObject): CallOutcome {
	const extra = objectOf(call.statusExtraInfo);
	const status = lookUp(ENDED_STATUS, call.status) ? String(call.status) : undefined;
	return callOutcome({
		ended: status !== undefined,
		endReason: status === undefined ? undefined : endReason(status, extra.statusCode),
		callBackAt: extra.statusCode === CALL_LATER ? isoTimeOf(extra.dateTime) : null,
		durationSeconds: secondsOf(call.callDuration),
	});
}
