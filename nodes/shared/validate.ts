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
export function collectLabels(properties: INodeProperties[], prefix = '', parentLabel = ''): Labels {
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

function describeIssue(issue: z.ZodIssue): string {
	switch (issue.code) {
		case 'invalid_type':
			return issue.received === 'undefined' || issue.received === 'null'
				? 'is required'
				: `must be a ${issue.expected}`;
		case 'too_small':
			if (issue.type === 'string') {
				return Number(issue.minimum) <= 1 ? 'is required' : `must be at least ${issue.minimum} characters`;
			}
			if (issue.type === 'array') return `must have at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
			return `must be at least ${issue.minimum}`;
		case 'too_big':
			if (issue.type === 'string') return `must be at most ${issue.maximum} characters`;
			if (issue.type === 'array') return `must have at most ${issue.maximum} entries`;
			return `must be at most ${issue.maximum}`;
		case 'invalid_enum_value':
			return `must be one of: ${issue.options.join(', ')}`;
		case 'invalid_string':
			if (issue.validation === 'uuid') return 'must be a UUID, e.g. 3c90c3cc-0d44-4b50-8888-8dd25736052a';
			if (issue.validation === 'email') return 'must be an email address';
			if (issue.validation === 'url') return 'must be an http(s) URL';
			return issue.message;
		case 'unrecognized_keys':
			return `has fields that are not documented: ${issue.keys.join(', ')}`;
		default:
			return issue.message;
	}
}

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
