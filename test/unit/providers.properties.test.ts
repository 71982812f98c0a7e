/**
 * Bad input, property-based, for AlloMia and AICaller: 1,000 generated parameter sets per
 * operation, half valid, half invalid in one field. The node never crashes, every invalid set
 * gives a NodeOperationError naming its field and sends nothing, every valid set passes the
 * sandbox's contract validation.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';
import {
	checkRun,
	email,
	fromItem,
	httpsUrl,
	invalidPhone,
	mutate,
	notUuid,
	sample,
	set,
	text,
	uuid,
	validPhone,
	type ParameterSet,
} from '../in-process/properties';
import { useSandbox } from '../in-process/sandbox';
import type { NodeRunResult } from '../in-process/n8n-core';
import { runAiCaller, runAlloMia, type RunOptions } from '../in-process/providers';
import { SANDBOX_FIXTURES, type ProviderName, type Sandbox } from '../sandbox/server';

const SETS = 1000;
const M = SANDBOX_FIXTURES.alloMia;
const C = SANDBOX_FIXTURES.aiCaller;

const sandbox = useSandbox();

async function check(
	run: (sandbox: Sandbox, params: IDataObject, options: RunOptions) => Promise<NodeRunResult>,
	provider: ProviderName,
	parameters: IDataObject,
	sets: ParameterSet[],
	expectedRequests: number | ((valid: number) => number) = 1,
) {
	const result = await run(sandbox, parameters, {
		items: sets.map((set) => ({ p: set.params })),
		continueOnFail: true,
	});
	const failures = checkRun(sets, result, sandbox.requestsFor(provider), expectedRequests);
	expect(failures.slice(0, 10)).toEqual([]);
	expect(sets.length).toBeGreaterThanOrEqual(SETS);
}

const paging = fc.record({ returnAll: fc.boolean(), limit: fc.integer({ min: 1, max: 120 }) });
const badLimit: [string, fc.Arbitrary<(p: IDataObject) => IDataObject>] = [
	'limit',
	fc
		.integer({ min: -5, max: 0 })
		.map((v) => (p: IDataObject) => ({ ...p, returnAll: false, limit: v })),
];
/**
 * AICaller IDs: no format is documented (the pages' example call _id is 12345678901234567890, the
 * other example IDs 24 hex characters), so IDs of every shape are valid input and only a blank
 * one is refused. The sandbox answers an unknown one with a 404, which a valid set may get.
 */
const anyAiCallerId = fc.oneof(
	fc.hexaString({ minLength: 24, maxLength: 24 }),
	fc.stringMatching(/^[1-9][0-9]{19}$/),
	fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/),
);
const blankAiCallerId = fc.constantFrom('', '   ');

describe('AlloMia', () => {
	test('Call → Create Outbound', async () => {
		const variables = fc.dictionary(
			fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/),
			fc.oneof(text(40), fc.integer(), fc.boolean()),
			{ maxKeys: 4 },
		);
		const valid = fc.record(
			{
				phoneNumber: validPhone,
				assistantId: fc.oneof(fc.constantFrom(...M.assistants.map((a) => a.id)), uuid),
				phoneNumberId: fc.constantFrom(...M.phoneNumbers.map((p) => p.id)),
				customerName: text(60),
				vars: variables,
				callbackUrl: httpsUrl,
			},
			{ requiredKeys: ['phoneNumber', 'assistantId', 'phoneNumberId'] },
		);
		const invalid = mutate(valid, [
			['phoneNumber', invalidPhone.map((v) => set('phoneNumber', v))],
			['phoneNumber', fc.constantFrom('+1234567', '+12345678').map((v) => set('phoneNumber', v))],
			['assistantId', notUuid.map((v) => set('assistantId', v))],
			['phoneNumberId', notUuid.map((v) => set('phoneNumberId', v))],
			[
				'callbackUrl',
				fc
					.constantFrom('ftp://example.com/x', 'not a url', 'example.com/hook')
					.map((v) => set('callbackUrl', v)),
			],
			['dynamicVariables', fc.constant(set('vars', { slot: { at: '10:00' } }))],
			['dynamicVariables', fc.constant(set('vars', ['a', 'b']))],
		]);
		await check(
			runAlloMia,
			'allomia',
			{
				resource: 'call',
				operation: 'createOutbound',
				...fromItem(['phoneNumber', 'assistantId', 'phoneNumberId', 'customerName', 'callbackUrl']),
				dynamicVariablesMode: 'json',
				dynamicVariablesJson: '={{ $json.p.vars }}',
			},
			sample(valid, invalid, SETS, 11),
		);
	});

	test('Call → Get Status', async () => {
		const valid = fc.record({
			outboundCallId: fc.oneof(
				fc.constantFrom(...M.outboundCalls.map((c) => c.outboundCallId)),
				uuid,
			),
		});
		const invalid = mutate(valid, [
			['outboundCallId', notUuid.map((v) => set('outboundCallId', v))],
		]);
		await check(
			runAlloMia,
			'allomia',
			{ resource: 'call', operation: 'getStatus', ...fromItem(['outboundCallId']) },
			sample(valid, invalid, SETS, 12),
		);
	});

	test('Call → Get', async () => {
		// The page gives the call ID no format: any text is sent (an unknown one answers 404); only a blank one is refused.
		const valid = fc.record({
			callId: fc.oneof(fc.constantFrom(...M.calls.map((c) => c.id)), uuid, text(30)),
		});
		const invalid = mutate(valid, [
			['callId', fc.constantFrom('', '   ').map((v) => set('callId', v))],
		]);
		await check(
			runAlloMia,
			'allomia',
			{ resource: 'call', operation: 'get', ...fromItem(['callId']) },
			sample(valid, invalid, SETS, 13),
		);
	});

	test('Call → Get Many', async () => {
		const date = fc
			.date({
				min: new Date('2024-01-01T00:00:00Z'),
				max: new Date('2026-12-31T00:00:00Z'),
				noInvalidDate: true,
			})
			.map((d) => d.toISOString());
		// From must not be after To (documented); each is also drawn alone.
		const range = fc
			.tuple(date, date, fc.constantFrom('both', 'from', 'to', 'none'))
			.map(([a, b, which]) => {
				const [from, to] = a <= b ? [a, b] : [b, a];
				return {
					...(which === 'both' || which === 'from' ? { from } : {}),
					...(which === 'both' || which === 'to' ? { to } : {}),
				};
			});
		const valid = fc.record({
			// No format is documented: another organization's ID is sent, and answered by AlloMia.
			organizationId: fc.constantFrom(M.organizationId, '', 'org-elsewhere'),
			returnAll: fc.boolean(),
			limit: fc.integer({ min: 1, max: 120 }),
			filters: fc
				.tuple(
					fc.record(
						{
							callType: fc.constantFrom('Inbound', 'Outbound', 'Web'),
							agentName: text(30),
							sort: fc.constantFrom('asc', 'desc', 'duration_desc', 'duration_asc'),
						},
						{ requiredKeys: [] },
					),
					range,
				)
				.map(([rest, dates]) => ({ ...rest, ...dates })),
		});
		const invalid = mutate(valid, [
			badLimit,
			[
				'filters.from',
				fc.constant((p: IDataObject) => ({
					...p,
					filters: { from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' },
				})),
			],
			[
				'filters.callType',
				fc
					.constantFrom('Phone', 'outbound')
					.map((v) => (p: IDataObject) => ({ ...p, filters: { callType: v } })),
			],
			[
				'filters.sort',
				fc
					.constantFrom('random', 'newest')
					.map((v) => (p: IDataObject) => ({ ...p, filters: { sort: v } })),
			],
			[
				'filters.from',
				fc
					.constantFrom('yesterday', '2025-13-01')
					.map((v) => (p: IDataObject) => ({ ...p, filters: { from: v } })),
			],
		]);
		await check(
			runAlloMia,
			'allomia',
			{
				resource: 'call',
				operation: 'getAll',
				...fromItem([
					'organizationId',
					'returnAll',
					'limit',
					['filters', ['callType', 'agentName', 'from', 'to', 'sort']],
				]),
			},
			sample(valid, invalid, SETS, 14),
			// Few calls exist: one page answers every valid set.
			1,
		);
	});
});

describe('AICaller', () => {
	const call = fc.record(
		{
			teamId: fc.oneof(
				{ arbitrary: fc.constant(C.teamId), weight: 4 },
				{ arbitrary: anyAiCallerId, weight: 1 },
			),
			callTemplateId: fc.oneof(
				{ arbitrary: fc.constantFrom(...C.callTemplates.map((t) => t._id)), weight: 4 },
				{ arbitrary: anyAiCallerId, weight: 1 },
			),
			nameOfHuman: text(40),
			toPhoneNumber: validPhone,
			varKey: fc.stringMatching(/^[a-z][a-z_]{0,15}$/),
			varValue: text(30),
			additionalFields: fc.record(
				{
					fromPhoneNumber: validPhone,
					toEmailAddress: email,
					status: fc.constantFrom(
						'queued',
						'ringing',
						'inProgress',
						'busy',
						'failed',
						'noAnswer',
						'cancelled',
						'completed',
					),
					telephonyProvider: fc.constantFrom('twilio', 'plivo', 'telnyx'),
					record: fc.boolean(),
					// Past times too: the page states the format (ISO, UTC), not that it must be ahead.
					callDelayedUntil: fc
						.date({
							min: new Date('2020-01-01T00:00:00Z'),
							max: new Date('2035-12-31T00:00:00Z'),
							noInvalidDate: true,
						})
						.map((d) => d.toISOString()),
				},
				{ requiredKeys: [] },
			),
			hookUrl: httpsUrl,
		},
		{
			requiredKeys: [
				'teamId',
				'callTemplateId',
				'nameOfHuman',
				'toPhoneNumber',
				'varKey',
				'varValue',
				'hookUrl',
			],
		},
	);
	const callMutations: Array<[string, fc.Arbitrary<(p: IDataObject) => IDataObject>]> = [
		['teamId', blankAiCallerId.map((v) => set('teamId', v))],
		['callTemplateId', blankAiCallerId.map((v) => set('callTemplateId', v))],
		['nameOfHuman', fc.constantFrom('', '   ').map((v) => set('nameOfHuman', v))],
		['toPhoneNumber', invalidPhone.map((v) => set('toPhoneNumber', v))],
		['promptVariableValues.0.key', fc.constant(set('varKey', ''))],
		[
			'additionalFields.toEmailAddress',
			fc
				.constantFrom('someone@', 'a b@c.com', 'no-at-sign')
				.map((v) => (p: IDataObject) => ({ ...p, additionalFields: { toEmailAddress: v } })),
		],
		[
			'additionalFields.telephonyProvider',
			fc
				.constantFrom('vonage', 'Twilio')
				.map((v) => (p: IDataObject) => ({ ...p, additionalFields: { telephonyProvider: v } })),
		],
		[
			'additionalFields.status',
			fc
				.constantFrom('done', 'canceled ')
				.map((v) => (p: IDataObject) => ({ ...p, additionalFields: { status: v } })),
		],
		[
			'additionalFields.callDelayedUntil',
			fc
				.constantFrom('tomorrow', 'next Tuesday', '12 Oct')
				.map((v) => (p: IDataObject) => ({ ...p, additionalFields: { callDelayedUntil: v } })),
		],
		[
			'phoneCallWebhooks.0.url',
			fc.constantFrom('hooks', 'ftp://hooks.example.com/').map((v) => set('hookUrl', v)),
		],
	];
	const callParameters = {
		resource: 'phoneCall',
		...fromItem([
			'teamId',
			'callTemplateId',
			'nameOfHuman',
			'toPhoneNumber',
			[
				'additionalFields',
				[
					'fromPhoneNumber',
					'toEmailAddress',
					'status',
					'telephonyProvider',
					'record',
					'callDelayedUntil',
				],
			],
		]),
		promptVariableValues: {
			variable: [{ key: '={{ $json.p.varKey }}', value: '={{ $json.p.varValue }}' }],
		},
		phoneCallWebhooks: {
			webhook: [{ url: '={{ $json.p.hookUrl }}', subscribedEvent: 'phoneCall.completed' }],
		},
		// The webhook's secret comes from the test's AICaller Webhook Secret API credential.
		addWebhookSecret: true,
	};

	test('Phone Call → Create', async () => {
		await check(
			runAiCaller,
			'aicaller',
			{ ...callParameters, operation: 'create' },
			sample(call, mutate(call, callMutations), SETS, 21),
		);
	});

	test('Phone Call → Create Many', async () => {
		await check(
			runAiCaller,
			'aicaller',
			{ ...callParameters, operation: 'createMany', batchSize: 100 },
			sample(call, mutate(call, callMutations), SETS, 22),
			(valid) => Math.ceil(valid / 100),
		);
	});

	test('Phone Call → Get', async () => {
		const valid = fc.record({
			phoneCallId: fc.oneof(fc.constantFrom(...C.calls.map((c) => c._id)), anyAiCallerId),
		});
		const invalid = mutate(valid, [
			['phoneCallId', blankAiCallerId.map((v) => set('phoneCallId', v))],
		]);
		await check(
			runAiCaller,
			'aicaller',
			{ resource: 'phoneCall', operation: 'get', ...fromItem(['phoneCallId']) },
			sample(valid, invalid, SETS, 23),
		);
	});

	test('Phone Call → Get Many (Filters → Call Template ID, no paging)', async () => {
		const templateFilter = fc.record({
			callTemplateId: fc.oneof(
				fc.constantFrom(...C.callTemplates.map((t) => t._id)),
				anyAiCallerId,
			),
		});
		const listing = fc
			.tuple(paging, fc.option(templateFilter, { nil: undefined }))
			.map(([page, filters]): IDataObject => (filters ? { ...page, filters } : page));
		await check(
			runAiCaller,
			'aicaller',
			{
				resource: 'phoneCall',
				operation: 'getAll',
				...fromItem(['returnAll', 'limit', ['filters', ['callTemplateId']]]),
			},
			sample(listing, mutate(listing, [badLimit]), SETS, 24),
		);
		// One request per valid set, with no paging and the filter as given.
		for (const request of sandbox.requestsFor('aicaller')) {
			expect(Object.keys(request.query).filter((key) => key !== 'callTemplateId')).toEqual([]);
		}
	});
});
