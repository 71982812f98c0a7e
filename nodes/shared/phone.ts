/**
 * Phone numbers as the providers want them: E.164 (`+` then up to 15 digits, no leading 0).
 *
 * EHR exports and spreadsheets carry numbers like "+1 (555) 987-6543", "0044 20 7946 0958" or
 * "+44 (0)20 7946 0958"; that formatting is removed. A number without its country code is refused
 * rather than guessed (dialing the wrong country costs money and reaches the wrong person), unless
 * the user set a Default Country Code: then a national number is completed with it. Either way, a
 * number of a country in NUMBERING_PLANS must have a length and first digits that country's plan
 * allows, so that a digit too many or too few, or a country code typed twice, stops the item
 * before anything is dialed.
 */

/** Separators people put between digits. Brackets are handled apart: "(0)" can carry meaning. */
const SEPARATORS = /[\s\-.\u00a0\u2010-\u2015/]/g;
const BRACKETS = /[()]/g;
const FORMATTING = /[\s\-().\u00a0\u2010-\u2015/]/g;
/**
 * "+44(0)20…", "0044(0)20…": the trunk prefix 0 that many write in brackets right after the
 * country code, meaning "dial this 0 only from within the country".
 */
const BRACKETED_TRUNK_ZERO = /^(\+|00)([1-9]\d{0,2})\(0\)/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** A country calling code as a user types it: `+1`, `1`, `+44`, `0044`. */
const COUNTRY_CODE = /^(?:\+|00)?([1-9]\d{0,2})$/;
/** Countries whose numbers keep their leading 0 after the country code (Italy, San Marino, Vatican). */
const KEEPS_LEADING_ZERO = new Set(['39', '378', '379']);

/** National numbers of one country that start alike and have the same possible lengths. */
interface NumberRange {
	/** The first digits of the national significant number (the digits after the country code). */
	startsWith: RegExp;
	/** Fewest and most digits after the country code. */
	digits: readonly [min: number, max: number];
}

/** What a country's numbering plan allows after its country code. */
interface NumberingPlan {
	/** How a message names the country's numbers: "a UK number". */
	name: string;
	/** The digit dialed before a national number within the country and not from abroad. */
	trunkPrefix?: '0' | '1';
	ranges: readonly NumberRange[];
	/** In words, for a refusal: what the national number starts with. */
	startRule: string;
	/** A number as written within the country, shown in messages; accepted by this plan. */
	example: string;
}

/**
 * Per country calling code, the national significant numbers its plan allows. Countries not listed
 * keep the generic E.164 rule (7 to 15 digits with the country code).
 *
 * Sources, per country: the regulator's published plan where one is named below, and the possible
 * lengths and first digits of Google's libphonenumber metadata (resources/PhoneNumberMetadata.xml,
 * a reference only: nothing of it is shipped), which follows the plans countries notify to the
 * ITU-T for E.164:
 * - +1 NANP (NANPA's North American Numbering Plan): NXX-NXX-XXXX, 10 digits, the area code
 *   starting with 2–9; trunk prefix 1. The plan's rule that the exchange (the next 3 digits) starts
 *   with 2–9 too is not checked: the providers' own documentation examples (+1 555 123 4567) break
 *   it, and only the length is what this package promises to refuse.
 * - +33 France (ARCEP, plan national de numérotation): 10-digit numbers 0Z ABPQ MCDU, Z from 1 to
 *   9, so 9 digits after +33. libphonenumber agrees. The longer machine-to-machine numbers are left
 *   out: they are not for calling people.
 * - +34 Spain (libphonenumber only): 9 digits, no trunk prefix; 6 and 7 mobile, 8 and 9
 *   landlines, 5 and 400 other services.
 * - +39 Italy (libphonenumber; AGCOM's plan for what each first digit is for): landlines 0… with
 *   6 to 11 digits, the 0 dialed from abroad too; mobiles 3… with 9 or 10; other services (1, 4,
 *   5, 7, 8) 6 to 11. libphonenumber also knows a few 12-digit landlines, left out here.
 * - +44 UK (Ofcom's National Telephone Numbering Plan and its code lists; libphonenumber): 10
 *   digits after the trunk 0 for almost all numbers; 9 for a few 01 areas (e.g. 016977 xxxx) and
 *   old 0800 xxxxxx numbers; 04 and 06 are not in use. The 7-digit 0800 1111 (a helpline) is left
 *   out.
 * - +49 Germany (Bundesnetzagentur: area codes of 2 to 5 digits after the trunk 0, numbers of up to
 *   13 digits as the ITU-T allows Germany, older numbers shorter; libphonenumber: 5 digits at
 *   least, mobile numbers 015x and 017x with 10 or 11).
 * - +61 Australia (ACMA, Telecommunications Numbering Plan 2015, as ACMA's numbering page sums it
 *   up): 10-digit numbers 0X XXXX XXXX, so 9 digits after +61; 02, 03, 07, 08 landlines and 04
 *   mobiles (05 is set aside for mobiles, not yet in use). 13, 1300 and 1800 numbers are not for
 *   calling from abroad and are refused.
 */
const NUMBERING_PLANS: Readonly<Record<string, NumberingPlan>> = {
	'1': {
		name: 'a US or Canadian number',
		trunkPrefix: '1',
		ranges: [{ startsWith: /^[2-9]/, digits: [10, 10] }],
		startRule: 'the area code starts with 2 to 9',
		example: '555 987 6543',
	},
	'33': {
		name: 'a French number',
		trunkPrefix: '0',
		ranges: [{ startsWith: /^[1-9]/, digits: [9, 9] }],
		startRule: 'French numbers start with 1 to 9 after +33',
		example: '01 23 45 67 89',
	},
	'34': {
		name: 'a Spanish number',
		ranges: [{ startsWith: /^(?:[5-9]|400)/, digits: [9, 9] }],
		startRule: 'Spanish mobile numbers start with 6 or 7 after +34, landlines with 8 or 9',
		example: '912 345 678',
	},
	'39': {
		name: 'an Italian number',
		ranges: [
			{ startsWith: /^0/, digits: [6, 11] },
			{ startsWith: /^3/, digits: [9, 10] },
			{ startsWith: /^[14578]/, digits: [6, 11] },
		],
		startRule: 'Italian landlines keep their leading 0 after +39 and mobile numbers start with 3',
		example: '06 1234 5678',
	},
	'44': {
		name: 'a UK number',
		trunkPrefix: '0',
		ranges: [
			{ startsWith: /^[18]/, digits: [9, 10] },
			{ startsWith: /^[23579]/, digits: [10, 10] },
		],
		startRule: 'UK numbers start with 1, 2, 3, 5, 7, 8 or 9 after +44',
		example: '020 7946 0958',
	},
	'49': {
		name: 'a German number',
		trunkPrefix: '0',
		ranges: [
			{ startsWith: /^1[57]/, digits: [10, 11] },
			{ startsWith: /^(?:1[0-46-9]|[2-9])/, digits: [5, 13] },
		],
		startRule: 'German numbers start with 1 to 9 after +49',
		example: '030 1234567',
	},
	'61': {
		name: 'an Australian number',
		trunkPrefix: '0',
		ranges: [{ startsWith: /^[2-478]/, digits: [9, 9] }],
		startRule: 'Australian landlines start with 2, 3, 7 or 8 after +61 and mobile numbers with 4',
		example: '02 5550 1234',
	},
};

/** The plan's example as dialed from abroad: `+44 20 7946 0958`. */
function internationalExample(countryCode: string, plan: NumberingPlan): string {
	const national = plan.trunkPrefix === '0' ? plan.example.replace(/^0/, '') : plan.example;
	return `+${countryCode} ${national}`;
}

export const PHONE_RULE =
	'must be a full phone number with its country code, like +15559876543 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code';

export function phoneRuleWithCountryCode(countryCode: string): string {
	if (countryCode === '1')
		return 'is not a US or Canadian phone number: enter its 10 digits, area code first (like 555 987 6543), or the full number with its country code, like +15559876543';
	const example = NUMBERING_PLANS[countryCode]?.example;
	return `is not a phone number of country +${countryCode}: enter its national digits${example ? ` (like ${example})` : ''} or the full number starting with +${countryCode}`;
}

export const COUNTRY_CODE_RULE =
	'is not a country calling code: enter one such as +1 (US and Canada), +44 (UK) or +33 (France), or leave it empty to require the country code in every number';

/** `+1`, `1`, `0044` → `1`, `44`; undefined when the text is not a country calling code. */
export function parseCountryCode(raw: string): string | undefined {
	return COUNTRY_CODE.exec(raw.trim().replace(FORMATTING, ''))?.[1];
}

/**
 * A phone number in E.164, or why it is refused: `problem` reads after the field's name, as
 * "<what was wrong>: <what to do>", and never repeats the number (it is personal data).
 */
export type PhoneNumberCheck = { ok: true; e164: string } | { ok: false; problem: string };

const refuse = (problem: string): PhoneNumberCheck => ({ ok: false, problem });

/**
 * Checks `raw` and gives its E.164 form. `countryCode` (digits, from parseCountryCode) completes
 * numbers written without `+` or `00`; unset, they are refused.
 */
export function checkPhoneNumber(raw: string, countryCode?: string): PhoneNumberCheck {
	const unreadable = refuse(countryCode ? phoneRuleWithCountryCode(countryCode) : PHONE_RULE);
	let value = raw
		.trim()
		.replace(SEPARATORS, '')
		.replace(BRACKETED_TRUNK_ZERO, (_, international: string, code: string) =>
			KEEPS_LEADING_ZERO.has(code) ? `${international}${code}0` : `${international}${code}`,
		)
		.replace(BRACKETS, '');
	if (value.startsWith('00')) value = `+${value.slice(2)}`;
	if (value.startsWith('+')) {
		const digits = value.slice(1);
		if (!/^[1-9]\d*$/.test(digits)) return unreadable;
		// Country codes are prefix-free: at most one listed code can start the digits.
		const code = Object.keys(NUMBERING_PLANS).find((listed) => digits.startsWith(listed));
		if (code) return checkNational(code, digits.slice(code.length), 'international');
		return E164.test(value) ? { ok: true, e164: value } : unreadable;
	}
	if (!countryCode || !/^\d+$/.test(value)) return unreadable;
	const plan = NUMBERING_PLANS[countryCode];
	if (plan) {
		// The trunk prefix (0 in most countries, 1 in NANP as in 1 555 987 6543) is not dialed from abroad.
		const national =
			plan.trunkPrefix && value.startsWith(plan.trunkPrefix) ? value.slice(1) : value;
		return checkNational(countryCode, national, 'completed');
	}
	// Elsewhere a national number usually starts with the trunk prefix 0, which is not dialed from
	// abroad; a few countries keep it.
	const national =
		value.startsWith('0') && !KEEPS_LEADING_ZERO.has(countryCode) ? value.slice(1) : value;
	if (national.startsWith('0') && !KEEPS_LEADING_ZERO.has(countryCode)) return unreadable;
	const full = `+${countryCode}${national}`;
	return E164.test(full) ? { ok: true, e164: full } : unreadable;
}

/** The E.164 form of `raw`, or undefined when it cannot be known for sure (see checkPhoneNumber). */
export function normalizePhoneNumber(raw: string, countryCode?: string): string | undefined {
	const checked = checkPhoneNumber(raw, countryCode);
	return checked.ok ? checked.e164 : undefined;
}

function fitsPlan(plan: NumberingPlan, national: string): boolean {
	return plan.ranges.some(
		({ startsWith, digits: [min, max] }) =>
			startsWith.test(national) && national.length >= min && national.length <= max,
	);
}

function digitCount(ranges: readonly NumberRange[]): string {
	const min = Math.min(...ranges.map((range) => range.digits[0]));
	const max = Math.max(...ranges.map((range) => range.digits[1]));
	if (min === max) return `${min}`;
	return max === min + 1 ? `${min} or ${max}` : `${min} to ${max}`;
}

/**
 * `national`: the digits after country code `code` (a listed one), written by the user after `+`
 * or `00` ('international'), or completed with Default Country Code ('completed').
 */
function checkNational(
	code: string,
	national: string,
	written: 'international' | 'completed',
): PhoneNumberCheck {
	const plan = NUMBERING_PLANS[code];
	if (fitsPlan(plan, national)) return { ok: true, e164: `+${code}${national}` };

	// "+44 44 20 7946 0958": too long, and right once the repeated code is removed. A number that
	// merely starts with the code's digits and has a possible length (+33 3…) is a real one.
	const longest = Math.max(...plan.ranges.map((range) => range.digits[1]));
	if (
		national.startsWith(code) &&
		national.length > longest &&
		fitsPlan(plan, national.slice(code.length))
	) {
		return refuse(
			written === 'international'
				? `has the country code twice (+${code} ${code}…): remove the repeated ${code}`
				: `starts with the country code ${code}, which Options → Default Country Code adds again: add + before the number, or remove its ${code}`,
		);
	}
	// "+44 020 …": the trunk 0 written after the country code would be dialed.
	if (plan.trunkPrefix === '0' && national.startsWith('0')) {
		return refuse(
			`has a 0 after the country code (+${code} 0…): remove that 0, it is only dialed within the country`,
		);
	}

	// The example is written the way the user wrote the number: with + or, completed, as at home.
	const example = written === 'international' ? internationalExample(code, plan) : plan.example;
	const counted =
		written === 'international'
			? ` after +${code}`
			: plan.trunkPrefix === '0'
				? ', not counting a leading 0'
				: '';
	const needs = (ranges: readonly NumberRange[]) =>
		`it needs ${digitCount(ranges)} digits${counted}, like ${example}`;
	const tooShort = (ranges: readonly NumberRange[]) =>
		refuse(
			`is too short for ${plan.name} (+${code}): check it for a missing digit; ${needs(ranges)}`,
		);
	const tooLong = (ranges: readonly NumberRange[]) =>
		refuse(
			`is too long for ${plan.name} (+${code}): check it for an extra digit; ${needs(ranges)}`,
		);
	const impossibleStart = refuse(
		`is not ${plan.name} (+${code}): check it; ${plan.startRule}, like ${example}`,
	);

	const matching = plan.ranges.filter((range) => range.startsWith.test(national));
	// Too few digits to judge how it starts: say so first, it is the likelier mistake.
	const shortest = Math.min(...plan.ranges.map((range) => range.digits[0]));
	if (national.length < shortest) return tooShort(matching.length ? matching : plan.ranges);
	if (matching.length === 0) return impossibleStart;
	if (national.length < Math.min(...matching.map((range) => range.digits[0])))
		return tooShort(matching);
	if (national.length > Math.max(...matching.map((range) => range.digits[1])))
		return tooLong(matching);
	return impossibleStart;
}
