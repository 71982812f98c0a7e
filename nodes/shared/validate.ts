/**
 * Turns a zod failure into a NodeOperationError that names the field by its label and
 * technical name and says what is allowed. The offending value is never repeated: it may be
 * a patient's name or date of birth.
 */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { z } from 'zod';

type Labels = Map<string, string>;

/** `patientInfo.dateOfBirth` → `Patient Info → Date of Birth`, from the panel's own fields. */
export function collectLabels(
	properties: INodeProperties[],
	prefix = '',
	parentLabel = '',
): Labels {
	const labels: Labels = new Map();
	for (const property of properties) {
		const path = prefix ? `${prefix}.${property.name}` : property.name;
		const label = parentLabel ? `${parentLabel} → ${property.displayName}` : property.displayName;
		if (!labels.has(path)) labels.set(path, label);
		for (const option of property.options ?? []) {
			if ('values' in option && Array.isArray(option.values)) {
				// fixedCollection groups: the label path skips the group's technical name
				for (const [k, v] of collectLabels(option.values, path, label)) labels.set(k, v);
			} else if ('type' in option && 'name' in option && 'displayName' in option) {
				const nested = collectLabels([option as INodeProperties], path, label);
				for (const [k, v] of nested) labels.set(k, v);
			}
		}
	}
	return labels;
}

/** zod's type names as a clinic's staff would say them. */
const KIND: Record<string, string> = {
	string: 'a text',
	number: 'a number',
	integer: 'a whole number',
	float: 'a decimal number',
	nan: 'something that is not a number',
	boolean: 'true or false',
	object: 'a group of fields',
	array: 'a list',
	date: 'a date',
	null: 'nothing',
	undefined: 'nothing',
};
const kind = (type: string) => KIND[type] ?? 'another kind of value';

/**
 * The example in a UUID message: RFC 9562's example of a random UUID (Appendix A.3), an ID of
 * the right shape that names no provider's record.
 */
export const UUID_EXAMPLE = '919108f7-52d1-4320-9bac-f847db4148a8';

/**
 * Every message reads "<what was wrong>: <what to do>", in words a clinic's staff know (after the
 * field's label and technical name, which formatIssues puts first). Rules of our own schemas
 * (phone numbers, dates, …) arrive as custom issues already in that form.
 */
function describeIssue(issue: z.ZodIssue): string {
	switch (issue.code) {
		case 'invalid_type':
			if (issue.received === 'undefined' || issue.received === 'null') return EMPTY;
			// A list of allowed values ("'ENGLISH' | 'SPANISH'") rather than a kind of value.
			if (issue.expected.includes('|'))
				return `is ${kind(issue.received)}, not one of the allowed values: use one of ${issue.expected.replace(/'/g, '').split(' | ').join(', ')}`;
			return `is ${kind(issue.received)}, not ${kind(issue.expected)}: enter ${kind(issue.expected)}`;
		case 'too_small':
			if (issue.type === 'string') {
				return Number(issue.minimum) <= 1
					? EMPTY
					: `is too short: enter at least ${issue.minimum} characters`;
			}
			if (issue.type === 'array')
				return `has too few entries: add at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
			return `is too small: enter ${issue.minimum} or more`;
		case 'too_big':
			if (issue.type === 'string')
				return `is too long: shorten it to ${issue.maximum} characters or fewer`;
			if (issue.type === 'array') return `has too many entries: keep at most ${issue.maximum}`;
			return `is too large: enter ${issue.maximum} or less`;
		case 'invalid_enum_value':
			return `is not one of the allowed values: use one of ${issue.options.join(', ')}`;
		case 'invalid_string':
			if (issue.validation === 'uuid')
				return `is not a valid ID: copy the whole ID, 36 letters, digits and dashes like ${UUID_EXAMPLE}`;
			if (issue.validation === 'email')
				return 'is not an email address: enter one like name@example.com';
			if (issue.validation === 'url') return WEB_ADDRESS;
			// A pattern of our own (regex with its message): already in the "problem: remedy" form.
			return issue.message;
		case 'unrecognized_keys':
			return `has fields the provider does not accept (${issue.keys.join(', ')}): remove them`;
		case 'custom':
			return issue.message;
		default:
			return "is not valid: check it against the field's description";
	}
}

/** An empty required field. */
const EMPTY = 'is empty: fill it in, or map a value from the input data';

/** An http(s) URL rule: the url check and httpUrl's refine share it. */
export const WEB_ADDRESS =
	'is not a web address: enter a full address starting with https:// (or http://)';

function fieldName(issue: z.ZodIssue, labels: Labels): string {
	const path = issue.path.filter((p) => typeof p === 'string').join('.');
	const indexed = issue.path.map(String).join('.');
	if (!path) return 'The input';
	const label = labels.get(path);
	return label ? `${label} (${indexed})` : indexed;
}

export function formatIssues(error: z.ZodError, labels: Labels): string[] {
	return error.issues.map((issue) => `${fieldName(issue, labels)} ${describeIssue(issue)}`);
}

export function parseInput<Schema extends z.ZodTypeAny>(
	fn: IExecuteFunctions,
	itemIndex: number,
	schema: Schema,
	raw: unknown,
	labels: Labels,
): z.output<Schema> {
	const result = schema.safeParse(raw);
	if (result.success) return result.data as z.output<Schema>;
	const problems = formatIssues(result.error, labels);
	throw new NodeOperationError(fn.getNode(), problems[0], {
		itemIndex,
		description:
			problems.length > 1
				? `Nothing was sent. All problems with this item:\n- ${problems.join('\n- ')}`
				: 'Nothing was sent for this item.',
	});
}
