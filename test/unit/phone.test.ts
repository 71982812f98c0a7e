/**
 * Phone numbers: a national number is refused whatever its type (text, or a number as a
 * spreadsheet cell holds it) and nothing is dialed; with Options → Default Country Code it is
 * completed and checked for that country's length. Through each node, against the sandbox.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { HelloAnnie } from '../../nodes/HelloAnnie/HelloAnnie.node';
import {
	checkPhoneNumber,
	normalizePhoneNumber,
	parseCountryCode,
	PHONE_RULE,
	phoneRuleWithCountryCode,
} from '../../nodes/shared/phone';
import { useSandbox } from '../in-process/sandbox';
import { runAiCaller, runAlloMia, runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

describe('normalizePhoneNumber', () => {
	test.each([
		['+15559876543', undefined, '+15559876543'],
		['+1 (555) 987-6543', undefined, '+15559876543'],
		['0044 20 7946 0958', undefined, '+442079460958'],
		['5559876543', '1', '+15559876543'],
		['(555) 987-6543', '1', '+15559876543'],
		['1 555 987 6543', '1', '+15559876543'],
		['+33 1 23 45 67 89', '1', '+33123456789'],
		['020 7946 0958', '44', '+442079460958'],
		['06 1234 5678', '39', '+390612345678'],
		// A trunk prefix in brackets right after the country code is not dialed from abroad…
		['+44 (0)20 7946 0958', undefined, '+442079460958'],
		['0044 (0) 20 7946 0958', undefined, '+442079460958'],
		['+49 (0)30 123456', undefined, '+4930123456'],
		['+44 (0)20 7946 0958', '1', '+442079460958'],
		['+41 (0)44 123 45 67', undefined, '+41441234567'],
		// …except in Italy, where the 0 belongs to the number.
		['+39 (0)6 1234 5678', undefined, '+390612345678'],
		// Numbers that start with their country code's digits and have the country's length are real.
		['+33 3 31 23 45 67', undefined, '+33331234567'],
		['03 31 23 45 67', '33', '+33331234567'],
		['+39 345 123 4567', undefined, '+393451234567'],
		// Each listed country at the lengths its plan allows.
		['+44 16977 3456', undefined, '+44169773456'],
		['+44 800 123 456', undefined, '+44800123456'],
		['+34 612 345 678', undefined, '+34612345678'],
		['912 345 678', '34', '+34912345678'],
		['+39 0471 123', undefined, '+390471123'],
		['+49 30 12345', undefined, '+493012345'],
		['+49 1512 3456789', undefined, '+4915123456789'],
		['0171 1234567', '49', '+491711234567'],
		['+61 4 1234 5678', undefined, '+61412345678'],
		['02 5550 1234', '61', '+61255501234'],
		['+1 (416) 555-0199', undefined, '+14165550199'],
		// NANP's exchange rule is not checked: HelloAnnie's own example number is +1 555 123 4567.
		['+15551234567', undefined, '+15551234567'],
		['555 123 4567', '1', '+15551234567'],
	])('%s with country code %s → %s', (input, countryCode, expected) => {
		expect(normalizePhoneNumber(input, countryCode)).toBe(expected);
	});

	test.each([
		['5559876543', undefined],
		['15559876543', undefined],
		['5551234', '1'],
		['0559876543', '1'],
		['25559876543', '1'],
		['555 CALL NOW', '1'],
		['1234567890123456', '44'],
		['7946 0958', '44'],
		['+1234567890', undefined],
		['+44 020 7946 0958', undefined],
	])('refuses %s with country code %s', (input, countryCode) => {
		expect(normalizePhoneNumber(input, countryCode)).toBeUndefined();
	});

	test.each([
		['+1', '1'],
		['1', '1'],
		['0044', '44'],
		[' +33 ', '33'],
		['+0', undefined],
		['+1234', undefined],
		['US', undefined],
	])('country code %p → %p', (input, expected) => {
		expect(parseCountryCode(input)).toBe(expected);
	});
});

describe('checkPhoneNumber says why a number is refused, without repeating it', () => {
	const twice = (code: string) =>
		`has the country code twice (+${code} ${code}…): remove the repeated ${code}`;
	const refusals: Array<[string, string | undefined, string]> = [
		// The country code typed twice: too long for the country, and right once it is removed.
		['+1 1 555 314 1592', undefined, twice('1')],
		['001 1 555 314 1592', undefined, twice('1')],
		['+44 44 20 3141 5926', undefined, twice('44')],
		['+44 (0)44 20 3141 5926', undefined, twice('44')],
		['+33 33 1 31 41 59 26', undefined, twice('33')],
		['+34 34 931 415 926', undefined, twice('34')],
		['+39 39 06 3141 5926', undefined, twice('39')],
		['+61 61 2 3141 5926', undefined, twice('61')],
		['+49 49 30 31415926535', undefined, twice('49')],
		['+44 44 20 3141 5926', '44', twice('44')],
		[
			'44 20 3141 5926',
			'44',
			'starts with the country code 44, which Options → Default Country Code adds again: add + before the number, or remove its 44',
		],
		[
			'33 1 31 41 59 26',
			'33',
			'starts with the country code 33, which Options → Default Country Code adds again: add + before the number, or remove its 33',
		],
		// A length the country's plan does not have.
		[
			'+1 555 314 159',
			undefined,
			'is too short for a US or Canadian number (+1): check it for a missing digit; it needs 10 digits after +1, like +1 555 987 6543',
		],
		[
			'+1 555 314 15926',
			undefined,
			'is too long for a US or Canadian number (+1): check it for an extra digit; it needs 10 digits after +1, like +1 555 987 6543',
		],
		[
			'555 314 159',
			'1',
			'is too short for a US or Canadian number (+1): check it for a missing digit; it needs 10 digits, like 555 987 6543',
		],
		[
			'+33 6 31 41 59 2',
			undefined,
			'is too short for a French number (+33): check it for a missing digit; it needs 9 digits after +33, like +33 1 23 45 67 89',
		],
		[
			'06 31 41 59 26 5',
			'33',
			'is too long for a French number (+33): check it for an extra digit; it needs 9 digits, not counting a leading 0, like 01 23 45 67 89',
		],
		[
			'+34 631 415 92',
			undefined,
			'is too short for a Spanish number (+34): check it for a missing digit; it needs 9 digits after +34, like +34 912 345 678',
		],
		[
			'+39 331 415 926 53',
			undefined,
			'is too long for an Italian number (+39): check it for an extra digit; it needs 9 or 10 digits after +39, like +39 06 1234 5678',
		],
		[
			'+44 20 3141 592',
			undefined,
			'is too short for a UK number (+44): check it for a missing digit; it needs 10 digits after +44, like +44 20 7946 0958',
		],
		[
			'07314 159265 3',
			'44',
			'is too long for a UK number (+44): check it for an extra digit; it needs 10 digits, not counting a leading 0, like 020 7946 0958',
		],
		[
			'+49 151 314159',
			undefined,
			'is too short for a German number (+49): check it for a missing digit; it needs 10 or 11 digits after +49, like +49 30 1234567',
		],
		[
			'+49 30 31415926535897',
			undefined,
			'is too long for a German number (+49): check it for an extra digit; it needs 5 to 13 digits after +49, like +49 30 1234567',
		],
		[
			'+61 2 3141 592',
			undefined,
			'is too short for an Australian number (+61): check it for a missing digit; it needs 9 digits after +61, like +61 2 5550 1234',
		],
		[
			'0431 415 92',
			'61',
			'is too short for an Australian number (+61): check it for a missing digit; it needs 9 digits, not counting a leading 0, like 02 5550 1234',
		],
		// First digits the country's plan does not have.
		[
			'+1 155 131 4159',
			undefined,
			'is not a US or Canadian number (+1): check it; the area code starts with 2 to 9, like +1 555 987 6543',
		],
		[
			'+39 6 3141 5926',
			undefined,
			'is not an Italian number (+39): check it; Italian landlines keep their leading 0 after +39 and mobile numbers start with 3, like +39 06 1234 5678',
		],
		[
			'+44 4131 415926',
			undefined,
			'is not a UK number (+44): check it; UK numbers start with 1, 2, 3, 5, 7, 8 or 9 after +44, like +44 20 7946 0958',
		],
		[
			'1300 314 159',
			'61',
			'is not an Australian number (+61): check it; Australian landlines start with 2, 3, 7 or 8 after +61 and mobile numbers with 4, like 02 5550 1234',
		],
		// The trunk 0 written, without brackets, after the country code.
		[
			'+44 020 3141 5926',
			undefined,
			'has a 0 after the country code (+44 0…): remove that 0, it is only dialed within the country',
		],
		[
			'0033 06 31 41 59 26',
			'44',
			'has a 0 after the country code (+33 0…): remove that 0, it is only dialed within the country',
		],
		// No country code, or not a number at all: the rules as before.
		['555 314 1592', undefined, PHONE_RULE],
		['+1555CALLNOW', undefined, PHONE_RULE],
		['555 CALL NOW', '1', phoneRuleWithCountryCode('1')],
		['12', '81', phoneRuleWithCountryCode('81')],
	];

	test.each(refusals)('%s with country code %s: %s', (input, countryCode, problem) => {
		expect(checkPhoneNumber(input, countryCode)).toEqual({ ok: false, problem });
		// The number is personal data: no run of its digits comes back (only a country code may).
		const digits = input.replace(/\D/g, '');
		if (digits.length >= 8) expect(problem.replace(/\D/g, '')).not.toContain(digits.slice(-6));
	});

	test('an accepted number comes back in E.164', () => {
		expect(checkPhoneNumber('+44 (0)20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
	});

	test('a country without a plan here keeps the generic E.164 rule (7 to 15 digits in all)', () => {
		expect(normalizePhoneNumber('+81 3 1234 5678')).toBe('+81312345678');
		expect(normalizePhoneNumber('+81 3 1234 5678 9012 3')).toBeUndefined();
		expect(normalizePhoneNumber('03 1234 5678', '81')).toBe('+81312345678');
		expect(checkPhoneNumber('+81 12', undefined)).toEqual({ ok: false, problem: PHONE_RULE });
	});

	/** Phone numbers a message quotes as examples: "+15559876543", "555 987 6543", "+44 20 7946 0958". */
	const quotedNumbers = (message: string) => message.match(/\+?\d[\d ]{5,}\d/g) ?? [];

	test('every number the phone messages quote is accepted, as the sentence says', () => {
		const countryCodes = ['1', '33', '34', '39', '44', '49', '61', '81'];
		// Each message, with the Default Country Code it is shown under.
		const messages: Array<[string, string | undefined]> = [
			[PHONE_RULE, undefined],
			...countryCodes.map((code): [string, string] => [phoneRuleWithCountryCode(code), code]),
			...refusals.map(([, countryCode, problem]): [string, string | undefined] => [
				problem,
				countryCode,
			]),
		];
		const option = new HelloAnnie().description.properties
			.filter((property) => property.name === 'requestOptions')
			.flatMap((property) => (property.options ?? []) as INodeProperties[])
			.find((property) => property.name === 'defaultCountryCode');
		expect(option?.description).toBeDefined();
		messages.push([option?.description ?? '', '1']);

		const examples = messages.flatMap(([message, countryCode]) =>
			quotedNumbers(message).map((example) => ({ example, countryCode, message })),
		);
		const refused = examples.filter(
			({ example, countryCode }) => !checkPhoneNumber(example, countryCode).ok,
		);
		expect(refused).toEqual([]);
		// A number written with + needs no Default Country Code.
		const needsCountryCode = examples.filter(
			({ example }) => example.startsWith('+') && !checkPhoneNumber(example).ok,
		);
		expect(needsCountryCode).toEqual([]);
		// Not vacuous: the examples of every listed country and of the option were met.
		expect(new Set(examples.map(({ example }) => example))).toEqual(
			new Set([
				'+15559876543',
				'+442079460958',
				'555 987 6543',
				'01 23 45 67 89',
				'912 345 678',
				'06 1234 5678',
				'020 7946 0958',
				'030 1234567',
				'02 5550 1234',
				'+1 555 987 6543',
				'+33 1 23 45 67 89',
				'+34 912 345 678',
				'+39 06 1234 5678',
				'+44 20 7946 0958',
				'+49 30 1234567',
				'+61 2 5550 1234',
			]),
		);
		// The option's sentence "555 987 6543 becomes +15559876543" holds with +1.
		const [, national, full] = /(\d[\d ]+\d) becomes (\+\d+)/.exec(option?.description ?? '') ?? [];
		expect(normalizePhoneNumber(national, '1')).toBe(full);
	});
});

const sandbox = useSandbox();

const A = SANDBOX_FIXTURES.alloMia;
const AICALLER_ID = SANDBOX_FIXTURES.aiCaller.calls[0]._id;

/** One operation of each node whose phone field is mapped from the item's `phone`. */
const cases = [
	{
		provider: 'helloannie' as const,
		run: runHelloAnnie,
		field: 'To Number (toNumber)',
		// The sandbox's outbound Spanish line: a number the NANP rule accepts.
		parameters: {
			resource: 'call',
			operation: 'start',
			fromNumber: '+15557654321',
			toNumber: '={{ $json.phone }}',
		},
		sent: (body: IDataObject) => body.toNumber,
	},
	{
		provider: 'allomia' as const,
		run: runAlloMia,
		field: 'Phone Number (phoneNumber)',
		parameters: {
			resource: 'call',
			operation: 'createOutbound',
			phoneNumber: '={{ $json.phone }}',
			assistantId: A.assistants[0].id,
			phoneNumberId: A.phoneNumbers[0].id,
		},
		sent: (body: IDataObject) => body.phoneNumber,
	},
	{
		provider: 'aicaller' as const,
		run: runAiCaller,
		field: 'To Phone Number (toPhoneNumber)',
		parameters: {
			resource: 'phoneCall',
			operation: 'create',
			teamId: AICALLER_ID,
			callTemplateId: AICALLER_ID,
			nameOfHuman: 'Sam',
			toPhoneNumber: '={{ $json.phone }}',
		},
		sent: (body: IDataObject) => body.toPhoneNumber,
	},
];

describe.each(cases)('$provider', ({ provider, run, field, parameters, sent }) => {
	test('a national number is refused as text and as a number, and nothing is dialed', async () => {
		const result = await run(sandbox, parameters, {
			items: [
				{ phone: 5559876543 },
				{ phone: '5559876543' },
				{ phone: 5551234 },
				{ phone: 15559876543 },
			],
			continueOnFail: true,
		});
		expect(sandbox.requestsFor(provider)).toEqual([]);
		expect(result.items.map((item) => item.json.error)).toEqual(
			Array(4).fill(
				`${field} must be a full phone number with its country code, like +15559876543 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code`,
			),
		);
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2, 3].map((item) => ({ item })),
		);
	});

	test('with Default Country Code +1, national numbers are completed; a short one is refused', async () => {
		const result = await run(
			sandbox,
			{ ...parameters, requestOptions: { defaultCountryCode: '+1' } },
			{
				items: [
					{ phone: 5559876543 },
					{ phone: '(555) 987-6544' },
					{ phone: '+44 20 7946 0958' },
					{ phone: 5551234 },
				],
				continueOnFail: true,
			},
		);
		const requests = sandbox.requestsFor(provider);
		expect(requests.map((request) => sent(request.body as IDataObject))).toEqual([
			'+15559876543',
			'+15559876544',
			'+442079460958',
		]);
		expect(requests.every((request) => request.valid)).toBe(true);
		expect(result.items[3].json.error).toBe(
			`${field} is too short for a US or Canadian number (+1): check it for a missing digit; it needs 10 digits, like 555 987 6543`,
		);
	});

	test('a trunk 0 in brackets is not dialed; a country code typed twice or a length the country does not have is refused', async () => {
		const result = await run(sandbox, parameters, {
			items: [
				{ phone: '+44 (0)20 7946 0958' },
				{ phone: '0049 (0)30 123456' },
				{ phone: '+44 44 20 7946 0958' },
				{ phone: '+1 1 555 987 6543' },
				{ phone: '+33 6 12 34 56 7' },
				{ phone: '+1234567890' },
			],
			continueOnFail: true,
		});
		const requests = sandbox.requestsFor(provider);
		expect(requests.map((request) => sent(request.body as IDataObject))).toEqual([
			'+442079460958',
			'+4930123456',
		]);
		expect(requests.every((request) => request.valid)).toBe(true);
		expect(result.items.slice(2).map((item) => item.json.error)).toEqual([
			`${field} has the country code twice (+44 44…): remove the repeated 44`,
			`${field} has the country code twice (+1 1…): remove the repeated 1`,
			`${field} is too short for a French number (+33): check it for a missing digit; it needs 9 digits after +33, like +33 1 23 45 67 89`,
			`${field} is too short for a US or Canadian number (+1): check it for a missing digit; it needs 10 digits after +1, like +1 555 987 6543`,
		]);
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2, 3, 4, 5].map((item) => ({ item })),
		);
	});

	test('with Default Country Code +44, the country code typed again or a missing digit is refused', async () => {
		const result = await run(
			sandbox,
			{ ...parameters, requestOptions: { defaultCountryCode: '+44' } },
			{
				items: [
					{ phone: '020 7946 0958' },
					{ phone: 2079460958 },
					{ phone: 442079460958 },
					{ phone: '020 7946 095' },
				],
				continueOnFail: true,
			},
		);
		const requests = sandbox.requestsFor(provider);
		expect(requests.map((request) => sent(request.body as IDataObject))).toEqual([
			'+442079460958',
			'+442079460958',
		]);
		expect(result.items.slice(2).map((item) => item.json.error)).toEqual([
			`${field} starts with the country code 44, which Options → Default Country Code adds again: add + before the number, or remove its 44`,
			`${field} is too short for a UK number (+44): check it for a missing digit; it needs 10 digits, not counting a leading 0, like 020 7946 0958`,
		]);
	});

	test('a Default Country Code that is not one stops the node before anything is sent', async () => {
		const result = await run(
			sandbox,
			{ ...parameters, requestOptions: { defaultCountryCode: 'USA' } },
			{ items: [{ phone: 5559876543 }] },
		);
		expect(sandbox.requestsFor(provider)).toEqual([]);
		expect(result.error?.message).toBe(
			'Options → Default Country Code (defaultCountryCode) is not a country calling code: enter one such as +1 (US and Canada), +44 (UK) or +33 (France), or leave it empty to require the country code in every number',
		);
	});
});
