/**
 * Phone numbers as the providers want them: E.164 (`+` then up to 15 digits, no leading 0).
 *
 * EHR exports and spreadsheets carry numbers like "+1 (555) 123-4567" or "0044 20 7946 0958";
 * that formatting is removed. A number without its country code is refused rather than
 * guessed (dialing the wrong country costs money and reaches the wrong person), unless the
 * user set a Default Country Code: then a national number is completed with it and checked
 * against that country's length where a rule is known.
 */

const FORMATTING = /[\s\-().\u00a0\u2010-\u2015/]/g;
const E164 = /^\+[1-9]\d{6,14}$/;
/** A country calling code as a user types it: `+1`, `1`, `+44`, `0044`. */
const COUNTRY_CODE = /^(?:\+|00)?([1-9]\d{0,2})$/;
/** NANP (+1): 10 digits, area code and exchange starting with 2–9. */
const NANP_NATIONAL = /^[2-9]\d{2}[2-9]\d{6}$/;
/** Countries whose numbers keep their leading 0 after the country code (Italy, San Marino, Vatican). */
const KEEPS_LEADING_ZERO = new Set(['39', '378', '379']);

export const PHONE_RULE =
	'must be a full phone number with its country code, like +15551234567 for the US or +442079460958 for the UK (international "E.164" format): add the country code, or set Options → Default Country Code';

export function phoneRuleWithCountryCode(countryCode: string): string {
	return countryCode === '1'
		? 'is not a US or Canadian phone number: enter its 10 digits, area code first (like 555 123 4567), or the full number with its country code, like +15551234567'
		: `is not a phone number of country +${countryCode}: enter its national digits (like 020 7946 0958) or the full number starting with +${countryCode}`;
}

export const COUNTRY_CODE_RULE =
	'is not a country calling code: enter one such as +1 (US and Canada), +44 (UK) or +33 (France), or leave it empty to require the country code in every number';

/** `+1`, `1`, `0044` → `1`, `44`; undefined when the text is not a country calling code. */
export function parseCountryCode(raw: string): string | undefined {
	return COUNTRY_CODE.exec(raw.trim().replace(FORMATTING, ''))?.[1];
}

/**
 * The E.164 form of `raw`, or undefined when it cannot be known for sure. `countryCode` (digits,
 * from parseCountryCode) completes numbers written without `+` or `00`; unset, they are refused.
 */
export function normalizePhoneNumber(raw: string, countryCode?: string): string | undefined {
	let value = raw.trim().replace(FORMATTING, '');
	if (value.startsWith('00')) value = `+${value.slice(2)}`;
	if (value.startsWith('+')) return E164.test(value) ? value : undefined;
	if (!countryCode || !/^\d+$/.test(value)) return undefined;
	if (countryCode === '1') {
		// The NANP trunk prefix 1 (as in 1 555 123 4567) is dropped; the rest must be 10 digits.
		const national = value.length === 11 && value.startsWith('1') ? value.slice(1) : value;
		return NANP_NATIONAL.test(national) ? `+1${national}` : undefined;
	}
	// Elsewhere a national number usually starts with the trunk prefix 0 (020 7946 0958 in the UK),
	// which is not dialed from abroad; a few countries keep it.
	const national = value.startsWith('0') && !KEEPS_LEADING_ZERO.has(countryCode) ? value.slice(1) : value;
	if (national.startsWith('0') && !KEEPS_LEADING_ZERO.has(countryCode)) return undefined;
	const full = `+${countryCode}${national}`;
	return E164.test(full) ? full : undefined;
}
