import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

/**
 * Reads an operation's fields for one item.
 *
 * n8n evaluates every expression on its own: each `getNodeParameter` builds a fresh data proxy
 * and, with n8n 2's default expression engine, enters an isolated V8 context. A node whose
 * fields are each mapped with `{{ $json.… }}` pays that once per field and item, which the
 * benchmarks (`npm run bench`) showed to be most of the node's time. So:
 * - a field mapped as `{{ $json.a.b }}` or `{{ $json["a b"] }}` (what dragging an input field
 *   onto a parameter writes) is looked up in the item directly, when the path leads through plain
 *   objects and arrays to plain data; otherwise it is evaluated like any other expression;
 * - the other expressions of one item are evaluated together, as one expression
 *   `{{ [ (a), (b), … ] }}`, and each result is put back where its expression was;
 * - an operation that reads all items before sending any (Create Many) may let the expressions
 *   of many items be evaluated at once (`readAheadInWindows`): each item's `$json` is then the
 *   `json` of `$input.all()[i]`, the same object. Only for code whose one `$` variable is `$json`
 *   (no `$itemIndex`, `$now`, `$('Node')`…, whose value would differ).
 *
 * The result must be what `getNodeParameter` would have returned, so the combination is only
 * used where it provably is:
 * - only expressions that are one `{{ … }}` and nothing else (a template with text around it
 *   is evaluated on its own, as n8n does, because n8n's rules for joining text and values are
 *   its own);
 * - not for expressions using `$parameter` / `$rawParameter` (they see sibling fields, which
 *   differ per nesting level) or `$fromAI` (filled in by an agent);
 * - not for fields n8n post-processes (`validateType`, resource mappers, filters, regex
 *   `extractValue`);
 * - only when the expression engine hands back an array's values unchanged (checked once per
 *   run: an engine that serialises results, turning `undefined` into `null`, is not combined);
 * - and whenever anything goes wrong the item is read again field by field through
 *   `getNodeParameter`, so errors are exactly n8n's own. If that second reading succeeds, the
 *   combination itself was the problem and it is not used again in this run.
 */

type PathKey = string | number;

interface Slot {
	path: PathKey[];
	/** The expression without its leading `=`, as `evaluateExpression` takes it. */
	expression: string;
	/** The code between `{{` and `}}` when the expression is exactly one such block. */
	code?: string;
	/** The keys when the code is only `$json` followed by property accesses. */
	jsonPath?: string[];
}

interface Plan {
	properties: INodeProperties[];
	raw: IDataObject;
	slots: Slot[];
	/** The node's input items: `$json` is the `json` of the item being read. */
	items: INodeExecutionData[];
	/** Slots evaluated together, in this order: every single-block code that is not a `$json` path. */
	combinedSlots: Slot[];
	/** Their evaluation for one item, when there are two or more. */
	combined?: string;
	/** Their codes as array elements, when they may be evaluated for many items at once. */
	windowElements?: string;
	/** Values of items evaluated ahead, by item index; taken out when read. */
	ahead: Map<number, unknown[]>;
	/** Items before this index are not read ahead again: their window failed. */
	aheadFailedUntil: number;
	/** False: read every item field by field (n8n's own path). */
	fast: boolean;
	/** Whether the engine returns arrays unchanged; decided on the first combined read. */
	engineKeepsArrays?: boolean;
}

const plans = new WeakMap<IExecuteFunctions, Map<INodeProperties[], Plan>>();
const readAhead = new WeakMap<IExecuteFunctions, number>();

/**
 * Lets `readParameters` evaluate the fields of up to `items` items in one evaluation, for an
 * operation that reads every item before it sends anything (so that reading early changes
 * nothing). Set once per run of the node.
 */
export function readAheadInWindows(fn: IExecuteFunctions, items: number): void {
	readAhead.set(fn, items);
}

/** Expressions whose value depends on where in the parameters they sit, or on an agent. */
const CONTEXT_DEPENDENT = /\$(raw)?parameter|fromai/i;

export function readParameters(fn: IExecuteFunctions, itemIndex: number, properties: INodeProperties[]): IDataObject {
	const plan = planFor(fn, properties);
	if (!plan.fast) return readEachField(fn, itemIndex, properties);
	try {
		return readCombined(fn, itemIndex, plan);
	} catch {
		const input = readEachField(fn, itemIndex, properties);
		plan.fast = false;
		return input;
	}
}

/** n8n's own reading, one `getNodeParameter` per field. */
export function readEachField(fn: IExecuteFunctions, itemIndex: number, properties: INodeProperties[]): IDataObject {
	const input: IDataObject = {};
	for (const property of properties) {
		input[property.name] = fn.getNodeParameter(property.name, itemIndex, property.default, {
			// A resource locator's value, whichever mode (list, typed, expression) was used.
			extractValue: property.type === 'resourceLocator',
		}) as IDataObject[string];
	}
	return input;
}

function planFor(fn: IExecuteFunctions, properties: INodeProperties[]): Plan {
	let perRun = plans.get(fn);
	if (!perRun) {
		perRun = new Map();
		plans.set(fn, perRun);
	}
	let plan = perRun.get(properties);
	if (!plan) {
		plan = makePlan(fn, properties);
		perRun.set(properties, plan);
	}
	return plan;
}

function makePlan(fn: IExecuteFunctions, properties: INodeProperties[]): Plan {
	const plan: Plan = {
		properties,
		raw: {},
		items: [],
		slots: [],
		combinedSlots: [],
		ahead: new Map(),
		aheadFailedUntil: 0,
		fast: false,
	};
	if (typeof fn.evaluateExpression !== 'function' || !properties.every(isPlainlyResolved)) return plan;
	for (const property of properties) {
		const raw = fn.getNodeParameter(property.name, 0, property.default, { rawExpressions: true });
		plan.raw[property.name] = raw as IDataObject[string];
		collectSlots(raw, [property.name], plan.slots);
	}
	if (plan.slots.some((slot) => CONTEXT_DEPENDENT.test(slot.expression))) return plan;
	plan.items = fn.getInputData();
	plan.combinedSlots = plan.slots.filter((slot) => slot.code !== undefined && !slot.jsonPath);
	// A newline before each closing parenthesis ends a trailing `// comment` in the code.
	const elements = plan.combinedSlots.map((slot) => `(\n${slot.code}\n)`).join(',');
	if (plan.combinedSlots.length > 1) plan.combined = `{{ [${elements}] }}`;
	if (
		plan.combinedSlots.length > 0 &&
		plan.combinedSlots.every((slot) => readableInWindows(slot.code ?? '')) &&
		// In n8n's "combined" binary mode `$input.all()` holds the json objects themselves.
		fn.getWorkflowSettings().binaryMode !== 'combined'
	) {
		plan.windowElements = elements;
	}
	plan.fast = true;
	return plan;
}

/** Fields whose value n8n hands over as resolved, without checks or conversions of its own. */
function isPlainlyResolved(property: INodeProperties | INodePropertyOptions): boolean {
	if (!('type' in property)) return true;
	if (property.validateType || property.extractValue) return false;
	if (property.type === 'resourceMapper' || property.type === 'filter') return false;
	if (property.type === 'resourceLocator' && (property.modes ?? []).some((mode) => mode.extractValue)) return false;
	for (const option of property.options ?? []) {
		if ('values' in option && Array.isArray(option.values)) {
			if (!option.values.every(isPlainlyResolved)) return false;
		} else if (!isPlainlyResolved(option as INodeProperties)) {
			return false;
		}
	}
	return true;
}

function collectSlots(value: unknown, path: PathKey[], slots: Slot[]): void {
	if (typeof value === 'string') {
		if (!value.startsWith('=')) return;
		const expression = value.slice(1);
		const code = singleBlockCode(expression);
		slots.push({ path, expression, code, jsonPath: code === undefined ? undefined : jsonPathOf(code) });
	} else if (Array.isArray(value)) {
		value.forEach((entry, index) => collectSlots(entry, [...path, index], slots));
	} else if (value !== null && typeof value === 'object') {
		for (const [key, entry] of Object.entries(value)) collectSlots(entry, [...path, key], slots);
	}
}

/**
 * `{{ code }}` with nothing around it and no other `{{` or `}}` inside: n8n then returns the
 * code's value as it is (not text), the same value it has as an element of an array.
 */
function singleBlockCode(expression: string): string | undefined {
	if (!expression.startsWith('{{') || !expression.endsWith('}}')) return undefined;
	if (expression.indexOf('{{', 1) !== -1 || expression.indexOf('}}') !== expression.length - 2) return undefined;
	const code = expression.slice(2, -2);
	return code.trim() ? code : undefined;
}

const IDENTIFIER = /^\.\s*([A-Za-z_$][\w$]*)/;
const BRACKET = /^\[\s*(?:(\d+)|"([^"\\]*)"|'([^'\\]*)')\s*\]/;

/** `$json.a["b c"][0]` → `['a', 'b c', '0']`; undefined for any other code. */
function jsonPathOf(code: string): string[] | undefined {
	let rest = code.trim();
	if (!rest.startsWith('$json')) return undefined;
	rest = rest.slice('$json'.length);
	const keys: string[] = [];
	while (rest) {
		const match = IDENTIFIER.exec(rest) ?? BRACKET.exec(rest);
		if (!match) return undefined;
		keys.push(match[1] ?? match[2] ?? match[3]);
		rest = rest.slice(match[0].length).trimStart();
	}
	return keys;
}

const NOT_PLAIN = Symbol('not plain');

/**
 * The value at `keys` in an item's json, as n8n's expression would give it (a copy, as the
 * isolated engine returns), or NOT_PLAIN where JavaScript itself would have to decide: a step
 * through something that is not an object (an error, or a string's own properties), an
 * inherited property, or a value that is not plain data (a Date, a Buffer, a class instance).
 */
function lookUp(json: unknown, keys: string[]): unknown {
	let current = json;
	for (const key of keys) {
		if (current === null || typeof current !== 'object') return NOT_PLAIN;
		if (Object.prototype.hasOwnProperty.call(current, key)) current = (current as Record<string, unknown>)[key];
		else if (key in current) return NOT_PLAIN;
		else current = undefined;
	}
	return plainCopy(current);
}

function plainCopy(value: unknown): unknown {
	if (value === null || typeof value !== 'object') return typeof value === 'function' ? NOT_PLAIN : value;
	if (Array.isArray(value)) {
		const copy: unknown[] = [];
		for (const entry of value) {
			const entryCopy = plainCopy(entry);
			if (entryCopy === NOT_PLAIN) return NOT_PLAIN;
			copy.push(entryCopy);
		}
		return copy;
	}
	const prototype = Object.getPrototypeOf(value) as unknown;
	if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN;
	const copy: Record<string, unknown> = {};
	for (const [key, entry] of Object.entries(value)) {
		const entryCopy = plainCopy(entry);
		if (entryCopy === NOT_PLAIN) return NOT_PLAIN;
		copy[key] = entryCopy;
	}
	return copy;
}

class NotCombinable extends Error {}

/** The name of the window's item inside the evaluated code; code that mentions it is not rewritten. */
const WINDOW_ITEM = 'windowItem';

/** Code whose value depends on the item only through `$json`. */
function readableInWindows(code: string): boolean {
	const variables = code.match(/\$[\w$]*/g) ?? [];
	return variables.every((name) => name === '$json') && !/\b(this|arguments)\b/.test(code) && !code.includes(WINDOW_ITEM);
}

/**
 * The combined slots' values for `itemIndex` from a window of items evaluated at once, or
 * undefined where that is not allowed or did not work (the item is then evaluated on its own).
 */
function valuesReadAhead(fn: IExecuteFunctions, itemIndex: number, plan: Plan): unknown[] | undefined {
	const window = readAhead.get(fn) ?? 0;
	if (window < 2 || plan.windowElements === undefined || itemIndex < plan.aheadFailedUntil) return undefined;
	if (!plan.ahead.has(itemIndex)) {
		const end = Math.min(plan.items.length, itemIndex + window);
		try {
			if (!keepsArrays(fn, itemIndex, plan)) throw new NotCombinable();
			// `$json` as the parameter's name: inside, it is the window item's json.
			const rows = fn.evaluateExpression(
				`{{ $input.all().slice(${itemIndex}, ${end}).map((${WINDOW_ITEM}) => (($json) => [${plan.windowElements}])(${WINDOW_ITEM}.json)) }}`,
				itemIndex,
			) as unknown;
			const width = plan.combinedSlots.length;
			if (
				!Array.isArray(rows) ||
				rows.length !== end - itemIndex ||
				!rows.every((row) => Array.isArray(row) && row.length === width)
			) {
				throw new NotCombinable();
			}
			(rows as unknown[][]).forEach((row, offset) => plan.ahead.set(itemIndex + offset, row));
		} catch {
			// Some item of the window fails, or the engine would not do it: each is read on its own.
			plan.aheadFailedUntil = end;
			return undefined;
		}
	}
	const values = plan.ahead.get(itemIndex);
	plan.ahead.delete(itemIndex);
	return values;
}

function readCombined(fn: IExecuteFunctions, itemIndex: number, plan: Plan): IDataObject {
	// The raw parameters are the workflow's JSON; the copy is filled in with this item's values.
	const copy = plainCopy(plan.raw);
	if (copy === NOT_PLAIN) throw new NotCombinable();
	const input = copy as IDataObject;
	const evaluated = new Map<Slot, unknown>();
	let values = valuesReadAhead(fn, itemIndex, plan);
	if (!values && plan.combined) {
		if (!keepsArrays(fn, itemIndex, plan)) throw new NotCombinable();
		const result = fn.evaluateExpression(plan.combined, itemIndex) as unknown;
		if (!Array.isArray(result) || result.length !== plan.combinedSlots.length) throw new NotCombinable();
		values = result;
	}
	if (values) {
		const evaluatedValues = values;
		plan.combinedSlots.forEach((slot, index) => evaluated.set(slot, evaluatedValues[index]));
	}
	for (const slot of plan.slots) {
		let value: unknown = NOT_PLAIN;
		if (evaluated.has(slot)) value = evaluated.get(slot);
		else if (slot.jsonPath) value = lookUp(plan.items[itemIndex]?.json, slot.jsonPath);
		if (value === NOT_PLAIN) value = fn.evaluateExpression(slot.expression, itemIndex);
		// n8n refuses a function as a field's value with its own message; get that message.
		if (typeof value === 'function') throw new NotCombinable();
		setAt(input, slot.path, value);
	}
	for (const property of plan.properties) {
		const value: unknown = input[property.name];
		cleanupDates(value);
		if (property.type === 'resourceLocator' && isLocatorValue(value)) {
			input[property.name] = value.value as IDataObject[string];
		}
	}
	return input;
}

/**
 * Whether values come back from an array as they would alone. n8n 2's isolated engine and the
 * legacy one keep them; an engine that passes results as JSON turns `undefined` and `Infinity`
 * inside an array into `null` while keeping them at the top.
 */
function keepsArrays(fn: IExecuteFunctions, itemIndex: number, plan: Plan): boolean {
	if (plan.engineKeepsArrays === undefined) {
		const unchanged = (values: unknown) =>
			Array.isArray(values) &&
			values[0] === undefined &&
			values[1] === Infinity &&
			values[2] instanceof Date &&
			values[2].getTime() === 0;
		try {
			// Inside an array, and inside an array inside an array (a window's rows).
			const probe = fn.evaluateExpression('{{ [undefined, 1/0, new Date(0), [undefined, 1/0, new Date(0)]] }}', itemIndex) as unknown;
			plan.engineKeepsArrays = Array.isArray(probe) && unchanged(probe) && unchanged(probe[3]);
		} catch {
			plan.engineKeepsArrays = false;
		}
	}
	return plan.engineKeepsArrays;
}

function setAt(target: IDataObject, path: PathKey[], value: unknown): void {
	let node = target as Record<PathKey, unknown>;
	for (const key of path.slice(0, -1)) node = node[key] as Record<PathKey, unknown>;
	node[path[path.length - 1]] = value;
}

/** luxon's own test (`DateTime.isDateTime`), without importing luxon. */
function isDateTime(value: unknown): boolean {
	return value !== null && typeof value === 'object' && (value as { isLuxonDateTime?: unknown }).isLuxonDateTime === true;
}

/**
 * What n8n does to a resolved parameter: a luxon DateTime held inside an object or array becomes
 * its ISO text; a DateTime that is the whole value stays one.
 */
function cleanupDates(value: unknown): void {
	if (value === null || typeof value !== 'object' || isDateTime(value)) return;
	if (Array.isArray(value)) {
		value.forEach(cleanupDates);
		return;
	}
	const record = value as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		const entry = record[key];
		if (entry !== null && typeof entry === 'object') {
			if (isDateTime(entry)) record[key] = String(entry);
			else cleanupDates(entry);
		}
	}
}

function isLocatorValue(value: unknown): value is { mode: unknown; value: unknown } {
	return value !== null && typeof value === 'object' && 'mode' in value && 'value' in value;
}
