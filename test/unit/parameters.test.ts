/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test and tooling code, not published: n8n's strict lint config (kept as is) applies the node rules to every .ts file */
/**
 * The nodes read an item's fields with one expression evaluation where n8n would use one per
 * field (nodes/shared/parameters.ts). These tests run a test node inside n8n's execution engine
 * that reads the same fields both ways for every item — the combined reading and n8n's own
 * `getNodeParameter` per field — and require the same values, the same errors, and (so that the
 * comparison is not vacuous) that the combined reading really evaluated once per item.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { readAheadInWindows, readEachField, readParameters } from '../../nodes/shared/parameters';
import { registerNodeType, runNode } from '../helpers/n8n-harness';

const FIELDS: INodeProperties[] = [
	{ displayName: 'To', name: 'to', type: 'string', default: '' },
	{
		displayName: 'Bot',
		name: 'bot',
		type: 'resourceLocator',
		default: { mode: 'id', value: '' },
		modes: [
			{ displayName: 'From List', name: 'list', type: 'list', typeOptions: { searchListMethod: 'x' } },
			{ displayName: 'ID', name: 'id', type: 'string' },
		],
	},
	{
		displayName: 'Info',
		name: 'info',
		type: 'collection',
		default: {},
		options: [
			{ displayName: 'First Name', name: 'firstName', type: 'string', default: '' },
			{ displayName: 'When', name: 'when', type: 'string', default: '' },
			{ displayName: 'Count', name: 'count', type: 'number', default: 0 },
			{ displayName: 'Flag', name: 'flag', type: 'boolean', default: false },
		],
	},
	{
		displayName: 'Variables',
		name: 'vars',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		options: [
			{
				displayName: 'Variable',
				name: 'variable',
				values: [
					{ displayName: 'Key', name: 'key', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
	{ displayName: 'Note', name: 'note', type: 'string', default: '' },
];

interface Reading {
	value?: IDataObject;
	error?: { message: string; description?: unknown; parameter?: unknown };
}

function read(reader: () => IDataObject): Reading {
	try {
		return { value: reader() };
	} catch (error) {
		const e = error as { message: string; description?: unknown; context?: IDataObject };
		return { error: { message: e.message, description: e.description, parameter: e.context?.parameter } };
	}
}

/** A node that reads FIELDS both ways; `window`: items read ahead in one evaluation (as Create Many allows). */
function readBothWays(window: number): INodeType {
	return {
		description: {
			displayName: 'Read Both Ways',
			name: 'readBothWays',
			group: ['transform'],
			version: 1,
			description: 'Reads its fields per item through readParameters and through getNodeParameter',
			defaults: { name: 'Read Both Ways' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: FIELDS,
		} as INodeTypeDescription,

		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const calls = { evaluateExpression: 0, getNodeParameter: 0 };
			const target: IExecuteFunctions = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the Proxy below needs the real context
			// Counts what the combined reading asks of n8n; the methods run on the real context.
			const counted = new Proxy(target, {
				get(object, key: string | symbol) {
					const member = Reflect.get(object, key) as unknown;
					if (typeof member !== 'function') return member;
					if (key === 'evaluateExpression' || key === 'getNodeParameter') {
						return (...args: unknown[]) => {
							calls[key] += 1;
							return (member as (...a: unknown[]) => unknown).apply(object, args);
						};
					}
					return (member as (...a: unknown[]) => unknown).bind(object);
				},
			});
			if (window) readAheadInWindows(counted, window);
			return [
				target.getInputData().map((_, itemIndex) => {
					const before = { ...calls };
					const combined = read(() => readParameters(counted, itemIndex, FIELDS));
					const used = {
						evaluations: calls.evaluateExpression - before.evaluateExpression,
						fieldReads: calls.getNodeParameter - before.getNodeParameter,
					};
					const eachField = read(() => readEachField(target, itemIndex, FIELDS));
					const json: IDataObject = {
						same: isDeepStrictEqual(combined, eachField),
						combined: combined as IDataObject,
						eachField: eachField as IDataObject,
						...used,
					};
					return { json, pairedItem: { item: itemIndex } };
				}),
			];
		},
	};
}

registerNodeType('test.readBothWays', readBothWays(0));
registerNodeType('test.readBothWaysAhead', readBothWays(3));

const ITEMS: IDataObject[] = [
	{ phone: '+15551230001', id: 'bot-1', first: 'Ann', start: '2027-03-10T15:00:00Z', n: 3, tags: ['a', 'b'], obj: { k: 'v' } },
	{ phone: '+15551230002', id: 'bot-2', first: 'Bo', start: '2027-03-11T09:30:00+02:00', n: 0, tags: [], obj: { k: 'w' } },
	{ phone: '+15551230003', id: 'bot-3', first: 'Cy', start: '2027-03-12T00:00:00Z', n: -1.5, tags: ['c'] },
	{ phone: '+15551230004', id: 'bot-4', first: 'Di', start: '2027-03-13T12:00:00Z', n: 7, tags: ['d'], obj: { k: 'x' } },
];

async function readAll(parameters: IDataObject, items: IDataObject[] = ITEMS, type = 'test.readBothWays') {
	const result = await runNode({ type, parameters, items, credentials: {}, timezone: 'Europe/Berlin' });
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(items.length);
	return result.items.map((item) => item.json as IDataObject & { combined: Reading; eachField: Reading });
}

/** Every field mapped with one `{{ … }}`, nested ones and a resource locator included. */
const MAPPED: IDataObject = {
	to: '={{ $json.phone }}',
	bot: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
	info: {
		firstName: '={{ $json.first.toUpperCase() }}',
		// A luxon DateTime inside a collection: n8n turns it into its ISO text.
		when: '={{ $json.start.toDateTime() }}',
		count: '={{ $json.n * 2 }}',
		flag: '={{ $json.tags.length > 0 // has tags\n }}',
	},
	vars: {
		variable: [
			{ key: 'tags', value: '={{ $json.tags }}' },
			{ key: 'obj', value: '={{ $json.obj }}' },
			{ key: 'plain', value: 'typed in' },
		],
	},
	// A luxon DateTime as a whole field's value: n8n leaves it a DateTime.
	note: '={{ $json.start.toDateTime().plus({ days: 1 }) }}',
};

describe('reading an item\'s fields with one evaluation', () => {
	test('mapped fields: the same values as getNodeParameter, with one evaluation per item', async () => {
		const out = await readAll(MAPPED);
		for (const row of out) expect(row.same).toBe(true);
		const first = out[0].combined.value as IDataObject;
		expect(first.to).toBe('+15551230001');
		expect(first.bot).toBe('bot-1');
		expect(first.info).toEqual({ firstName: 'ANN', when: '2027-03-10T15:00:00.000Z', count: 6, flag: true });
		expect((first.vars as IDataObject).variable).toEqual([
			{ key: 'tags', value: ['a', 'b'] },
			{ key: 'obj', value: { k: 'v' } },
			{ key: 'plain', value: 'typed in' },
		]);
		expect((first.note as { isLuxonDateTime?: boolean }).isLuxonDateTime).toBe(true);
		// The third item has no `obj`: undefined, as n8n gives it.
		expect(((out[2].combined.value as IDataObject).vars as IDataObject).variable).toEqual([
			{ key: 'tags', value: ['c'] },
			{ key: 'obj', value: undefined },
			{ key: 'plain', value: 'typed in' },
		]);
		// Item 0 also checks once how the engine returns arrays; then one evaluation per item.
		expect(out.map((row) => row.evaluations)).toEqual([2, 1, 1, 1]);
		// The raw fields are read once per run (on item 0), never per item.
		expect(out.map((row) => row.fieldReads)).toEqual([FIELDS.length, 0, 0, 0]);
	});

	test('fields dragged from the input ({{ $json.… }}): looked up in the item, no evaluation at all', async () => {
		const items = ITEMS.map((item) => ({ ...item, 'first name': item.first }));
		const out = await readAll(
			{
				to: '={{ $json.phone }}',
				bot: { __rl: true, mode: 'id', value: "={{ $json['id'] }}" },
				info: { firstName: '={{ $json["first name"] }}', count: '={{ $json.n }}', flag: '={{ $json.missing }}' },
				vars: { variable: [{ key: 'k', value: '={{ $json.obj.k }}' }, { key: 't', value: '={{ $json.tags[0] }}' }] },
				note: '={{ $json }}',
			},
			items,
		);
		for (const row of out) expect(row.same).toBe(true);
		expect(out[0].combined.value).toEqual({
			to: '+15551230001',
			bot: 'bot-1',
			info: { firstName: 'Ann', count: 3, flag: undefined },
			vars: { variable: [{ key: 'k', value: 'v' }, { key: 't', value: 'a' }] },
			note: items[0],
		});
		// Item 2 has no `obj`: `$json.obj.k` is left to n8n, which evaluates it as it always does.
		expect(out.map((row) => row.evaluations)).toEqual([0, 0, 1, 0]);
		// What the node got is a copy: changing it cannot change the item.
		expect((out[0].combined.value as IDataObject).note).not.toBe(items[0]);
	});

	test('a path through a string or to an inherited property: evaluated by n8n', async () => {
		const out = await readAll({ to: '={{ $json.first.length }}', note: '={{ $json.tags.length }}', info: { firstName: '={{ $json.obj.toString }}' } });
		for (const row of out) expect(row.same).toBe(true);
		expect(out[0].combined.error?.message).toMatch(/this is a function, please add \(\)/);
		const withoutFunction = await readAll({ to: '={{ $json.first.length }}', note: '={{ $json.tags.length }}' });
		for (const row of withoutFunction) expect(row.same).toBe(true);
		expect(withoutFunction[1].combined.value).toMatchObject({ to: 2, note: 0 });
		// The string's length is evaluated by n8n; the array's own `length` is looked up.
		expect(withoutFunction.map((row) => row.evaluations)).toEqual([1, 1, 1, 1]);
	});

	test('text around an expression: evaluated on its own, as n8n does, the rest still combined', async () => {
		const out = await readAll({
			...MAPPED,
			to: '= {{ $json.phone }}',
			note: '=Hello {{ $json.first }}, see you {{ $json.start.toDateTime().toFormat("dd.MM.") }}',
			info: { firstName: '={{ $json.first }}{{ $json.n }}', count: '={{ $json.n }}' },
		});
		for (const row of out) expect(row.same).toBe(true);
		expect((out[0].combined.value as IDataObject).to).toBe(' +15551230001');
		expect((out[0].combined.value as IDataObject).note).toBe('Hello Ann, see you 10.03.');
		expect((out[0].combined.value as IDataObject).info).toEqual({ firstName: 'Ann3', count: 3 });
		// The three with text around them are evaluated on their own; the `$json.…` ones are looked up.
		expect(out.map((row) => row.evaluations)).toEqual([3, 3, 3, 3]);
	});

	test('no expressions: the typed values, without evaluating or reading per item', async () => {
		const typed: IDataObject = {
			to: '+15550000000',
			bot: { __rl: true, mode: 'list', value: 'bot-9', cachedResultName: 'Front desk' },
			info: { firstName: 'Eve', count: 2 },
			vars: { variable: [{ key: 'a', value: 'b' }] },
		};
		const out = await readAll(typed);
		for (const row of out) expect(row.same).toBe(true);
		expect(out[1].combined.value).toEqual({ to: '+15550000000', bot: 'bot-9', info: { firstName: 'Eve', count: 2 }, vars: { variable: [{ key: 'a', value: 'b' }] }, note: '' });
		expect(out.map((row) => row.evaluations)).toEqual([0, 0, 0, 0]);
		expect(out.map((row) => row.fieldReads)).toEqual([FIELDS.length, 0, 0, 0]);
	});

	test('an expression that fails for one item: n8n\'s own error for it, the other items still combined', async () => {
		// The third item has no `obj`, and its expression then refers to a node that is not there.
		const out = await readAll({
			...MAPPED,
			info: { firstName: '={{ $json.obj ? $json.obj.k.toUpperCase() : $("Nowhere").item.json.k }}' },
		});
		for (const row of out) expect(row.same).toBe(true);
		const failed = out[2];
		expect(failed.combined.value).toBeUndefined();
		expect(failed.combined.error?.message).toMatch(/Referenced node doesn't exist/);
		expect(failed.combined.error?.parameter).toBe('info');
		expect((out[3].combined.value as IDataObject).info).toEqual({ firstName: 'X' });
		expect(out[3].evaluations).toBe(1);
	});

	test('a function where a value belongs: n8n\'s own error', async () => {
		const out = await readAll({ ...MAPPED, info: { firstName: '={{ $json.first.toUpperCase }}' } });
		for (const row of out) {
			expect(row.same).toBe(true);
			expect(row.combined.error?.message).toMatch(/this is a function, please add \(\)/);
		}
	});

	test('code that cannot be combined: read field by field from then on, with the same values', async () => {
		// A trailing semicolon is accepted alone but not inside `( … )`.
		const out = await readAll({ ...MAPPED, to: '={{ $json.phone; }}' });
		for (const row of out) expect(row.same).toBe(true);
		expect(out[0].combined).toEqual(out[0].eachField);
		// After the first item the combination is given up: no evaluateExpression any more.
		expect(out.slice(1).map((row) => row.evaluations)).toEqual([0, 0, 0]);
		expect(out[1].fieldReads).toBe(FIELDS.length);
	});

	test('$parameter sees sibling fields: such fields are read by n8n field by field', async () => {
		const out = await readAll({ ...MAPPED, note: '={{ $parameter.to }}' });
		for (const row of out) expect(row.same).toBe(true);
		expect(out.map((row) => row.evaluations)).toEqual([0, 0, 0, 0]);
		expect(out.map((row) => row.fieldReads)).toEqual([2 * FIELDS.length, FIELDS.length, FIELDS.length, FIELDS.length]);
	});
});

describe('reading ahead, as Create Many does (windows of 3 items here)', () => {
	const AHEAD = 'test.readBothWaysAhead';

	test('the computed fields of a window of items in one evaluation, with the same values', async () => {
		const out = await readAll(MAPPED, ITEMS, AHEAD);
		for (const row of out) expect(row.same).toBe(true);
		expect((out[1].combined.value as IDataObject).info).toEqual({ firstName: 'BO', when: '2027-03-11T09:30:00.000+02:00', count: 0, flag: false });
		// Item 0: the engine check and the window of items 0–2; item 3 opens the next window.
		expect(out.map((row) => row.evaluations)).toEqual([2, 0, 0, 1]);
		expect(out.map((row) => row.fieldReads)).toEqual([FIELDS.length, 0, 0, 0]);
	});

	test('a window with a failing item: each of its items is read on its own, with n8n\'s own error', async () => {
		// n8n's `toNumber()` refuses text that is not a number with an error of its own.
		const items = ITEMS.map((item, index) => ({ ...item, raw: index === 1 ? 'twelve' : '12' }));
		const out = await readAll({ ...MAPPED, info: { count: '={{ $json.raw.toNumber() + $json.n }}' } }, items, AHEAD);
		for (const row of out) expect(row.same).toBe(true);
		expect(out[1].combined.error?.message).toMatch(/number/i);
		expect((out[2].combined.value as IDataObject).info).toEqual({ count: 10.5 });
		// Item 0: engine check, the failed window, then its own; items 1–2 on their own; item 3 a new window.
		expect(out.map((row) => row.evaluations)).toEqual([3, 1, 1, 1]);
	});

	test('code that uses more of the item than $json ($itemIndex, $input, $now…) is never read ahead', async () => {
		const out = await readAll({ ...MAPPED, note: '={{ $itemIndex * 2 }}' }, ITEMS, AHEAD);
		for (const row of out) expect(row.same).toBe(true);
		expect(out.map((row) => (row.combined.value as IDataObject).note)).toEqual([0, 2, 4, 6]);
		expect(out.map((row) => row.evaluations)).toEqual([2, 1, 1, 1]);
	});
});

describe('random expressions and items', () => {
	// Keys the expressions refer to; the items hold some of them, with values of every JSON type.
	const KEYS = ['a', 'b', 'first name', 'n', 'list', 'obj'];
	const jsonValue = fc.letrec<{ value: unknown }>((tie) => ({
		value: fc.oneof(
			{ depthSize: 'small', withCrossShrink: true },
			fc.string({ maxLength: 8 }),
			fc.integer({ min: -1000, max: 1000 }),
			fc.double({ noNaN: true, noDefaultInfinity: true }),
			fc.boolean(),
			fc.constant(null),
			fc.array(tie('value'), { maxLength: 3 }),
			fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 }),
		),
	})).value;
	const item = fc.dictionary(fc.constantFrom(...KEYS), jsonValue, { maxKeys: KEYS.length });
	const access = fc.constantFrom(...KEYS).map((key) => (/^\w+$/.test(key) ? `.${key}` : `["${key}"]`));
	const path = fc.array(fc.oneof(access, fc.constantFrom('[0]', '[1]', '.length')), { minLength: 1, maxLength: 3 }).map((steps) => `$json${steps.join('')}`);
	// What users write: dragged paths, small computations, optional chaining, text around values,
	// code that cannot be combined, and code that fails.
	const expression = fc.oneof(
		path.map((p) => `={{ ${p} }}`),
		path.map((p) => `={{ ${p}?.toString() }}`),
		path.map((p) => `={{ ${p} ?? "none" }}`),
		path.map((p) => `={{ typeof ${p} }}`),
		path.map((p) => `={{ JSON.stringify(${p}) }}`),
		path.map((p) => `=Hello {{ ${p} }}!`),
		path.map((p) => `={{ ${p}; }}`),
		fc.constantFrom('={{ $json }}', '={{ $itemIndex * 2 }}', '={{ [1, 2].sum() }}', '={{ {a: 1} }}', '={{ $json.a.b.c.d }}'),
		fc.string({ maxLength: 6 }).filter((text) => !text.startsWith('=')),
	);
	const parameters = fc.record({
		to: expression,
		bot: expression.map((value) => ({ __rl: true, mode: 'id', value })),
		info: fc.record({ firstName: expression, when: expression }, { requiredKeys: [] }),
		vars: fc.array(fc.record({ key: fc.constantFrom('x', 'y'), value: expression }), { maxLength: 3 }).map((variable) => ({ variable })),
		note: expression,
	});

	test('every field of every item reads as n8n reads it, value or error', async () => {
		await fc.assert(
			fc.asyncProperty(parameters, fc.array(item, { minLength: 1, maxLength: 5 }), fc.boolean(), async (fields, items, ahead) => {
				const out = await readAll(fields as IDataObject, items as IDataObject[], ahead ? 'test.readBothWaysAhead' : 'test.readBothWays');
				for (const row of out) {
					if (!row.same) throw new Error(`differs: ${JSON.stringify({ combined: row.combined, eachField: row.eachField })}`);
				}
			}),
			{ numRuns: 300 },
		);
	});
});
