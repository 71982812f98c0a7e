/**
 * One ended-call vocabulary for the three providers (nodes/shared/callOutcome.ts,
 * docs/call-outcomes.md): `callEnded`, `endReason`, `callBackAt`, `outcome`, `summary` and
 * `durationSeconds`, the same names and values whichever provider placed the call, beside the
 * provider's own fields, which stay as the provider sent them.
 *
 * First each provider's describe function, table-driven, over every documented status and code
 * and the documentation's example payloads, and values the mapping does not know; then the same
 * mapping through the real nodes against the sandbox: the Get operations, Wait for Call to End
 * (polling) and the AlloMia and AICaller triggers, fed by the sandbox's own callback POSTs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import fc from 'fast-check';
import { WebhookContext } from 'n8n-core';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
} from 'n8n-workflow';

import { AiCallerTrigger } from '../../nodes/AiCaller/AiCallerTrigger.node';
import { describePhoneCall } from '../../nodes/AiCaller/callOutcome';
import { AlloMiaTrigger } from '../../nodes/AlloMia/AlloMiaTrigger.node';
import { describeAlloMiaCall } from '../../nodes/AlloMia/callOutcome';
import { describeConversation } from '../../nodes/HelloAnnie/callOutcome';
import { END_REASONS, type CallOutcome } from '../../nodes/shared/callOutcome';
import { endedVocabulary, vocabulary, VOCABULARY_FIELDS } from '../fixtures/call-outcome';
import { makeAdditionalData, storedWorkflow } from '../in-process/n8n-core';
import {
	runAiCaller,
	runAlloMia,
	runHelloAnnie,
	TEST_CALLBACK_TOKEN,
	TEST_WEBHOOK_SECRET,
} from '../in-process/providers';
import { useSandbox } from '../in-process/sandbox';
import { SANDBOX_FIXTURES } from '../sandbox/server';

/** An ended call's vocabulary: anything not given is null. */
const ended = (fields: Partial<CallOutcome> = {}): CallOutcome => endedVocabulary(fields);

/** A call going on: not ended, no end reason. */
const goingOn = (fields: Partial<CallOutcome> = {}): CallOutcome =>
	vocabulary({ ...fields, callEnded: false, endReason: null });

/** The vocabulary of an output item. */
function vocabularyOf(json: IDataObject): IDataObject {
	return Object.fromEntries(VOCABULARY_FIELDS.map((key) => [key, json[key]]));
}

/** What must hold for every description, whatever the provider gave. */
function expectConsistent(outcome: CallOutcome): void {
	expect(Object.keys(outcome).sort()).toEqual([...VOCABULARY_FIELDS].sort());
	if (outcome.callEnded) expect(END_REASONS).toContain(outcome.endReason);
	else expect(outcome.endReason).toBeNull();
	for (const text of [outcome.callBackAt, outcome.outcome, outcome.summary])
		expect(text === null || typeof text === 'string').toBe(true);
	if (outcome.durationSeconds !== null) {
		expect(Number.isFinite(outcome.durationSeconds)).toBe(true);
		expect(outcome.durationSeconds).toBeGreaterThanOrEqual(0);
	}
}

const AICALLER = SANDBOX_FIXTURES.aiCaller;
const ALLOMIA = SANDBOX_FIXTURES.alloMia;
const HELLOANNIE = SANDBOX_FIXTURES.helloAnnie;
const DOCS_CALL_ID = '12345678901234567890';
const CALL_LATER_AT = '2024-03-11T10:00:00Z';

// -------------------------------------------------------------------------------------------------
// The describe functions, from documented and recorded payloads

describe('AICaller: describePhoneCall', () => {
	const docsExample = AICALLER.calls.find((call) => call._id === DOCS_CALL_ID) as IDataObject;

	test.each<[string, IDataObject, CallOutcome]>([
		// status (Post Phonecall's enum; meanings: the status blog post)
		['queued', { status: 'queued' }, goingOn()],
		['ringing', { status: 'ringing' }, goingOn()],
		['inProgress', { status: 'inProgress' }, goingOn()],
		['completed, no statusExtraInfo', { status: 'completed' }, ended({ endReason: 'completed' })],
		['busy', { status: 'busy' }, ended({ endReason: 'busy' })],
		['noAnswer', { status: 'noAnswer' }, ended({ endReason: 'no_answer' })],
		['failed', { status: 'failed' }, ended({ endReason: 'failed' })],
		['cancelled', { status: 'cancelled' }, ended({ endReason: 'cancelled' })],
		[
			'canceled (the field description spelling)',
			{ status: 'canceled' },
			ended({ endReason: 'cancelled' }),
		],
		// statusExtraInfo.statusCode (the blog post's list; CALL_LATER from the Get pages' example)
		...(
			[
				['ENDED_NORMALLY', 'completed'],
				['IVR_DETECTED', 'ivr'],
				['VOICEMAIL_DETECTED', 'voicemail'],
				['DO_NOT_CALL', 'do_not_call'],
			] as const
		).map(([statusCode, endReason]): [string, IDataObject, CallOutcome] => [
			`completed, ${statusCode}`,
			{ status: 'completed', statusExtraInfo: { statusCode, dateTime: CALL_LATER_AT } },
			// A dateTime is a callback time only next to CALL_LATER.
			ended({ endReason }),
		]),
		[
			'completed, CALL_LATER with its dateTime',
			{
				status: 'completed',
				statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: CALL_LATER_AT },
			},
			ended({ endReason: 'call_later', callBackAt: CALL_LATER_AT }),
		],
		[
			'CALL_LATER without a dateTime',
			{ status: 'completed', statusExtraInfo: { statusCode: 'CALL_LATER' } },
			ended({ endReason: 'call_later' }),
		],
		[
			'CALL_LATER with a dateTime that is not an ISO time',
			{
				status: 'completed',
				statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: 'tomorrow 10am' },
			},
			ended({ endReason: 'call_later' }),
		],
		[
			'CALL_LATER with a dateTime without its offset',
			{
				status: 'completed',
				statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: '2024-03-11T10:00:00' },
			},
			ended({ endReason: 'call_later' }),
		],
		[
			'CALL_LATER with an offset',
			{
				status: 'completed',
				statusExtraInfo: { statusCode: 'CALL_LATER', dateTime: '2024-03-11T10:00:00.000-05:00' },
			},
			ended({ endReason: 'call_later', callBackAt: '2024-03-11T10:00:00.000-05:00' }),
		],
		// Values the mapping does not know
		[
			'completed with a code the pages do not list',
			{ status: 'completed', statusExtraInfo: { statusCode: 'HUMAN_HUNG_UP_EARLY' } },
			ended({ endReason: 'unknown' }),
		],
		[
			'busy with an undocumented code (the sandbox gives BUSY): the status says it',
			{ status: 'busy', statusExtraInfo: { statusCode: 'BUSY' } },
			ended({ endReason: 'busy' }),
		],
		[
			'noAnswer with an undocumented code',
			{ status: 'noAnswer', statusExtraInfo: { statusCode: 'NO_ANSWER' } },
			ended({ endReason: 'no_answer' }),
		],
		['a status the pages do not list: not taken as an end', { status: 'voicemail' }, goingOn()],
		['no status at all', {}, goingOn()],
		// The Get pages' example call, as given there: queued, with CALL_LATER and callDuration 60.
		[
			'the Get pages’ example call',
			docsExample,
			goingOn({ callBackAt: CALL_LATER_AT, durationSeconds: 60 }),
		],
		// callDuration: a number on the pages; seconds (see nodes/AiCaller/callOutcome.ts)
		[
			'callDuration 176',
			{ status: 'completed', callDuration: 176 },
			ended({ endReason: 'completed', durationSeconds: 176 }),
		],
		[
			'callDuration as a string',
			{ status: 'completed', callDuration: '42' },
			ended({ endReason: 'completed', durationSeconds: 42 }),
		],
		[
			'a negative callDuration',
			{ status: 'completed', callDuration: -1 },
			ended({ endReason: 'completed' }),
		],
		[
			'a callDuration that is no number',
			{ status: 'completed', callDuration: 'long' },
			ended({ endReason: 'completed' }),
		],
	])('%s', (_name, call, expected) => {
		const outcome = describePhoneCall(call);
		expect(outcome).toEqual(expected);
		expectConsistent(outcome);
	});
});

describe('AlloMia: describeAlloMiaCall', () => {
	const record = (fields: IDataObject): IDataObject => ({
		id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e51',
		callEndedAt: '2025-03-03T14:02:12.000Z',
		...fields,
	});

	test.each<[string, IDataObject, CallOutcome]>([
		// Get Outbound Call Status (and the callback, which mirrors it): status, callDetails
		['calling', { outboundCallId: 'x', status: 'calling' }, goingOn()],
		['completed', { status: 'completed' }, ended({ endReason: 'completed' })],
		['failed', { status: 'failed' }, ended({ endReason: 'failed' })],
		['busy', { status: 'busy' }, ended({ endReason: 'busy' })],
		['no-answer', { status: 'no-answer' }, ended({ endReason: 'no_answer' })],
		['a status the page does not list', { status: 'voicemail' }, ended({ endReason: 'unknown' })],
		[
			"the status page's example: callDetails.duration has no documented unit",
			{
				outboundCallId: '<string>',
				contactId: '<string>',
				status: 'completed',
				callDetails: {
					startedAt: '<string>',
					endedAt: '<string>',
					duration: 123,
					endedReason: '<string>',
				},
			},
			ended({ endReason: 'completed' }),
		],
		// The wait joins the status and the record: callOutcome says how a completed call ended
		[
			'completed, appointment_confirmed',
			{
				status: 'completed',
				callOutcome: 'appointment_confirmed',
				callSummary: 'Confirmed.',
				callDurationSeconds: '94',
			},
			ended({
				endReason: 'completed',
				outcome: 'appointment_confirmed',
				summary: 'Confirmed.',
				durationSeconds: 94,
			}),
		],
		[
			'completed, voicemail_left',
			{ status: 'completed', callOutcome: 'voicemail_left' },
			ended({ endReason: 'voicemail', outcome: 'voicemail_left' }),
		],
		[
			'completed, transferred_to_human',
			{ status: 'completed', callOutcome: 'transferred_to_human' },
			ended({ endReason: 'transferred', outcome: 'transferred_to_human' }),
		],
		[
			'completed, a callOutcome the page does not list: completed, the outcome kept',
			{ status: 'completed', callOutcome: 'appointment_rescheduled' },
			ended({ endReason: 'completed', outcome: 'appointment_rescheduled' }),
		],
		[
			'no-answer whatever the callOutcome',
			{ status: 'no-answer', callOutcome: 'voicemail_left' },
			ended({ endReason: 'no_answer', outcome: 'voicemail_left' }),
		],
		// Get Call / List Calls: a record has no status
		[
			'a record, appointment_confirmed',
			record({ callOutcome: 'appointment_confirmed' }),
			ended({ endReason: 'completed', outcome: 'appointment_confirmed' }),
		],
		[
			'a record, voicemail_left',
			record({ callOutcome: 'voicemail_left' }),
			ended({ endReason: 'voicemail', outcome: 'voicemail_left' }),
		],
		[
			'a record, transferred_to_human',
			record({ callOutcome: 'transferred_to_human' }),
			ended({ endReason: 'transferred', outcome: 'transferred_to_human' }),
		],
		[
			'a record without callOutcome',
			record({ callOutcome: null }),
			ended({ endReason: 'unknown' }),
		],
		[
			'a record, an unlisted callOutcome',
			record({ callOutcome: 'left_message' }),
			ended({ endReason: 'unknown', outcome: 'left_message' }),
		],
		['a record not ended yet', { id: 'x', callEndedAt: null }, goingOn()],
		[
			'callDurationSeconds is a string of seconds; callSummary the summary',
			record({ callDurationSeconds: '132', callSummary: 'Visitor asked about pricing.' }),
			ended({ durationSeconds: 132, summary: 'Visitor asked about pricing.' }),
		],
		['callDurationSeconds that is no number', record({ callDurationSeconds: 'n/a' }), ended({})],
	])('%s', (_name, call, expected) => {
		const outcome = describeAlloMiaCall(call);
		expect(outcome).toEqual(expected);
		expectConsistent(outcome);
	});
});

describe('HelloAnnie: describeConversation', () => {
	test.each<[string, IDataObject, CallOutcome]>([
		['OPEN', { status: 'OPEN', endTime: null }, goingOn()],
		[
			'CLOSING: post-conversation actions still run',
			{ status: 'CLOSING', endTime: '2023-11-07T05:31:56Z' },
			goingOn(),
		],
		[
			'CLOSED: ended, how is not documented',
			{ status: 'CLOSED', summary: 'Confirmed.' },
			ended({ summary: 'Confirmed.' }),
		],
		['closed in lower case', { status: 'closed' }, ended({})],
		['a status the pages do not show', { status: 'ARCHIVED' }, ended({})],
		['no status, an end time', { endTime: '2023-11-07T05:31:56Z' }, ended({})],
		['no status, no end time', { endTime: null }, goingOn()],
		[
			"get-conversation's example: duration 1500 without a unit",
			{
				conversationId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				conversationTags: ['<string>'],
				medium: 'CHAT',
				summary: '<string>',
				topic: '<string>',
				duration: 1500,
				startTime: '2023-11-07T05:31:56Z',
				endTime: '2023-11-07T05:31:56Z',
				status: 'OPEN',
			},
			goingOn({ summary: '<string>' }),
		],
	])('%s', (_name, conversation, expected) => {
		const outcome = describeConversation(conversation);
		expect(outcome).toEqual(expected);
		expectConsistent(outcome);
	});
});

test('whatever a provider sends, every description keeps the rules: an end reason from the list once ended, none before', () => {
	const word = fc.oneof(
		fc.constantFrom(
			'queued',
			'completed',
			'busy',
			'noAnswer',
			'canceled',
			'calling',
			'no-answer',
			'OPEN',
			'CLOSING',
			'CLOSED',
			'CALL_LATER',
			'voicemail_left',
			'constructor',
			'__proto__',
		),
		fc.string(),
	);
	const anyValue = fc.oneof(word, fc.integer(), fc.double(), fc.constant(null), fc.boolean());
	const call = fc.record(
		{
			status: anyValue,
			statusExtraInfo: fc.oneof(fc.record({ statusCode: anyValue, dateTime: anyValue }), anyValue),
			callOutcome: anyValue,
			callSummary: anyValue,
			summary: anyValue,
			callDuration: anyValue,
			callDurationSeconds: anyValue,
			callEndedAt: anyValue,
			endTime: anyValue,
		},
		{ requiredKeys: [] },
	);
	fc.assert(
		fc.property(call, (payload) => {
			const before = JSON.stringify(payload);
			for (const describe of [describePhoneCall, describeAlloMiaCall, describeConversation])
				expectConsistent(describe(payload as IDataObject));
			// Describing never changes the provider's fields.
			expect(JSON.stringify(payload)).toBe(before);
		}),
	);
});

// -------------------------------------------------------------------------------------------------
// Through the nodes, against the sandbox

const sandbox = useSandbox();

/** The first keys of an item: the ID and status the provider gives, then the vocabulary. */
const leading = (json: IDataObject, count: number) => Object.keys(json).slice(0, count);

const aiCallerCall = {
	resource: 'phoneCall',
	operation: 'create',
	teamId: AICALLER.teamId,
	callTemplateId: AICALLER.teamId,
	nameOfHuman: 'Jane',
	toPhoneNumber: '+15550102030',
};

const alloMiaCall = {
	resource: 'call',
	operation: 'createOutbound',
	phoneNumber: '+15145551234',
	assistantId: ALLOMIA.assistants[0].id,
	phoneNumberId: ALLOMIA.phoneNumbers[0].id,
};

const helloAnnieCall = {
	resource: 'call',
	operation: 'start',
	fromNumber: '+15551234567',
	toNumber: '+15559876543',
};

const polling = { waitForCallToEnd: true, maxWaitSeconds: 10, pollIntervalSeconds: 1 };

async function placeAiCallerCall(): Promise<string> {
	const created = await runAiCaller(sandbox, aiCallerCall);
	expect(created.error).toBeUndefined();
	return String(created.items[0].json._id);
}

async function getAiCallerCall(id: string): Promise<IDataObject> {
	const result = await runAiCaller(sandbox, {
		resource: 'phoneCall',
		operation: 'get',
		phoneCallId: id,
	});
	expect(result.error).toBeUndefined();
	return result.items[0].json;
}

/** Ends the call the node is waiting for as soon as the sandbox has it. */
function endWhenPlaced(end: () => Promise<unknown> | unknown, placed: () => boolean): () => void {
	const timer = setInterval(() => {
		if (!placed()) return;
		clearInterval(timer);
		void end();
	}, 20);
	return () => clearInterval(timer);
}

describe('AICaller Phone Call → Get, Get Many, the wait and the trigger', () => {
	test.each([
		['ENDED_NORMALLY', undefined, 'completed', null],
		['IVR_DETECTED', undefined, 'ivr', null],
		['VOICEMAIL_DETECTED', undefined, 'voicemail', null],
		['DO_NOT_CALL', undefined, 'do_not_call', null],
		['CALL_LATER', CALL_LATER_AT, 'call_later', CALL_LATER_AT],
		['HUMAN_HUNG_UP_EARLY (not documented)', undefined, 'unknown', null],
	])(
		'Get of a completed call with statusCode %s',
		async (code, dateTime, endReason, callBackAt) => {
			const id = await placeAiCallerCall();
			const statusCode = code.split(' ')[0];
			const statusExtraInfo = dateTime === undefined ? { statusCode } : { statusCode, dateTime };
			await sandbox.aiCaller.complete(id, 'completed', statusExtraInfo);
			const json = await getAiCallerCall(id);
			expect(vocabularyOf(json)).toEqual(
				ended({
					endReason: endReason as CallOutcome['endReason'],
					callBackAt,
					durationSeconds: json.callDuration as number,
				}),
			);
			// AICaller's own fields, as AICaller gave them.
			expect(json).toMatchObject({ _id: id, status: 'completed', statusExtraInfo });
			expect(leading(json, 8)).toEqual(['_id', 'status', ...VOCABULARY_FIELDS]);
		},
	);

	test.each([
		['busy', 'busy'],
		['noAnswer', 'no_answer'],
		['failed', 'failed'],
		['cancelled', 'cancelled'],
	] as const)(
		"Get of a call that ended %s: the status says how (the sandbox's own code is no vocabulary)",
		async (status, endReason) => {
			const id = await placeAiCallerCall();
			await sandbox.aiCaller.complete(id, status);
			const json = await getAiCallerCall(id);
			expect(vocabularyOf(json)).toEqual(ended({ endReason, durationSeconds: 0 }));
			expect(json).toMatchObject({ status, statusExtraInfo: { statusCode: expect.any(String) } });
		},
	);

	test('Get of a call AICaller reports "canceled" (the field description\'s spelling)', async () => {
		const answer = await fetch(`${sandbox.baseUrls.aiCaller}/v1/phoneCalls`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'aicaller-api-key': AICALLER.apiKey },
			body: JSON.stringify({
				teamId: AICALLER.teamId,
				callTemplateId: AICALLER.teamId,
				nameOfHuman: 'Jane',
				toPhoneNumber: '+15550102030',
				promptVariableValues: [],
				status: 'canceled',
			}),
		});
		const { data } = (await answer.json()) as { data: { _id: string } };
		const json = await getAiCallerCall(data._id);
		expect(json).toMatchObject({ status: 'canceled', callEnded: true, endReason: 'cancelled' });
	});

	test('Get Many: each call with the vocabulary, the example call with its callback time while still queued', async () => {
		const result = await runAiCaller(sandbox, {
			resource: 'phoneCall',
			operation: 'getAll',
			returnAll: true,
		});
		expect(result.error).toBeUndefined();
		const byId = new Map(result.items.map((item) => [String(item.json._id), item.json]));
		expect(vocabularyOf(byId.get('6553a1f0c2b4d5e6f7a8b9c1') ?? {})).toEqual(
			ended({ endReason: 'completed', durationSeconds: 176 }),
		);
		// The sandbox's NO_ANSWER code is not AICaller's: the status noAnswer says how it ended.
		expect(vocabularyOf(byId.get('6553a1f0c2b4d5e6f7a8b9c2') ?? {})).toEqual(
			ended({ endReason: 'no_answer', durationSeconds: 0 }),
		);
		expect(vocabularyOf(byId.get('6553a1f0c2b4d5e6f7a8b9c3') ?? {})).toEqual(goingOn());
		expect(vocabularyOf(byId.get(DOCS_CALL_ID) ?? {})).toEqual(
			goingOn({ callBackAt: CALL_LATER_AT, durationSeconds: 60 }),
		);
		for (const item of result.items)
			expect(leading(item.json, 8)).toEqual(['_id', 'status', ...VOCABULARY_FIELDS]);
	});

	test('the wait: a call that ends asking to be called later comes out as call_later with its callback time', async () => {
		const stop = endWhenPlaced(
			() => {
				const call = sandbox.aiCaller.state.calls.find(
					(c) => c.status === 'queued' && c.nameOfHuman === 'Jane',
				);
				return (
					call &&
					sandbox.aiCaller.complete(call._id, 'completed', {
						statusCode: 'CALL_LATER',
						dateTime: CALL_LATER_AT,
					})
				);
			},
			() =>
				sandbox.aiCaller.state.calls.some((c) => c.status === 'queued' && c.nameOfHuman === 'Jane'),
		);
		try {
			const result = await runAiCaller(sandbox, { ...aiCallerCall, ...polling });
			expect(result.error).toBeUndefined();
			const json = result.items[0].json;
			expect(vocabularyOf(json)).toEqual(
				ended({
					endReason: 'call_later',
					callBackAt: CALL_LATER_AT,
					durationSeconds: json.callDuration as number,
				}),
			);
			expect(json.statusExtraInfo).toEqual({ statusCode: 'CALL_LATER', dateTime: CALL_LATER_AT });
			expect(leading(json, 8)).toEqual(['_id', 'status', ...VOCABULARY_FIELDS]);
		} finally {
			stop();
		}
	});

	describe('call_later fed back into Create: scheduled for the moment the person asked for', () => {
		/** The ended call a Switch on endReason routes to "call back": the output of Phone Call → Get. */
		async function calledBackItem(callBackAt: string): Promise<IDataObject> {
			const id = await placeAiCallerCall();
			await sandbox.aiCaller.complete(id, 'completed', {
				statusCode: 'CALL_LATER',
				dateTime: callBackAt,
			});
			const json = await getAiCallerCall(id);
			expect(json).toMatchObject({ endReason: 'call_later', callBackAt });
			return json;
		}
		/** Phone Call → Create as the example workflow maps it: the person and the time from the item. */
		const callBack = (requestOptions: IDataObject = {}) => ({
			...aiCallerCall,
			nameOfHuman: '={{ $json.nameOfHuman }}',
			toPhoneNumber: '={{ $json.toPhoneNumber }}',
			additionalFields: { callDelayedUntil: '={{ $json.callBackAt }}' },
			requestOptions,
		});
		const hours = (earliest: string, latest: string) => ({
			hours: {
				timeZone: 'UTC',
				earliest,
				latest,
				days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
				outsideHours: 'schedule',
			},
		});
		const lastCreate = () =>
			sandbox
				.requestsFor('aicaller')
				.filter((r) => r.method === 'POST' && r.path.endsWith('/phoneCalls'))
				.at(-1);

		test('within Calling Hours: the call is created for callBackAt', async () => {
			const item = await calledBackItem('2030-03-11T15:00:00Z');
			const result = await runAiCaller(
				sandbox,
				callBack({ callingHours: hours('09:00', '20:00') }),
				{ items: [item] },
			);
			expect(result.error).toBeUndefined();
			expect(lastCreate()?.body).toMatchObject({
				nameOfHuman: 'Jane',
				toPhoneNumber: '+15550102030',
				callDelayedUntil: '2030-03-11T15:00:00.000Z',
			});
			expect(lastCreate()?.valid).toBe(true);
			expect(result.items[0].json).toMatchObject({ skipped: false, status: 'queued' });
		});

		test('callBackAt outside Calling Hours: the call is created for the next allowed moment after it', async () => {
			const item = await calledBackItem('2030-03-11T22:30:00Z');
			const result = await runAiCaller(
				sandbox,
				callBack({ callingHours: hours('09:00', '20:00') }),
				{ items: [item] },
			);
			expect(result.error).toBeUndefined();
			expect(lastCreate()?.body).toMatchObject({ callDelayedUntil: '2030-03-12T09:00:00.000Z' });
		});
	});

	test('the trigger: phoneCall.completed carries the vocabulary top-level, after event and before data', async () => {
		const receiver = new TriggerReceiver(
			new AiCallerTrigger(),
			'n8n-nodes-ai-phone-agents.aiCallerTrigger',
			{ events: ['phoneCall.completed'], secretCheck: 'any' },
			{ aiCallerWebhookApi: { secret: TEST_WEBHOOK_SECRET } },
		);
		await receiver.start();
		try {
			const created = await runAiCaller(sandbox, {
				...aiCallerCall,
				phoneCallWebhooks: {
					webhook: [{ url: receiver.url, subscribedEvent: 'phoneCall.completed' }],
				},
				addWebhookSecret: true,
			});
			const id = String(created.items[0].json._id);
			const { webhooks } = await sandbox.aiCaller.complete(id, 'completed', {
				statusCode: 'VOICEMAIL_DETECTED',
			});
			expect(webhooks.map((webhook) => webhook.status)).toEqual([200]);
			const [item] = receiver.deliveries[0]?.items ?? [];
			expect(Object.keys(item)).toEqual(['event', ...VOCABULARY_FIELDS, 'data']);
			expect(item).toMatchObject({
				event: 'phoneCall.completed',
				...ended({
					endReason: 'voicemail',
					durationSeconds: expect.any(Number) as unknown as number,
				}),
				data: {
					_id: id,
					status: 'completed',
					statusExtraInfo: { statusCode: 'VOICEMAIL_DETECTED' },
				},
			});
			expect(JSON.stringify(item)).not.toContain(TEST_WEBHOOK_SECRET);
		} finally {
			await receiver.stop();
		}
	});
});

describe('AlloMia Call → Get Status, Get, Get Many, the wait and the trigger', () => {
	async function placeAlloMiaCall(parameters: IDataObject = {}): Promise<string> {
		const created = await runAlloMia(sandbox, { ...alloMiaCall, ...parameters });
		expect(created.error).toBeUndefined();
		return String(created.items[0].json.outboundCallId);
	}

	test.each([
		['completed', 'completed'],
		['failed', 'failed'],
		['busy', 'busy'],
		['no-answer', 'no_answer'],
	] as const)('Get Status of a call that ended %s', async (status, endReason) => {
		const id = await placeAlloMiaCall();
		await sandbox.alloMia.complete(id, status);
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getStatus',
			outboundCallId: id,
		});
		const json = result.items[0].json;
		// The status has no outcome or summary, and its callDetails.duration has no documented unit.
		expect(vocabularyOf(json)).toEqual(ended({ endReason }));
		expect(json).toMatchObject({
			outboundCallId: id,
			status,
			callDetails: { duration: expect.any(Number) },
		});
		expect(leading(json, 8)).toEqual(['outboundCallId', 'status', ...VOCABULARY_FIELDS]);
	});

	test('Get Status of a call still calling: not ended, no end reason', async () => {
		const id = await placeAlloMiaCall();
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getStatus',
			outboundCallId: id,
		});
		expect(vocabularyOf(result.items[0].json)).toEqual(goingOn());
	});

	test.each([
		['appointment_confirmed', 'completed'],
		['voicemail_left', 'voicemail'],
		['transferred_to_human', 'transferred'],
		['appointment_rescheduled', 'unknown'],
		[null, 'unknown'],
	] as const)('Get of a completed call whose callOutcome is %s', async (callOutcome, endReason) => {
		const id = await placeAlloMiaCall();
		await sandbox.alloMia.complete(id, 'completed', {
			duration: 75,
			callOutcome,
			callSummary: 'Summary.',
		});
		const result = await runAlloMia(sandbox, { resource: 'call', operation: 'get', callId: id });
		const json = result.items[0].json;
		// A record has no status: only the documented callOutcome examples say how it ended.
		expect(vocabularyOf(json)).toEqual(
			ended({ endReason, outcome: callOutcome, summary: 'Summary.', durationSeconds: 75 }),
		);
		expect(json).toMatchObject({
			id,
			callOutcome,
			callSummary: 'Summary.',
			callDurationSeconds: '75',
		});
		expect(json).not.toHaveProperty('status');
		expect(leading(json, 7)).toEqual(['id', ...VOCABULARY_FIELDS]);
	});

	test('Get Many: the list gives no outcome, so an ended call is unknown, its duration read from the string', async () => {
		const result = await runAlloMia(sandbox, {
			resource: 'call',
			operation: 'getAll',
			returnAll: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(ALLOMIA.calls.length);
		for (const item of result.items) {
			expect(vocabularyOf(item.json)).toEqual(
				ended({ durationSeconds: Number(item.json.callDurationSeconds) }),
			);
			expect(typeof item.json.callDurationSeconds).toBe('string');
		}
	});

	test.each([
		['voicemail_left', 'voicemail'],
		['transferred_to_human', 'transferred'],
		['appointment_rescheduled', 'completed'],
	] as const)(
		'the wait: a completed call whose callOutcome is %s',
		async (callOutcome, endReason) => {
			const stop = endWhenPlaced(
				() => {
					const placed = sandbox.alloMia.state.outboundCalls.find((c) => c.status === 'calling');
					return (
						placed &&
						sandbox.alloMia.complete(placed.outboundCallId, 'completed', {
							duration: 30,
							callOutcome,
							callSummary: 'Summary.',
						})
					);
				},
				() => sandbox.alloMia.state.outboundCalls.some((c) => c.status === 'calling'),
			);
			try {
				const result = await runAlloMia(sandbox, { ...alloMiaCall, ...polling });
				expect(result.error).toBeUndefined();
				const json = result.items[0].json;
				// The status is completed; the record's callOutcome says how, and stays as AlloMia wrote it.
				expect(vocabularyOf(json)).toEqual(
					ended({ endReason, outcome: callOutcome, summary: 'Summary.', durationSeconds: 30 }),
				);
				expect(json).toMatchObject({ status: 'completed', callOutcome, callSummary: 'Summary.' });
			} finally {
				stop();
			}
		},
	);

	test.each([
		['no-answer', 'no_answer'],
		['completed', 'completed'],
	] as const)(
		'the trigger: the callback of a call that ended %s carries the vocabulary',
		async (status, endReason) => {
			const receiver = new TriggerReceiver(
				new AlloMiaTrigger(),
				'n8n-nodes-ai-phone-agents.alloMiaTrigger',
				{ statuses: [] },
				{ alloMiaCallbackApi: { token: TEST_CALLBACK_TOKEN } },
			);
			await receiver.start();
			try {
				const id = await placeAlloMiaCall({ callbackUrl: receiver.url, addCallbackToken: true });
				const completion = await sandbox.alloMia.complete(id, status);
				expect(completion.callback?.status).toBe(200);
				const [item] = receiver.deliveries[0]?.items ?? [];
				// The payload mirrors Get Status: the same item Get Status gives.
				expect(item).toEqual({
					outboundCallId: id,
					status,
					...ended({ endReason }),
					contactId: completion.status.contactId,
					callDetails: completion.status.callDetails,
				});
				expect(Object.keys(item).slice(0, 8)).toEqual([
					'outboundCallId',
					'status',
					...VOCABULARY_FIELDS,
				]);
			} finally {
				await receiver.stop();
			}
		},
	);
});

describe('HelloAnnie Conversation → Get, Get Many and the wait', () => {
	async function startCall(): Promise<string> {
		const started = await runHelloAnnie(sandbox, helloAnnieCall);
		expect(started.error).toBeUndefined();
		return String(started.items[0].json.conversationId);
	}

	async function getConversation(id: string): Promise<IDataObject> {
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: id,
		});
		expect(result.error).toBeUndefined();
		return result.items[0].json;
	}

	test.each(['completed', 'no-answer', 'voicemail', 'busy'] as const)(
		"Get of a CLOSED call (the sandbox ended it %s): ended, how unknown, with its summary; the tags stay HelloAnnie's",
		async (ending) => {
			const id = await startCall();
			const closed = sandbox.helloAnnie.endCall(id, ending);
			const json = await getConversation(id);
			// HelloAnnie documents no ended reason: what the sandbox's tags and summary say is not read.
			expect(vocabularyOf(json)).toEqual(ended({ summary: closed.summary }));
			expect(json).toMatchObject({
				status: 'CLOSED',
				summary: closed.summary,
				conversationTags: closed.conversationTags,
				duration: closed.duration,
			});
			expect(leading(json, 8)).toEqual(['conversationId', 'status', ...VOCABULARY_FIELDS]);
		},
	);

	test('Get of a CLOSING call: not ended yet (post-conversation actions running), then CLOSED', async () => {
		const id = await startCall();
		sandbox.helloAnnie.endCall(id, 'completed', 'CLOSING');
		const closing = await getConversation(id);
		expect(closing).toMatchObject({ status: 'CLOSING', endTime: expect.any(String) });
		expect(vocabularyOf(closing)).toEqual(goingOn());
		sandbox.helloAnnie.endCall(id, 'completed');
		expect(vocabularyOf(await getConversation(id))).toEqual(
			ended({ summary: 'The patient answered and confirmed the appointment.' }),
		);
	});

	test('Get Many: a closed call ended, an open SMS not', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'getAll',
			returnAll: true,
		});
		expect(result.error).toBeUndefined();
		const [closedCall, openSms] = HELLOANNIE.conversations;
		const byId = new Map(result.items.map((item) => [String(item.json.conversationId), item.json]));
		expect(vocabularyOf(byId.get(closedCall.conversationId) ?? {})).toEqual(
			ended({ summary: closedCall.summary }),
		);
		expect(vocabularyOf(byId.get(openSms.conversationId) ?? {})).toEqual(
			goingOn({ summary: openSms.summary }),
		);
	});

	test('the wait: a call that reaches voicemail ends the wait, how it ended unknown, its summary kept', async () => {
		const placed = () =>
			sandbox.helloAnnie.state.conversations.find(
				(c) => c.medium === 'CALL' && c.status === 'OPEN' && c.request !== undefined,
			);
		const stop = endWhenPlaced(
			() => {
				const conversation = placed();
				return conversation && sandbox.helloAnnie.endCall(conversation.conversationId, 'voicemail');
			},
			() => placed() !== undefined,
		);
		try {
			const result = await runHelloAnnie(sandbox, { ...helloAnnieCall, ...polling });
			expect(result.error).toBeUndefined();
			const json = result.items[0].json;
			expect(vocabularyOf(json)).toEqual(ended({ summary: json.summary as string }));
			expect(json).toMatchObject({
				status: 'CLOSED',
				conversationTags: ['voicemail'],
				summary: expect.stringContaining('voicemail'),
			});
		} finally {
			stop();
		}
	});
});

// -------------------------------------------------------------------------------------------------
// A trigger's webhook, as n8n's webhook route runs it

/**
 * A 127.0.0.1 server standing for n8n's production webhook URL of one trigger: each POST (the
 * sandbox's callback) is handed to the node's webhook() through n8n-core's WebhookContext, with
 * the body parsed and kept raw as n8n's body parser leaves it, and its items recorded.
 */
class TriggerReceiver {
	readonly deliveries: Array<{ status: number; items?: IDataObject[] }> = [];

	url = '';

	private server: Server | undefined;

	private readonly node: INode;

	private readonly webhookId = randomUUID();

	constructor(
		private readonly trigger: INodeType,
		type: string,
		parameters: INodeParameters,
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
	) {
		this.node = {
			id: randomUUID(),
			name: 'Trigger',
			type,
			typeVersion: 1,
			position: [0, 0],
			parameters,
			credentials: Object.fromEntries(
				Object.keys(credentials).map((name) => [name, { id: `cred-${name}`, name }]),
			),
			webhookId: this.webhookId,
		};
	}

	async start(): Promise<void> {
		const server = createServer((request, response) => {
			this.serve(request, response).catch((error: unknown) => {
				response.statusCode = 500;
				response.end(String(error));
			});
		});
		this.server = server;
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/${this.webhookId}`;
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
	}

	private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const rawBody = Buffer.concat(chunks);
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		Object.assign(request, {
			rawBody,
			body: JSON.parse(rawBody.toString('utf8')) as unknown,
			params: {},
			query: Object.fromEntries(url.searchParams),
		});
		const reply = {
			setHeader: (name: string, value: string) => response.setHeader(name, value),
			status(code: number) {
				response.statusCode = code;
				return reply;
			},
			json(body: unknown) {
				response.setHeader('content-type', 'application/json');
				response.end(JSON.stringify(body));
			},
		};
		const trigger = this.trigger;
		const nodeTypes: INodeTypes = {
			getByName: () => trigger,
			getByNameAndVersion: () => trigger,
			getKnownTypes: () => ({}),
		};
		const workflowId = 'outcomes-trigger';
		const workflow = new Workflow({
			id: workflowId,
			name: 'Trigger',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: {},
		});
		const additionalData = makeAdditionalData(
			storedWorkflow(workflowId, 'Trigger', [this.node], {}),
			this.credentials,
		);
		Object.assign(additionalData, { httpRequest: request, httpResponse: reply });
		const [description] = trigger.description.webhooks ?? [];
		const context = new WebhookContext(
			workflow,
			this.node,
			additionalData,
			'webhook',
			{
				httpMethod: 'POST',
				node: this.node.name,
				path: `${this.webhookId}/${String(description.path)}`,
				webhookDescription: description,
				workflowId,
				workflowExecuteAdditionalData: additionalData,
				webhookId: this.webhookId,
			},
			[],
			null,
		);
		if (!trigger.webhook) throw new Error('the node has no webhook method');
		const result = await trigger.webhook.call(context);
		const items = result.workflowData?.[0].map((item) => item.json);
		if (items) reply.status(200).json({ message: 'Workflow was started' });
		else if (!result.noWebhookResponse) reply.status(200).json(result.webhookResponse);
		this.deliveries.push({ status: response.statusCode, items });
	}
}
