/**
 * Reads an operation's panel fields for one item, the way n8n's own nodes do: `getNodeParameter`
 * per field, so expressions, their security rules and n8n's post-processing of parameters are
 * exactly n8n's, in whatever n8n version runs the node.
 *
 * A field whose value holds no expression is the same for every item: n8n reads it once (for the
 * first item that asks) and each later item gets a copy. A run of 10,000 rows with typed-in
 * fields otherwise asks n8n to resolve every field 10,000 times, which is most of what the node
 * allocates (`npm run bench`, memory scenario). A field that is not set at all (hidden for this
 * operation) is its default, as n8n would answer.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IGetNodeParameterOptions,
	INodeProperties,
} from 'n8n-workflow';

/** Per node run (n8n gives each run its own context object): the values of fields without expressions. */
const constantValues = new WeakMap<IExecuteFunctions, Map<string, unknown>>();

/**
 * Per node run: the node's stored parameters. `getNode()` returns a deep copy of the node on
 * every call, so it is asked once per run, not once per field and item.
 */
const storedParameters = new WeakMap<IExecuteFunctions, unknown>();

function parametersOf(fn: IExecuteFunctions): unknown {
	if (!storedParameters.has(fn)) storedParameters.set(fn, fn.getNode().parameters);
	return storedParameters.get(fn);
}

/** Whether a parameter's stored value holds an expression anywhere (n8n marks them with a leading "="). */
function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value !== null && typeof value === 'object')
		return Object.values(value).some(holdsExpression);
	return false;
}

/** The stored value at a dotted path such as `requestOptions.deduplicationKey`. */
function storedValue(parameters: unknown, path: string): { found: boolean; value: unknown } {
	let value = parameters;
	for (const part of path.split('.')) {
		if (value === null || typeof value !== 'object' || !(part in value))
			return { found: false, value: undefined };
		value = (value as Record<string, unknown>)[part];
	}
	return { found: true, value };
}

/**
 * One parameter for one item, as `getNodeParameter` gives it. Without an expression in it, n8n
 * resolves it once per run and the items share that answer (each gets its own copy of an object).
 */
export function nodeParameter(
	fn: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback: unknown,
	options?: IGetNodeParameterOptions,
): unknown {
	const stored = storedValue(parametersOf(fn), name);
	if (stored.found && holdsExpression(stored.value))
		return fn.getNodeParameter(name, itemIndex, fallback, options);
	let cache = constantValues.get(fn);
	if (!cache) {
		cache = new Map();
		constantValues.set(fn, cache);
	}
	const cacheKey = `${name}\u001f${options?.extractValue ? 'value' : 'raw'}`;
	if (!cache.has(cacheKey))
		cache.set(
			cacheKey,
			stored.found ? fn.getNodeParameter(name, itemIndex, fallback, options) : fallback,
		);
	const value = cache.get(cacheKey);
	// Objects are copied: an item's input may be changed on its way (e.g. scheduled by Calling Hours).
	return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

export function readFields(
	fn: IExecuteFunctions,
	itemIndex: number,
	properties: INodeProperties[],
): IDataObject {
	const input: IDataObject = {};
	for (const property of properties) {
		input[property.name] = nodeParameter(fn, property.name, itemIndex, property.default, {
			// A resource locator's value, whichever mode (list, typed, expression) was used.
			extractValue: property.type === 'resourceLocator',
		}) as IDataObject[string];
	}
	return input;
}
