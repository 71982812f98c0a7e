/**
 * String formats for the contract validator.
 *
 * openapi-backend only registers the numeric OpenAPI formats (int32, float, ...); Ajv 8 knows none
 * of uuid / date-time / email / uri. The usual answer is the ajv-formats package, but it is not a
 * dependency of this project (only present transitively), so the four formats the documents use are
 * defined here, following RFC 3339 / RFC 4122 / RFC 3986 closely enough for a test double.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// RFC 3339 date-time: full date, 'T', time, mandatory offset (Z or ±hh:mm). Lower-case t/z and the
// space separator that RFC 3339 tolerates are refused: no provider example uses them.
const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

// Deliberately simple: one '@', no spaces, a dot in the domain. Enough to catch "not an email".
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

function isDateTime(value: string): boolean {
	const m = DATE_TIME.exec(value);
	if (!m) return false;
	const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
	if (hour > 23 || minute > 59 || second > 60) return false;
	if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
	return true;
}

function isUri(value: string): boolean {
	// An absolute URI: a scheme, and something WHATWG URL can parse. Spaces are refused even though
	// URL() would percent-encode them: a real server would reject them.
	if (!/^[a-z][a-z0-9+.-]*:/i.test(value) || /\s/.test(value)) return false;
	try {
		new URL(value);
		return true;
	} catch {
		return false;
	}
}

export interface FormatDefinition {
	type: 'string';
	validate: (value: string) => boolean;
}

export const STRING_FORMATS: Readonly<Record<string, FormatDefinition>> = {
	uuid: { type: 'string', validate: (v) => UUID.test(v) },
	'date-time': { type: 'string', validate: isDateTime },
	email: { type: 'string', validate: (v) => EMAIL.test(v) },
	uri: { type: 'string', validate: isUri },
};
