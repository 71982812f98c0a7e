/**
 * The refusals a clinic's staff read: every message a node stops an item with, before anything
 * is sent, names the field (its label, then its technical name in brackets), says what was wrong
 * and then what to do, in words a non-developer knows. Found by running every operation of every
 * node through n8n-core with bad values in every field (empty, not of the field's kind, too long,
 * a list), and the guard's and the router's own checks.
 */
import type { IDataObject, IHookFunctions, INodeProperties } from 'n8n-workflow';
import { useSandbox } from '../in-process/sandbox';
import { runAiCaller, runAlloMia, runHelloAnnie } from '../in-process/providers';
import type { NodeRunResult } from '../in-process/n8n-core';
import type { Sandbox } from '../sandbox/server';
import { aiCallerResources } from '../../nodes/AiCaller/resources';
import { alloMiaResources } from '../../nodes/AlloMia/resources';
import { helloAnnieResources } from '../../nodes/HelloAnnie/resources';
import { readBotId } from '../../nodes/HelloAnnie/botWebhook';
import type { Resource } from '../../nodes/shared/types';

const sandbox = useSandbox();

/** A value a patient's record could hold: it must never come back in a message. */
const PATIENT_TEXT = 'Sarah Johnson 1988-02-30';

type Runner = (sandbox: Sandbox, parameters: IDataObject) => Promise<NodeRunResult>;

const NODES: Array<{ node: string; resources: Resource[]; run: Runner }> = [
	{ node: 'HelloAnnie', resources: helloAnnieResources, run: runHelloAnnie },
	{ node: 'AlloMia', resources: alloMiaResources, run: runAlloMia },
	{ node: 'AICaller', resources: aiCallerResources, run: runAiCaller },
];

/** Fields that switch what the panel shows (e.g. a mode): kept at their defaults. */
function switches(properties: INodeProperties[]): Set<string> {
	const names = new Set<string>();
	for (const property of properties)
		for (const name of Object.keys(property.displayOptions?.show ?? {})) names.add(name);
	return names;
}

/** Every text-like field of these properties (collections and groups included) set to `value`. */
function fill(
	properties: INodeProperties[],
	value: string,
	number: number,
	keep: Set<string>,
): IDataObject {
	const parameters: IDataObject = {};
	for (const property of properties) {
		if (keep.has(property.name)) continue;
		switch (property.type) {
			case 'string':
			case 'json':
			case 'dateTime':
			case 'options':
				parameters[property.name] = value;
				break;
			case 'number':
				parameters[property.name] = number;
				break;
			case 'resourceLocator':
				parameters[property.name] = { __rl: true, mode: 'id', value };
				break;
			case 'collection':
				parameters[property.name] = fill(
					(property.options ?? []) as INodeProperties[],
					value,
					number,
					keep,
				);
				break;
			case 'fixedCollection':
				parameters[property.name] = Object.fromEntries(
					((property.options ?? []) as Array<{ name: string; values: INodeProperties[] }>).map(
						(group) => {
							const values = fill(group.values, value, number, keep);
							return [group.name, property.typeOptions?.multipleValues ? [values] : values];
						},
					),
				);
				break;
			default:
				break;
		}
	}
	return parameters;
}

/** The message and, where an item had several problems, each of them. */
function refusals(result: NodeRunResult): string[] {
	// Only the node's own refusals: a provider's answer (NodeApiError) is its own words.
	if (result.error?.name !== 'NodeOperationError') return [];
	const listed = (result.error.description ?? '')
		.split('\n')
		.filter((line) => line.startsWith('- '))
		.map((line) => line.slice(2));
	return [result.error.message, ...listed];
}

/** Verbs a "what to do" begins with. */
const REMEDY =
	/^(enter|use|choose|pick|select|add|remove|shorten|fill|map|set|copy|give|keep|leave|check|run|turn|paste|open)\b/;

/**
 * Words a clinic's staff do not use: allowed only where the same message explains them (E.164
 * beside "country code").
 */
const JARGON: Array<[RegExp, RegExp?]> = [
	[/\bE\.164\b/, /country code/],
	[/\bUUID\b/i],
	[/hexadecimal|\bhex\b/i],
	[/ISO ?8601|RFC ?3339/i],
	[/\b(string|boolean|enum|regex|undefined|null|NaN|integer)\b/],
	[/\b(Invalid|Expected|Required|Received)\b/],
];

/** What is wrong with a message, or undefined when it reads as it should. */
function problemWith(message: string): string | undefined {
	const field = /^(.+?) \(([\w.]+)\) (.+)$/.exec(message);
	if (!field) return 'does not begin with the field label and its technical name';
	const [, , , rest] = field;
	const colon = rest.indexOf(': ');
	if (colon < 0) return 'says what is wrong but not what to do (no ": <what to do>")';
	if (!REMEDY.test(rest.slice(colon + 2)))
		return `what to do does not begin with a verb: "${rest.slice(colon + 2)}"`;
	for (const [word, explained] of JARGON) {
		if (word.test(message) && !(explained && explained.test(message)))
			return `uses ${word} unexplained`;
	}
	if (message.includes(PATIENT_TEXT) || message.includes('Sarah')) return 'repeats the value given';
	return undefined;
}

/** Every refusal the runs below met, for the coverage check at the end. */
const seen = new Set<string>();

describe('every refusal of every operation names the field, what was wrong and what to do, in plain words', () => {
	for (const { node, resources, run } of NODES) {
		for (const resource of resources) {
			for (const operation of resource.operations) {
				test(`${node}: ${resource.name} → ${operation.name}`, async () => {
					const keep = switches(operation.properties);
					const base = { resource: resource.value, operation: operation.value };
					// n8n itself refuses to start a node whose required field is empty; an expression that
					// gives nothing (an empty spreadsheet cell) reaches the node.
					const variants: IDataObject[] = [
						{ ...base, ...fill(operation.properties, '={{ "" }}', 0, keep) },
						{ ...base, ...fill(operation.properties, PATIENT_TEXT, -5, keep) },
						{ ...base, ...fill(operation.properties, 'x'.repeat(5000), 0.5, keep) },
						{ ...base, ...fill(operation.properties, '={{ [1, 2] }}', -1, keep) },
					];
					const messages = new Set<string>();
					for (const parameters of variants) {
						const result = await run(sandbox, parameters);
						for (const message of refusals(result)) messages.add(message);
					}
					for (const message of messages) seen.add(message);
					const problems = [...messages]
						.map((message) => [message, problemWith(message)] as const)
						.filter(([, problem]) => problem !== undefined)
						.map(([message, problem]) => `${message}\n    → ${problem}`);
					expect(problems).toEqual([]);
				});
			}
		}
	}

	test('the runs above met every kind of refusal (the checks are not vacuous)', () => {
		const kinds = [
			/ is empty: fill it in/,
			/ is too long: shorten it/,
			/ is too small: enter/,
			/ is a decimal number, not a whole number: /,
			/ is a list, not a text: enter a text$/,
			/ is a list, not one of the allowed values: use one of /,
			/ is not one of the allowed values: use one of /,
			/ is not a valid ID: copy the whole ID, 36 letters, digits and dashes/,
			/ must be a full phone number with its country code/,
			/ is not a date of birth: enter a date such as 1988-03-22/,
			/ is not a date and time: enter one such as 2025-03-10T15:00:00-06:00/,
			/ is not a date and time: enter one such as 2026-04-01T10:00:00Z/,
			/ is not an email address: /,
			/ is not a web address: /,
			/ has characters HelloAnnie does not accept: /,
			/ is not an area code: /,
		];
		const all = [...seen];
		expect(kinds.filter((kind) => !all.some((message) => kind.test(message)))).toEqual([]);
	});

	test('the checks above find refusals in every node (they are not vacuous)', async () => {
		const result = await runHelloAnnie(sandbox, {
			resource: 'call',
			operation: 'start',
			fromNumber: { __rl: true, mode: 'id', value: '+15551234567' },
			toNumber: '={{ "" }}',
		});
		expect(refusals(result)).toContain(
			'To Number (toNumber) is empty: fill it in, or map a value from the input data',
		);
		const id = await runHelloAnnie(sandbox, {
			resource: 'conversation',
			operation: 'get',
			conversationId: 'abc',
		});
		expect(id.error?.message).toBe(
			'Conversation ID (conversationId) is not a valid ID: copy the whole ID, 36 letters, digits and dashes like 919108f7-52d1-4320-9bac-f847db4148a8',
		);
		const kind = await runHelloAnnie(sandbox, {
			resource: 'phoneNumber',
			operation: 'create',
			orgId: '={{ "" }}',
			botId: { __rl: true, mode: 'id', value: '={{ "" }}' },
			name: '={{ "" }}',
			language: '={{ [1] }}',
		});
		expect(refusals(kind)).toContain(
			'Language (language) is a list, not one of the allowed values: use one of ENGLISH, SPANISH, FRENCH',
		);
	});
});

describe("rules across fields, the guard's and the router's refusals read the same way", () => {
	const call = {
		resource: 'call',
		operation: 'start',
		fromNumber: { __rl: true, mode: 'id', value: '+15551234567' },
		toNumber: '+15559876543',
	};
	const hours = (values: IDataObject) => ({
		callingHours: { hours: { timeZone: 'America/New_York', ...values } },
	});

	test.each([
		['a country code that is not one', { defaultCountryCode: 'UK' }],
		['a time zone that is not one', hours({ timeZone: 'Mars/Olympus' })],
		['an earliest time that is not a time', hours({ earliest: 'nine' })],
		['a latest time that is not a time', hours({ latest: '25:00' })],
		['the same earliest and latest', hours({ earliest: '09:00', latest: '09:00' })],
		['no day', hours({ days: [] })],
		['a deduplication key that is a group of fields', { deduplicationKey: '={{ { id: 1 } }}' }],
		['forgetting without a key', { forgetDeduplicationKeys: true }],
	])('%s', async (_case, requestOptions) => {
		const result = await runHelloAnnie(sandbox, { ...call, requestOptions });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(problemWith(result.error?.message ?? '(no refusal)')).toBeUndefined();
		expect(sandbox.requestsFor('helloannie')).toHaveLength(0);
	});

	test.each([
		['its country code typed twice', '+44 44 20 3141 5926', undefined],
		['a digit missing for its country', '+1 555 314 15', undefined],
		['a digit too many for its country', '+33 6 31 41 59 26 5', undefined],
		['first digits its country does not have', '+1 155 131 4159', undefined],
		['the 0 dialed only within the country after the country code', '+44 020 3141 5926', undefined],
		['the country code that Default Country Code adds again', '44 20 3141 5926', '+44'],
		['a digit missing for the Default Country Code', '020 3141 592', '+44'],
	])('a phone number with %s', async (_case, toNumber, defaultCountryCode) => {
		const result = await runHelloAnnie(sandbox, {
			...call,
			// An outbound line of the sandbox that the NANP rule accepts.
			fromNumber: { __rl: true, mode: 'id', value: '+15557654321' },
			toNumber,
			requestOptions: defaultCountryCode ? { defaultCountryCode } : {},
		});
		expect(result.error?.name).toBe('NodeOperationError');
		const message = result.error?.message ?? '(no refusal)';
		expect(message).toMatch(/^To Number \(toNumber\) /);
		expect(problemWith(message)).toBeUndefined();
		// The number is personal data: its digits do not come back.
		expect(message.replace(/\D/g, '')).not.toContain(toNumber.replace(/\D/g, '').slice(-6));
		expect(sandbox.requestsFor('helloannie')).toHaveLength(0);
	});

	test.each([
		[
			'an appointment that ends before it starts',
			runHelloAnnie,
			{
				resource: 'call',
				operation: 'start',
				fromNumber: { __rl: true, mode: 'id', value: '+15551234567' },
				toNumber: '+15559876543',
				appointmentInfo: {
					startTime: '2025-03-10T15:00:00-06:00',
					endTime: '2025-03-10T14:00:00-06:00',
				},
			},
		],
		[
			'a national number that is not one of the Default Country Code',
			runHelloAnnie,
			{
				resource: 'call',
				operation: 'start',
				fromNumber: { __rl: true, mode: 'id', value: '+15551234567' },
				toNumber: '123',
				requestOptions: { defaultCountryCode: '+1' },
			},
		],
		[
			'Get Many calls from after to',
			runAlloMia,
			{
				resource: 'call',
				operation: 'getMany',
				filters: { from: '2026-04-02T00:00:00Z', to: '2026-04-01T00:00:00Z' },
			},
		],
		[
			'variables with the same name twice',
			runAlloMia,
			{
				resource: 'call',
				operation: 'createOutbound',
				phoneNumber: '+15145551234',
				assistantId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				phoneNumberId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				dynamicVariablesMode: 'fields',
				dynamicVariables: {
					variable: [
						{ key: 'a', value: '1' },
						{ key: 'a', value: '2' },
					],
				},
			},
		],
		[
			'variables as JSON with a nested value',
			runAlloMia,
			{
				resource: 'call',
				operation: 'createOutbound',
				phoneNumber: '+15145551234',
				assistantId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				phoneNumberId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
				dynamicVariablesMode: 'json',
				dynamicVariablesJson: '{"slot": {"at": "10:00"}}',
			},
		],
	] as Array<[string, Runner, IDataObject]>)('%s', async (_case, run, parameters) => {
		const result = await run(sandbox, parameters);
		const [message] = refusals(result);
		expect(problemWith(message ?? '(no refusal)')).toBeUndefined();
		expect(sandbox.requests).toHaveLength(0);
	});

	test('an operation the node does not have', async () => {
		const result = await runHelloAnnie(sandbox, { resource: 'call', operation: 'hangUp' });
		expect(problemWith(result.error?.message ?? '(no refusal)')).toBeUndefined();
	});

	test("the HelloAnnie Trigger's Bot", () => {
		for (const value of ['', 'front desk']) {
			const fn = {
				getNode: () => ({
					name: 'HelloAnnie Trigger',
					type: 'n8n-nodes-ai-phone-agents.helloAnnieTrigger',
				}),
				getNodeParameter: () => value,
			} as unknown as IHookFunctions;
			let message = '(no refusal)';
			try {
				readBotId(fn);
			} catch (error) {
				message = (error as Error).message;
			}
			expect(problemWith(message)).toBeUndefined();
		}
	});
});
