import { z } from 'zod';
import { checkedOncePerValue } from '../../nodes/shared/schema';
import { toMidnightUtcDate, toOffsetDateTime, toUtcIso } from '../../nodes/shared/dates';
import { normalizePhoneNumber } from '../../nodes/shared/phone';
import { rateLimitWaitMs } from '../../nodes/shared/transport';
import { collectLabels, formatIssues } from '../../nodes/shared/validate';
import { patientInfoProperty } from '../../nodes/HelloAnnie/resources/patientAndAppointment';

describe('phone numbers', () => {
	test.each([
		['+15559876543', '+15559876543'],
		['+1 (555) 987-6543', '+15559876543'],
		['  +1.555.987.6543 ', '+15559876543'],
		['0044 20 7946 0958', '+442079460958'],
		['+33 1 23 45 67 89', '+33123456789'],
	])('%s → %s', (input, expected) => {
		expect(normalizePhoneNumber(input)).toBe(expected);
	});

	test.each([
		'5559876543',
		'(555) 987-6543',
		'+0123456789',
		'call me',
		'+1555CALLNOW',
		'+',
		'+1234567890123456',
		'',
	])('refuses %p', (input) => {
		expect(normalizePhoneNumber(input)).toBeUndefined();
	});
});

describe('dates', () => {
	test('a date of birth keeps its calendar date whatever the time or offset', () => {
		expect(toMidnightUtcDate('1988-03-22')).toBe('1988-03-22T00:00:00.000Z');
		expect(toMidnightUtcDate('1988-03-22T00:00:00.000Z')).toBe('1988-03-22T00:00:00.000Z');
		expect(toMidnightUtcDate('1988-03-22T23:30:00-08:00')).toBe('1988-03-22T00:00:00.000Z');
		expect(toMidnightUtcDate('1988-02-30')).toBeUndefined();
		expect(toMidnightUtcDate('03/22/1988')).toBeUndefined();
	});

	test('a date-time with an offset is kept as written', () => {
		expect(toOffsetDateTime('2025-03-10T15:00:00-06:00', 'UTC')?.text).toBe(
			'2025-03-10T15:00:00-06:00',
		);
		expect(toOffsetDateTime('2025-03-10T15:00:00Z', 'America/Denver')?.text).toBe(
			'2025-03-10T15:00:00Z',
		);
	});

	test('a wall-clock time takes the offset of the workflow time zone on that day', () => {
		// US daylight saving time began on 2025-03-09: Denver is -06:00 on the 10th, -07:00 on the 8th.
		expect(toOffsetDateTime('2025-03-10T15:00:00', 'America/Denver')?.text).toBe(
			'2025-03-10T15:00:00-06:00',
		);
		expect(toOffsetDateTime('2025-03-08T15:00', 'America/Denver')?.text).toBe(
			'2025-03-08T15:00:00-07:00',
		);
		expect(toOffsetDateTime('2025-07-01T09:30:00', 'Europe/Paris')?.text).toBe(
			'2025-07-01T09:30:00+02:00',
		);
		expect(toOffsetDateTime('2025-03-10T25:00:00', 'UTC')).toBeUndefined();
	});

	test('an instant in UTC with Z', () => {
		expect(toUtcIso('2030-10-12T11:08:00.387+02:00', 'UTC')?.text).toBe('2030-10-12T09:08:00.387Z');
		expect(toUtcIso('2030-10-12T09:08:00', 'America/New_York')?.text).toBe(
			'2030-10-12T13:08:00.000Z',
		);
	});
});

describe('rate-limit headers', () => {
	const now = Date.UTC(2026, 0, 1, 12, 0, 0);
	test('Retry-After in seconds wins over X-RateLimit-Reset', () => {
		expect(
			rateLimitWaitMs({ 'retry-after': '3', 'x-ratelimit-reset': String(now / 1000 + 30) }, now),
		).toBe(3000);
	});
	test('X-RateLimit-Reset is epoch seconds', () => {
		expect(rateLimitWaitMs({ 'x-ratelimit-reset': String(now / 1000 + 30) }, now)).toBe(30000);
	});
	test('no header, no wait known', () => {
		expect(rateLimitWaitMs({}, now)).toBeUndefined();
	});
});

describe('validation messages', () => {
	test('name the field by label and path, say the rule, never repeat the value', () => {
		const schema = z.object({
			patientInfo: z.object({ firstName: z.string().max(3) }),
			language: z.enum(['ENGLISH', 'SPANISH']),
		});
		const result = schema.safeParse({ patientInfo: { firstName: 'Sarah' }, language: 'GERMAN' });
		expect(result.success).toBe(false);
		if (result.success) return;
		const labels = collectLabels([
			patientInfoProperty,
			{ displayName: 'Language', name: 'language', type: 'options', default: '' },
		]);
		const messages = formatIssues(result.error, labels);
		expect(messages).toEqual([
			'Patient Info → First Name (patientInfo.firstName) is too long: shorten it to 3 characters or fewer',
			'Language (language) is not one of the allowed values: use one of ENGLISH, SPANISH',
		]);
		expect(messages.join(' ')).not.toContain('Sarah');
		expect(messages.join(' ')).not.toContain('GERMAN');
	});
});

describe('a field checked once per value (checkedOncePerValue)', () => {
	const webhooks = z.array(z.object({ url: z.string().url(), event: z.string().min(1) })).min(1);
	const parseAll = (schema: z.ZodTypeAny, values: unknown[]) =>
		values.map((value) => schema.safeParse({ webhooks: value }));
	const issuesOf = (result: z.SafeParseReturnType<unknown, unknown>) =>
		result.success ? [] : result.error.issues;

	test('answers exactly as the schema itself, issues and their paths included, for every item', () => {
		const plain = z.object({ webhooks }).strict();
		const once = z.object({ webhooks: checkedOncePerValue(webhooks) }).strict();
		const values = [
			[{ url: 'https://hooks.example.com/', event: 'phoneCall.completed' }],
			[{ url: 'not a url', event: '' }],
			[],
			'not a list',
			undefined,
		];
		// Each value three times, as the rows of one run would hold it.
		const rows = [...values, ...values, ...values];
		const expected = parseAll(plain, rows);
		const got = parseAll(once, rows);
		expect(got.map((r) => r.success)).toEqual(expected.map((r) => r.success));
		expect(got.map((r) => r.success && r.data)).toEqual(expected.map((r) => r.success && r.data));
		expect(got.map(issuesOf)).toEqual(expected.map(issuesOf));
		expect(issuesOf(got[1]).map((issue) => issue.path)).toEqual([
			['webhooks', 0, 'url'],
			['webhooks', 0, 'event'],
		]);
	});

	test('each item gets its own copy of the answer', () => {
		const once = checkedOncePerValue(webhooks);
		const value = [{ url: 'https://hooks.example.com/', event: 'phoneCall.completed' }];
		const first = once.parse(value);
		first[0].event = 'changed on its way';
		expect(once.parse(value)).toEqual(value);
	});

	test('a value that is not plain data is never taken for its text', () => {
		const once = checkedOncePerValue(z.string());
		const when = new Date('2030-01-01T00:00:00.000Z');
		expect(once.safeParse(when.toISOString()).success).toBe(true);
		// JSON would write the date as the same text; it is checked as the object it is.
		expect(once.safeParse(when).success).toBe(false);
		expect(once.safeParse({ toJSON: () => when.toISOString() }).success).toBe(false);
		const cycle: Record<string, unknown> = {};
		cycle.self = cycle;
		expect(checkedOncePerValue(z.object({}).passthrough()).safeParse(cycle).success).toBe(true);
	});

	test('an unset entry (undefined) is not taken for an empty one (null)', () => {
		const once = checkedOncePerValue(z.array(z.string().optional()));
		// JSON writes both lists as [null].
		expect(once.safeParse([undefined]).success).toBe(true);
		expect(once.safeParse([null]).success).toBe(false);
	});

	test('a field whose value changes with every item is still checked item by item', () => {
		const once = checkedOncePerValue(z.array(z.string().max(4)));
		const values = Array.from({ length: 60 }, (_, i) => [i % 3 === 0 ? 'too long' : String(i)]);
		expect(values.map((value) => once.safeParse(value).success)).toEqual(
			values.map((_, i) => i % 3 !== 0),
		);
		expect(values.map((value) => once.safeParse(value).data)).toEqual(
			values.map((value, i) => (i % 3 === 0 ? undefined : value)),
		);
	});
});
