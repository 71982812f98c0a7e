/**
 * Phone numbers as the providers want them: E.164 (`+` then up to 15 digits, no leading 0).
 *
 * EHR exports and spreadsheets carry numbers like "+1 (555) 123-4567" or "0044 20 7946 0958";
 * that formatting is removed. A number without its country code is refused rather than
 * guessed: dialing the wrong country costs money and reaches the wrong person.
 */

const FORMATTING = /[\s\-().\u00a0\u2010-\u2015/]/g;
const E164 = /^\+[1-9]\d{6,14}$/;

export const PHONE_RULE = 'must be a phone number in E.164 format with its country code, e.g. +15551234567';

export function normalizePhoneNumber(raw: string): string | undefined {
	let value = raw.trim().replace(FORMATTING, '');
	if (value.startsWith('00')) value = `+${value.slice(2)}`;
	return E164.test(value) ? value : undefined;
}
