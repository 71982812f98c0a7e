/**
 * Phone numbers: a national number is refused whatever its type (text, or a number as a
 * spreadsheet cell holds it) and nothing is dialed; with Options → Default Country Code it is
 * completed and checked for that country's length. Through each node, against the sandbox.
 */
import type { IDataObject } from 'n8n-workflow';
import { normalizePhoneNumber, parseCountryCode } from '../../nodes/shared/phone';
import { useSandbox } from '../fixtures/sandbox';
import { runAiCaller, runAlloMia, runHelloAnnie } from '../helpers/providers';
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
		['7946 0958', '44', '+4479460958'],
		['06 1234 5678', '39', '+390612345678'],
	])('%s with country code %s → %s', (input, countryCode, expected) => {
		expect(normalizePhoneNumber(input, countryCode)).toBe(expected);
	});

	test.each([
		['5559876543', undefined],
		['15559876543', undefined],
		['5551234', '1'],
		['0559876543', '1'],
		['5550876543', '1'],
		['25559876543', '1'],
		['555 CALL NOW', '1'],
		['1234567890123456', '44'],
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

const sandbox = useSandbox();

const A = SANDBOX_FIXTURES.alloMia;
const AICALLER_ID = SANDBOX_FIXTURES.aiCaller.calls[0]._id;

/** One operation of each node whose phone field is mapped from the item's `phone`. */
const cases = [
	{
		provider: 'helloannie' as const,
		run: runHelloAnnie,
		field: 'To Number (toNumber)',
		parameters: { resource: 'call', operation: 'start', fromNumber: '+15551234567', toNumber: '={{ $json.phone }}' },
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
			items: [{ phone: 5559876543 }, { phone: '5559876543' }, { phone: 5551234 }, { phone: 15559876543 }],
			continueOnFail: true,
		});
		expect(sandbox.requestsFor(provider)).toEqual([]);
		expect(result.items.map((item) => item.json.error)).toEqual(
			Array(4).fill(
				`${field} must be a full phone number with its country code, like +15551234567 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code`,
			),
		);
		expect(result.items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
	});

	test('with Default Country Code +1, national numbers are completed; a short one is refused', async () => {
		const result = await run(
			sandbox,
			{ ...parameters, requestOptions: { defaultCountryCode: '+1' } },
			{
				items: [{ phone: 5559876543 }, { phone: '(555) 987-6544' }, { phone: '+44 20 7946 0958' }, { phone: 5551234 }],
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
			`${field} is not a US or Canadian phone number: enter its 10 digits, area code first (like 555 123 4567), or the full number with its country code, like +15551234567`,
		);
	});

	test('a Default Country Code that is not one stops the node before anything is sent', async () => {
		const result = await run(sandbox, { ...parameters, requestOptions: { defaultCountryCode: 'USA' } }, { items: [{ phone: 5559876543 }] });
		expect(sandbox.requestsFor(provider)).toEqual([]);
		expect(result.error?.message).toBe(
			'Options → Default Country Code (defaultCountryCode) is not a country calling code: enter one such as +1 (US and Canada), +44 (UK) or +33 (France), or leave it empty to require the country code in every number',
		);
	});
});
