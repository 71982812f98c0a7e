/**
 * A HelloAnnie conversation in the shared vocabulary (nodes/shared/callOutcome.ts), for the wait
 * of Call → Start and Conversation → Get and Get Many. docs/call-outcomes.md#helloannie is the
 * table with each value's page.
 *
 * HelloAnnie's pages show a conversation's `status` as OPEN (get-conversation), CLOSING and
 * CLOSED (close-conversation: "Duplicate close requests return the current CLOSING or CLOSED
 * status"), with no list and no meaning. OPEN is a conversation going on; CLOSING one whose
 * post-conversation actions still run (its summary may not be there yet); any other status one
 * that has ended, as the wait always read it. Without a status, an end time says it ended.
 *
 * HelloAnnie documents no ended reason, no outcome, no callback time and no unit for `duration`
 * (its example's start and end times are equal), so an ended conversation is `unknown` and only
 * `summary` is filled in: the provider's own fields (tags, topic, duration) stay as they are.
 */
import type { IDataObject } from 'n8n-workflow';
import { callOutcome, describedCall, textOf, type CallOutcome } from '../shared/callOutcome';

const GOING_ON = new Set(['OPEN', 'CLOSING']);

/** A conversation as an item: its `conversationId` and `status`, the vocabulary, then the rest. */
export function describedConversation(conversation: IDataObject): IDataObject {
	return describedCall(conversation, describeConversation(conversation), [
		'conversationId',
		'status',
	]);
}

export function describeConversation(conversation: IDataObject): CallOutcome {
	const status = textOf(conversation.status)?.toUpperCase() ?? '';
	return callOutcome({
		ended: status === '' ? Boolean(conversation.endTime) : !GOING_ON.has(status),
		summary: textOf(conversation.summary),
	});
}
