/**
 * Bad input, property-based: for every HelloAnnie operation 1,000 generated parameter sets,
 * half valid and half invalid in one field. The node never crashes, every invalid set gives a
 * NodeOperationError naming its field and sends nothing, every valid set passes the sandbox's
 * contract validation (written from the documentation, not from the node's schemas).
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';
import { useSandbox } from '../in-process/sandbox';
import {
	badDate,
	checkRun,
	fromItem,
	invalidPhone,
	mutate,
	notUuid,
	pastDate,
	sample,
	text,
	tooLong,
	uuid,
	validPhone,
	type ParameterSet,
} from '../in-process/properties';
import { runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const F = SANDBOX_FIXTURES.helloAnnie;
const SETS = 1000;

const sandbox = useSandbox();

async function check(
	operation: IDataObject,
	names: Array<string | [string, string[]]>,
	sets: ParameterSet[],
	requestsPerValidSet = 1,
) {
	const result = await runHelloAnnie(
		sandbox,
		{ ...operation, ...fromItem(names) },
		{ items: sets.map((set) => ({ p: set.params })), continueOnFail: true },
	);
	const failures = checkRun(sets, result, sandbox.requestsFor('helloannie'), requestsPerValidSet);
	expect(failures.slice(0, 10)).toEqual([]);
	expect(sets.length).toBeGreaterThanOrEqual(SETS);
}

const fromNumber = fc.constantFrom(...F.phoneNumbers.map((p) => p.number), '+1 (555) 123-4567');

const patient = fc.record(
	{ firstName: text(40), lastName: text(40), dateOfBirth: pastDate, patientId: text(20) },
	{ requiredKeys: [] },
);

const appointment = fc
	.record({
		start: fc.date({
			min: new Date('2025-01-01T00:00:00Z'),
			max: new Date('2030-12-31T00:00:00Z'),
			noInvalidDate: true,
		}),
		minutes: fc.integer({ min: 5, max: 180 }),
		offset: fc.constantFrom('-06:00', '-05:00', 'Z', '+01:00', ''),
		appointmentTypeId: text(30),
		appointmentDescription: text(80),
		appointmentId: text(12),
	})
	.chain(({ start, minutes, offset, ...rest }) =>
		fc
			.subarray([
				'startTime',
				'endTime',
				'appointmentTypeId',
				'appointmentDescription',
				'appointmentId',
			])
			.map((keys) => {
				const at = (d: Date) => `${d.toISOString().slice(0, 19)}${offset}`;
				const all: IDataObject = {
					startTime: at(start),
					endTime: at(new Date(start.getTime() + minutes * 60000)),
					...rest,
				};
				return Object.fromEntries(keys.map((k) => [k, all[k]]));
			}),
	);

const conversationFields = {
	fromNumber,
	toNumber: validPhone,
	patientInfo: patient,
	appointmentInfo: appointment,
	context: fc.option(text(500), { nil: undefined }),
};

const conversationMutations: Array<[string, fc.Arbitrary<(p: IDataObject) => IDataObject>]> = [
	['toNumber', invalidPhone.map((v) => (p: IDataObject) => ({ ...p, toNumber: v }))],
	['toNumber', fc.constant((p: IDataObject) => ({ ...p, toNumber: '' }))],
	['fromNumber', invalidPhone.map((v) => (p: IDataObject) => ({ ...p, fromNumber: v }))],
	['context', tooLong(500).map((v) => (p: IDataObject) => ({ ...p, context: v }))],
	[
		'patientInfo.firstName',
		tooLong(100).map((v) => (p: IDataObject) => ({
			...p,
			patientInfo: { ...(p.patientInfo as IDataObject), firstName: v },
		})),
	],
	[
		'patientInfo.dateOfBirth',
		badDate.map((v) => (p: IDataObject) => ({
			...p,
			patientInfo: { ...(p.patientInfo as IDataObject), dateOfBirth: v },
		})),
	],
	[
		'appointmentInfo.startTime',
		fc
			.constantFrom('next Tuesday', '2025-13-01T10:00:00', '10:00', '2025-03-10T25:00:00')
			.map((v) => (p: IDataObject) => ({
				...p,
				appointmentInfo: { ...(p.appointmentInfo as IDataObject), startTime: v },
			})),
	],
	[
		'appointmentInfo.endTime',
		fc.constant((p: IDataObject) => ({
			...p,
			appointmentInfo: {
				startTime: '2026-05-04T10:00:00-05:00',
				endTime: '2026-05-04T09:30:00-05:00',
			},
		})),
	],
];

test('Call → Start', async () => {
	const valid = fc.record(
		{ ...conversationFields, voicemailMessage: fc.option(text(500), { nil: undefined }) },
		{ requiredKeys: ['fromNumber', 'toNumber'] },
	);
	const invalid = mutate(valid, [
		...conversationMutations,
		[
			'voicemailMessage',
			tooLong(500).map((v) => (p: IDataObject) => ({ ...p, voicemailMessage: v })),
		],
	]);
	await check(
		{ resource: 'call', operation: 'start' },
		[
			'fromNumber',
			'toNumber',
			['patientInfo', ['firstName', 'lastName', 'dateOfBirth', 'patientId']],
			[
				'appointmentInfo',
				['startTime', 'endTime', 'appointmentTypeId', 'appointmentDescription', 'appointmentId'],
			],
			'context',
			'voicemailMessage',
		],
		sample(valid, invalid, SETS, 1),
	);
});

test('SMS → Start Conversation', async () => {
	const valid = fc.record(
		{ ...conversationFields, message: text(500) },
		{ requiredKeys: ['fromNumber', 'toNumber', 'message'] },
	);
	const invalid = mutate(valid, [
		...conversationMutations,
		['message', tooLong(500).map((v) => (p: IDataObject) => ({ ...p, message: v }))],
		['message', fc.constantFrom('', '   ').map((v) => (p: IDataObject) => ({ ...p, message: v }))],
	]);
	await check(
		{ resource: 'sms', operation: 'startConversation' },
		[
			'fromNumber',
			'toNumber',
			'message',
			['patientInfo', ['firstName', 'lastName', 'dateOfBirth', 'patientId']],
			[
				'appointmentInfo',
				['startTime', 'endTime', 'appointmentTypeId', 'appointmentDescription', 'appointmentId'],
			],
			'context',
		],
		sample(valid, invalid, SETS, 2),
	);
});

/** A name within the create page's documented characters and length (newer version). */
const phoneNumberName = fc
	.stringMatching(/^[A-Za-z0-9 .,_'()&#+/:;-]{1,100}$/)
	.filter((s) => s.trim() === s && s.length > 0);

test('Phone Number → Create', async () => {
	const valid = fc.record({
		orgId: fc.constant(F.orgId),
		botId: fc.constantFrom(...F.bots.map((b) => b.id)),
		name: phoneNumberName,
		language: fc.constantFrom('ENGLISH', 'SPANISH', 'FRENCH'),
		voiceId: fc.constantFrom(
			'FRIENDLY_BRIGHT',
			'CALM_REASSURING',
			'POLISHED_PROFESSIONAL',
			'KIND_CURIOUS',
			'CONFIDENT_UPBEAT',
		),
		additionalFields: fc.record(
			{
				verifiedCallerId: validPhone,
				callbackForwardingNumber: validPhone,
				areaCode: fc.integer({ min: 200, max: 999 }).map(String),
			},
			{ requiredKeys: [] },
		),
	});
	const invalid = mutate(valid, [
		['orgId', notUuid.map((v) => (p: IDataObject) => ({ ...p, orgId: v }))],
		['botId', notUuid.map((v) => (p: IDataObject) => ({ ...p, botId: v }))],
		['name', tooLong(100).map((v) => (p: IDataObject) => ({ ...p, name: v }))],
		[
			'name',
			fc
				.constantFrom('Línea', 'Main <line>', 'a@b', 'Front "desk"', '50% off', 'x!')
				.map((v) => (p: IDataObject) => ({ ...p, name: v })),
		],
		[
			'language',
			fc
				.constantFrom('GERMAN', 'english', '', 'EN')
				.map((v) => (p: IDataObject) => ({ ...p, language: v })),
		],
		[
			'voiceId',
			fc
				.constantFrom('ROBOT', 'friendly_bright', '')
				.map((v) => (p: IDataObject) => ({ ...p, voiceId: v })),
		],
		[
			'additionalFields.areaCode',
			fc
				.constantFrom('51', '5120', 'abc')
				.map((v) => (p: IDataObject) => ({ ...p, additionalFields: { areaCode: v } })),
		],
		[
			'additionalFields.callbackForwardingNumber',
			invalidPhone.map((v) => (p: IDataObject) => ({
				...p,
				additionalFields: { callbackForwardingNumber: v },
			})),
		],
	]);
	await check(
		{ resource: 'phoneNumber', operation: 'create' },
		[
			'orgId',
			'botId',
			'name',
			'language',
			'voiceId',
			['additionalFields', ['verifiedCallerId', 'callbackForwardingNumber', 'areaCode']],
		],
		sample(valid, invalid, SETS, 3),
	);
});

test('Phone Number → Attach to Bot', async () => {
	const valid = fc.record({
		phoneNumberId: fc.oneof(fc.constantFrom(...F.phoneNumbers.map((p) => p.id)), uuid),
		botId: fc.constantFrom(...F.bots.map((b) => b.id)),
	});
	const invalid = mutate(valid, [
		['phoneNumberId', notUuid.map((v) => (p: IDataObject) => ({ ...p, phoneNumberId: v }))],
		['botId', notUuid.map((v) => (p: IDataObject) => ({ ...p, botId: v }))],
	]);
	await check(
		{ resource: 'phoneNumber', operation: 'attach' },
		['phoneNumberId', 'botId'],
		sample(valid, invalid, SETS, 4),
	);
});

const paging = fc.record({ returnAll: fc.boolean(), limit: fc.integer({ min: 1, max: 250 }) });
const pagingMutations: Array<[string, fc.Arbitrary<(p: IDataObject) => IDataObject>]> = [
	[
		'limit',
		fc
			.integer({ min: -5, max: 0 })
			.map((v) => (p: IDataObject) => ({ ...p, returnAll: false, limit: v })),
	],
];

test('Phone Number → Get Many', async () => {
	await check(
		{ resource: 'phoneNumber', operation: 'getAll' },
		['returnAll', 'limit'],
		sample(paging, mutate(paging, pagingMutations), SETS, 5),
	);
});

test('Conversation → Get', async () => {
	const valid = fc.record({
		conversationId: fc.oneof(
			fc.constantFrom(...F.conversations.map((c) => c.conversationId)),
			uuid,
		),
	});
	const invalid = mutate(valid, [
		['conversationId', notUuid.map((v) => () => ({ conversationId: v }))],
	]);
	await check(
		{ resource: 'conversation', operation: 'get' },
		['conversationId'],
		sample(valid, invalid, SETS, 6),
	);
});

test('Conversation → Get Messages', async () => {
	const valid = fc.record({
		conversationId: fc.oneof(
			fc.constantFrom(...F.conversations.map((c) => c.conversationId)),
			uuid,
		),
		returnAll: fc.boolean(),
		limit: fc.integer({ min: 1, max: 50 }),
	});
	const invalid = mutate(valid, [
		['conversationId', notUuid.map((v) => (p: IDataObject) => ({ ...p, conversationId: v }))],
		...pagingMutations,
	]);
	await check(
		{ resource: 'conversation', operation: 'getMessages' },
		['conversationId', 'returnAll', 'limit'],
		sample(valid, invalid, SETS, 7),
	);
});

test('Conversation → Get Many', async () => {
	const valid = fc.record({
		returnAll: fc.boolean(),
		limit: fc.integer({ min: 1, max: 250 }),
		filters: fc.record(
			{
				orgId: fc.constant(F.orgId),
				botId: fc.constantFrom(...F.bots.map((b) => b.id)),
				includeArchived: fc.boolean(),
				includeChildren: fc.boolean(),
			},
			{ requiredKeys: [] },
		),
	});
	const invalid = mutate(valid, [
		...pagingMutations,
		['filters.orgId', notUuid.map((v) => (p: IDataObject) => ({ ...p, filters: { orgId: v } }))],
		['filters.botId', notUuid.map((v) => (p: IDataObject) => ({ ...p, filters: { botId: v } }))],
	]);
	await check(
		{ resource: 'conversation', operation: 'getAll' },
		['returnAll', 'limit', ['filters', ['orgId', 'botId', 'includeArchived', 'includeChildren']]],
		sample(valid, invalid, SETS, 8),
	);
});
