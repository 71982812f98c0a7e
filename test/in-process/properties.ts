/**
 * Property-based checks over many parameter sets at once: every set is one input item of a
 * single execution (under Continue On Fail), its parameters given by expressions, so n8n's own
 * parameter resolution applies. A set is either valid, or invalid in one named field.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';
import type { NodeRunResult } from './n8n-core';
import type { RecordedRequest } from '../sandbox/server';

/** One parameter set: the fields of one input item, valid or invalid in one named field. */
export interface ParameterSet {
	params: IDataObject;
	/** Path of the field that makes the set invalid (e.g. `patientInfo.dateOfBirth`); none = valid. */
	invalidField?: string;
}

/**
 * Node parameters that read every field from the item: `={{ $json.p.<name> }}`. A collection is
 * mapped field by field (`[name, [sub-fields]]`), as in n8n's editor, where a collection as a
 * whole cannot be an expression.
 */
export function fromItem(names: Array<string | [string, string[]]>): IDataObject {
	return Object.fromEntries(
		names.map((entry) =>
			typeof entry === 'string'
				? [entry, `={{ $json.p.${entry} }}`]
				: [
						entry[0],
						Object.fromEntries(entry[1].map((sub) => [sub, `={{ $json.p.${entry[0]}?.${sub} }}`])),
					],
		),
	);
}

export function sample(
	valid: fc.Arbitrary<IDataObject>,
	invalid: fc.Arbitrary<ParameterSet>,
	count: number,
	seed: number,
): ParameterSet[] {
	const half = Math.ceil(count / 2);
	const validSets = fc.sample(valid, { numRuns: half, seed }).map((params) => ({ params }));
	const invalidSets = fc.sample(invalid, { numRuns: count - half, seed: seed + 1 });
	// Interleave so valid and invalid items alternate within the one execution.
	return validSets.flatMap((v, i) => (invalidSets[i] ? [v, invalidSets[i]] : [v]));
}

/** The HTTP status of a provider error item (validation errors have none). */
const httpCode = (json: IDataObject) => (json.details as IDataObject | undefined)?.httpCode;

/**
 * Checks one run: all items came back, each paired in order; invalid sets have a
 * NodeOperationError naming their field and sent nothing; valid sets sent a request that
 * passed the sandbox's contract, and failed (if at all) only with a provider error.
 */
export function checkRun(
	sets: ParameterSet[],
	result: NodeRunResult,
	requests: RecordedRequest[],
	/** Requests each valid set makes, or (for batches) a function of the number of valid sets. */
	expectedRequests: number | ((validSets: number) => number) = 1,
): string[] {
	const failures: string[] = [];
	if (result.error) failures.push(`the node crashed: ${result.error.message}`);
	// Output items in input order, grouped by the input item they are paired to.
	const bySet = new Map<number, IDataObject[]>();
	let last = -1;
	for (const item of result.items) {
		const paired = (item.pairedItem as { item: number } | undefined)?.item;
		if (paired === undefined || paired < last || paired >= sets.length) {
			failures.push(`an output item is paired to ${paired} after ${last}`);
			continue;
		}
		last = paired;
		bySet.set(paired, [...(bySet.get(paired) ?? []), item.json]);
	}
	sets.forEach((set, index) => {
		const outputs = bySet.get(index) ?? [];
		const errors = outputs.filter((json) => json.error !== undefined);
		if (set.invalidField) {
			const error = errors[0]?.error as string | undefined;
			if (outputs.length !== 1 || !error)
				failures.push(
					`set ${index} (invalid ${set.invalidField}) was accepted: ${JSON.stringify(set.params)}`,
				);
			else if (!error.includes(`(${set.invalidField})`))
				failures.push(`set ${index}: "${error}" does not name ${set.invalidField}`);
			else if (httpCode(errors[0])) failures.push(`set ${index}: invalid set reached the provider`);
		} else if (errors.some((json) => !httpCode(json))) {
			failures.push(
				`set ${index} (valid) refused: ${String(errors[0].error)} — ${JSON.stringify(set.params)}`,
			);
		}
	});
	const validCount = sets.filter((s) => !s.invalidField).length;
	const expected =
		typeof expectedRequests === 'function'
			? expectedRequests(validCount)
			: validCount * expectedRequests;
	if (requests.length !== expected) {
		failures.push(`${requests.length} requests for ${validCount} valid sets`);
	}
	for (const request of requests) {
		if (!request.valid)
			failures.push(
				`contract violation: ${request.validationErrors.join('; ')} — ${request.rawBody}`,
			);
	}
	return failures;
}

// ---- generators shared by the providers' property tests

const digits = (min: number, max: number) =>
	fc
		.array(fc.constantFrom(...'0123456789'.split('')), { minLength: min, maxLength: max })
		.map((d) => d.join(''));

/** A North American number in one of the ways people write it, always with its country code. */
export const validPhone = fc
	.tuple(
		fc.constantFrom('2', '3', '4', '5', '6', '7', '8', '9'),
		digits(2, 2),
		digits(3, 3),
		digits(4, 4),
		fc.integer({ min: 0, max: 3 }),
	)
	.map(([a, b, c, d, style]) => {
		const area = `${a}${b}`;
		return [
			`+1${area}${c}${d}`,
			`+1 (${area}) ${c}-${d}`,
			`+1 ${area} ${c} ${d}`,
			`001${area}${c}${d}`,
		][style];
	});

/**
 * Numbers that must be refused without a Default Country Code: text, and numbers as a spreadsheet
 * cell holds them (a national number, or its digits with the country code but no `+`).
 */
export const invalidPhone = fc.oneof(
	fc.constantFrom(
		'call me',
		'+',
		'555-CALL-NOW',
		'(555) 123-4567',
		'5551234567',
		'+0123456789',
		'+1 555',
		'+12345678901234567',
	),
	fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /[a-z]/i.test(s)),
	fc
		.tuple(fc.constantFrom('', '1'), fc.constantFrom('2', '5', '9'), digits(9, 9))
		.map(([trunk, first, rest]) => Number(`${trunk}${first}${rest}`)),
	fc.constantFrom(5551234, 5559876543, 0),
);

/** Text that is not blank once trimmed, up to `max` characters. */
export const text = (max: number) =>
	fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim().length > 0 && s.trim() === s);

export const tooLong = (max: number) =>
	fc.string({ minLength: max + 1, maxLength: max + 40 }).filter((s) => s.trim().length > max);

export const uuid = fc.uuid();

export const notUuid = fc.oneof(
	fc.constantFrom('org-1', '1234', 'not-a-uuid', '3c90c3cc0d444b5088888dd25736052a'),
	fc.hexaString({ minLength: 1, maxLength: 20 }),
);

/** A calendar date as YYYY-MM-DD between 1920 and 2015. */
export const pastDate = fc
	.date({
		min: new Date('1920-01-01T00:00:00Z'),
		max: new Date('2015-12-31T00:00:00Z'),
		noInvalidDate: true,
	})
	.map((d) => d.toISOString().slice(0, 10));

export const badDate = fc.constantFrom(
	'1988-02-30',
	'1988-13-01',
	'03/22/1988',
	'yesterday',
	'2999-01-01',
	'19880322',
	'1988-3-22',
);

/** One invalid field applied to an otherwise valid set. */
export function mutate(
	valid: fc.Arbitrary<IDataObject>,
	mutations: Array<[string, fc.Arbitrary<(p: IDataObject) => IDataObject>]>,
): fc.Arbitrary<ParameterSet> {
	return fc
		.tuple(
			valid,
			fc.oneof(...mutations.map(([field, change]) => change.map((apply) => ({ field, apply })))),
		)
		.map(
			([params, { field, apply }]): ParameterSet => ({
				params: apply(structuredClone(params)),
				invalidField: field,
			}),
		);
}

/** Sets one field: `set('a', v)(params)`. */
export const set =
	(field: string, value: unknown) =>
	(p: IDataObject): IDataObject => ({ ...p, [field]: value as IDataObject[string] });

export const httpsUrl = fc
	.tuple(
		fc.stringMatching(/^[a-z][a-z0-9-]{0,15}[a-z0-9]$/),
		fc.constantFrom('com', 'org', 'io'),
		fc.stringMatching(/^[a-zA-Z0-9/_-]{0,20}$/),
	)
	.map(([host, tld, path]) => `https://${host}.${tld}/${path}`);

export const email = fc
	.tuple(
		fc.stringMatching(/^[a-z][a-z0-9._]{0,15}[a-z0-9]$/),
		fc.stringMatching(/^[a-z][a-z0-9]{1,12}$/),
		fc.constantFrom('com', 'net', 'clinic'),
	)
	.filter(([local]) => !local.includes('..'))
	.map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
