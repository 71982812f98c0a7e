/**
 * Example phone numbers users read, fed through the package's own phone check
 * (nodes/shared/phone.ts): each is accepted where its text presents it as valid, refused where
 * the text says it is refused, and sent as the text says where it says what is sent. The examples
 * are collected from the texts themselves, so one added later is checked too:
 *
 * - the panels: every string of every node's and credential's description (placeholders,
 *   descriptions, hints, options);
 * - the code: every string literal under nodes/ and credentials/ (the messages), for numbers
 *   written with their country code;
 * - the phone refusals, for every country calling code, with the example each gives: a national
 *   example must be a number of that country;
 * - README.md and docs/*.md: the Default Country Code table of docs/fields.md row by row, and
 *   every other example of their text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import {
	checkPhoneNumber,
	parseCountryCode,
	PHONE_RULE,
	phoneRuleWithCountryCode,
} from '../../nodes/shared/phone';
import { AiCaller } from '../../nodes/AiCaller/AiCaller.node';
import { AiCallerTrigger } from '../../nodes/AiCaller/AiCallerTrigger.node';
import { AlloMia } from '../../nodes/AlloMia/AlloMia.node';
import { AlloMiaTrigger } from '../../nodes/AlloMia/AlloMiaTrigger.node';
import { HelloAnnie } from '../../nodes/HelloAnnie/HelloAnnie.node';
import { HelloAnnieTrigger } from '../../nodes/HelloAnnie/HelloAnnieTrigger.node';
import { AiCallerApi } from '../../credentials/AiCallerApi.credentials';
import { AiCallerWebhookApi } from '../../credentials/AiCallerWebhookApi.credentials';
import { AlloMiaApi } from '../../credentials/AlloMiaApi.credentials';
import { AlloMiaCallbackApi } from '../../credentials/AlloMiaCallbackApi.credentials';
import { HelloAnnieApi } from '../../credentials/HelloAnnieApi.credentials';
import { HelloAnnieOAuth2Api } from '../../credentials/HelloAnnieOAuth2Api.credentials';
import { userDocs } from './markdown';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/**
 * A run of digits as people write phone numbers: an optional `+` or `00`, then digits with
 * spaces, dashes, dots and brackets between them, not inside a word (an ID, "E.164").
 */
const PHONE_LIKE = /(?<![\w+.])(?:\+|00)?\(?\d[\d ()\-.]*\d(?!\w)/g;
/** A calling code named in a text, "+1" or "(+44)": the country a national example belongs to. */
const COUNTRY_CODE_MENTION = /(?<![\w+])\+(\d{1,3})(?![\d\w])/g;
/** "`+1 (555) 987-6543` is sent as `+15559876543`", "555 987 6543 becomes +15559876543". */
const SENT_AS = /(?:\bas|\bbecomes|\()\s*$/;
const E164_ONLY = /^\+\d+$/;
/** The country the package's national examples belong to when a text names none (NANP). */
const NORTH_AMERICA = '1';

const digitsOf = (text: string): string => text.replace(/\D/g, '');
const isInternational = (example: string): boolean => /^(?:\+|00)/.test(example);

/**
 * Whether a run of digits is an example phone number rather than a count, a date or an ID:
 * 7 to 15 digits with the country code; a national number, 7 to 12 digits, is written in groups
 * (`555 987 6543`, `(555) 987-6543`; not a date, not a decimal) or as the 10 digits a spreadsheet
 * cell holds.
 */
function isPhoneExample(candidate: string): boolean {
	const digits = digitsOf(candidate);
	if (isInternational(candidate)) {
		const count = candidate.startsWith('00') ? digits.length - 2 : digits.length;
		return count >= 7 && count <= 15;
	}
	if (/^\d{4}-\d{2}-\d{2}$/.test(candidate) || candidate.includes('.')) return false;
	if (digits.length < 7 || digits.length > 12) return false;
	return /[\s()-]/.test(candidate) || digits.length === 10;
}

interface Found {
	example: string;
	/** Whether it was written as code (in backticks), which is how the docs show a number as input. */
	code: boolean;
	start: number;
	end: number;
}

/** The example phone numbers of one text, in order: in backticks (whole) and in the prose. */
function examplesIn(text: string): Found[] {
	const found: Found[] = [];
	const prose = text.replace(/`[^`\n]*`/g, (code, offset: number) => {
		const inner = code.slice(1, -1).trim();
		if (/^(?:\+|00)?[\d\s().-]+$/.test(inner) && isPhoneExample(inner))
			found.push({ example: inner, code: true, start: offset, end: offset + code.length });
		return ' '.repeat(code.length);
	});
	for (const match of prose.matchAll(PHONE_LIKE)) {
		const start = match.index ?? 0;
		if (isPhoneExample(match[0]))
			found.push({ example: match[0], code: false, start, end: start + match[0].length });
	}
	return found.sort((a, b) => a.start - b.start);
}

/** A text cut into what is said of one number: sentences, a table's rows. */
function sentencesOf(text: string): string[] {
	return text
		.split(/\n(?=\s*\|)|(?<=\|)\s*\n|\n\s*\n/)
		.flatMap((block) =>
			block.trim().startsWith('|')
				? [block]
				: block.replace(/\s+/g, ' ').split(/(?<=[.!?]["*)_]*)\s+(?=[A-Z*(_"])/),
		);
}

/**
 * What the sentence `sentence` says of its examples, checked with the phone check; each wrong one
 * is returned, `where` first. A sentence that says "refused" refuses the numbers it writes as code
 * (its other numbers are the examples of the message it quotes); "X is sent as Y" / "X becomes Y"
 * must give Y; every other example must be accepted, a national one with a calling code the
 * sentence names (North America's when it names none).
 */
function wrongExamples(where: string, sentence: string, options: { national: boolean }): string[] {
	const found = examplesIn(sentence).filter((f) => options.national || isInternational(f.example));
	const refuses = /\brefused\b/i.test(sentence);
	const named = [...sentence.matchAll(COUNTRY_CODE_MENTION)].map((match) => match[1]);
	const codes = named.length > 0 ? [...new Set(named)] : [NORTH_AMERICA];
	const wrong: string[] = [];
	const sent = new Set<Found>();
	found.forEach((current, index) => {
		const next = found[index + 1];
		if (!next || !E164_ONLY.test(next.example) || E164_ONLY.test(current.example)) return;
		if (!SENT_AS.test(sentence.slice(current.end, next.start).replace(/`/g, ''))) return;
		sent.add(next);
		// The number is read as the text says: with its own country code, or completed with one.
		const candidates = isInternational(current.example) ? [undefined] : codes;
		const results = candidates.map((code) => checkPhoneNumber(current.example, code));
		if (!results.some((result) => result.ok && result.e164 === next.example))
			wrong.push(
				`${where}: "${current.example}" is said to be sent as ${next.example}, but ${verdict(results[0])}`,
			);
	});
	for (const current of found) {
		if (sent.has(current)) continue;
		if (refuses && current.code) {
			const result = checkPhoneNumber(current.example);
			if (result.ok)
				wrong.push(
					`${where}: "${current.example}" is said to be refused, but is sent as ${result.e164}`,
				);
			continue;
		}
		const results = isInternational(current.example)
			? [checkPhoneNumber(current.example)]
			: codes.map((code) => checkPhoneNumber(current.example, code));
		if (!results.some((result) => result.ok))
			wrong.push(
				`${where}: "${current.example}" is given as a valid number${isInternational(current.example) ? '' : ` (with country code +${codes.join(' or +')})`}, but ${verdict(results[0])}`,
			);
	}
	return wrong;
}

function verdict(result: ReturnType<typeof checkPhoneNumber>): string {
	return result.ok ? `is sent as ${result.e164}` : `is refused: it ${result.problem}`;
}

/** Every string in a description (nested objects and lists), with where it is. */
function stringsOf(value: unknown, where: string): Array<{ where: string; text: string }> {
	if (typeof value === 'string') return [{ where, text: value }];
	if (Array.isArray(value))
		return value.flatMap((entry, index) => stringsOf(entry, `${where}[${index}]`));
	if (value !== null && typeof value === 'object') {
		const named = (value as { name?: unknown }).name;
		return Object.entries(value).flatMap(([key, entry]) =>
			stringsOf(entry, `${where}${typeof named === 'string' ? `(${named})` : ''}.${key}`),
		);
	}
	return [];
}

const PANELS: Array<{ where: string; description: object }> = [
	...[
		new HelloAnnie(),
		new HelloAnnieTrigger(),
		new AlloMia(),
		new AlloMiaTrigger(),
		new AiCaller(),
		new AiCallerTrigger(),
	].map((node) => ({ where: node.description.displayName, description: node.description })),
	...[
		new HelloAnnieApi(),
		new HelloAnnieOAuth2Api(),
		new AlloMiaApi(),
		new AlloMiaCallbackApi(),
		new AiCallerApi(),
		new AiCallerWebhookApi(),
	].map((credential) => ({ where: credential.displayName, description: credential })),
];

describe('example phone numbers in the panels', () => {
	const texts = PANELS.flatMap(({ where, description }) => stringsOf(description, where));

	test('are found: the placeholders and the Default Country Code example', () => {
		const examples = new Set(texts.flatMap(({ text }) => examplesIn(text).map((f) => f.example)));
		// AICaller's To Phone Number, AlloMia's Phone Number, HelloAnnie's numbers, Default Country Code.
		for (const known of ['+12345678901', '+15145551234', '+15559876543', '555 987 6543'])
			expect([...examples]).toContain(known);
	});

	test('every example of a placeholder, description, hint or option is accepted, and sent as it says', () => {
		const wrong = texts.flatMap(({ where, text }) =>
			sentencesOf(text).flatMap((sentence) => wrongExamples(where, sentence, { national: true })),
		);
		expect(wrong).toEqual([]);
	});
});

function sourceFiles(dir: string): string[] {
	return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
		const relative = `${dir}/${entry.name}`;
		if (entry.isDirectory()) return sourceFiles(relative);
		return entry.name.endsWith('.ts') ? [relative] : [];
	});
}

/** Every string literal and static part of a template in the shipped code (comments never count). */
function codeLiterals(): Array<{ where: string; text: string }> {
	const literals: Array<{ where: string; text: string }> = [];
	for (const file of [...sourceFiles('nodes'), ...sourceFiles('credentials')]) {
		const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, false);
		const visit = (node: ts.Node): void => {
			const where = () =>
				`${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
			if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
				literals.push({ where: where(), text: node.text });
			else if (ts.isTemplateExpression(node))
				for (const part of [node.head, ...node.templateSpans.map((span) => span.literal)])
					literals.push({ where: where(), text: part.text });
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
	return literals;
}

describe('example phone numbers in the messages', () => {
	test('every number written with its country code in a literal of nodes/ and credentials/ is accepted', () => {
		const literals = codeLiterals();
		const examples = literals.flatMap(({ text }) => examplesIn(text).map((f) => f.example));
		expect(examples).toEqual(expect.arrayContaining(['+15559876543', '+442079460958']));
		// A national number belongs to a country the literal does not say: the refusals are checked below.
		const wrong = literals.flatMap(({ where, text }) =>
			sentencesOf(text).flatMap((sentence) => wrongExamples(where, sentence, { national: false })),
		);
		expect(wrong).toEqual([]);
	});

	test('the example of every phone refusal is accepted, a national one for the country it was given for', () => {
		const wrong: string[] = [];
		const seen = new Set<string>();
		const check = (where: string, problem: string, countryCode: string | undefined) => {
			for (const { example } of examplesIn(problem)) {
				const national = !isInternational(example);
				seen.add(national ? `${example} with +${countryCode}` : example);
				const result = checkPhoneNumber(example, national ? countryCode : undefined);
				if (!result.ok) wrong.push(`${where}: "${example}" is refused: it ${result.problem}`);
				else if (national && !result.e164.startsWith(`+${countryCode}`))
					wrong.push(
						`${where}: "${example}" is sent as ${result.e164}, not a number of +${countryCode}`,
					);
			}
		};
		check('PHONE_RULE', PHONE_RULE, undefined);
		for (let code = 1; code <= 999; code++) {
			const countryCode = String(code);
			check(
				`phoneRuleWithCountryCode(${code})`,
				phoneRuleWithCountryCode(countryCode),
				countryCode,
			);
			// Too short, a trunk 0 after the code, too long or starting wrong: each refusal of the plan.
			for (const digits of ['1', '0123456789', '9'.repeat(14), '0', '1234567']) {
				for (const [input, given] of [
					[`+${countryCode}${digits}`, undefined],
					[digits, countryCode],
				] as const) {
					const result = checkPhoneNumber(input, given);
					if (!result.ok)
						check(`${input} with country code ${given ?? 'none'}`, result.problem, countryCode);
				}
			}
		}
		// The refusals give examples of their own country: North America's and the UK's among them.
		for (const known of [
			'+1 555 987 6543',
			'555 987 6543 with +1',
			'+44 20 7946 0958',
			'020 7946 0958 with +44',
		])
			expect([...seen]).toContain(known);
		expect(wrong).toEqual([]);
	});
});

const FIELDS = 'docs/fields.md';
const TABLE_HEADER = /^\|\s*Default Country Code\s*\|\s*Number in the input\s*\|\s*Sent\s*\|.*$/m;

/** The rows of docs/fields.md's Default Country Code table, and the file without them. */
function countryCodeTable(): { rows: string[]; rest: string } {
	const markdown = read(FIELDS);
	const header = TABLE_HEADER.exec(markdown);
	if (!header) return { rows: [], rest: markdown };
	const after = markdown.slice(header.index).split('\n');
	const length = after.findIndex((line) => !line.startsWith('|'));
	const tableLines = after.slice(0, length === -1 ? after.length : length);
	return {
		rows: tableLines.slice(2),
		rest:
			markdown.slice(0, header.index) + markdown.slice(header.index + tableLines.join('\n').length),
	};
}

describe('example phone numbers in README.md and docs/', () => {
	test('every row of the Default Country Code table of docs/fields.md', () => {
		const { rows } = countryCodeTable();
		expect(
			rows.length > 5
				? 'found'
				: `${FIELDS} has no table with the header | Default Country Code | Number in the input | Sent |`,
		).toBe('found');
		const wrong: string[] = [];
		for (const row of rows) {
			const [codeCell, input, sent] = row
				.split('|')
				.slice(1, 4)
				.map((cell) => cell.trim());
			// The cell may explain itself after the code: "+32 (no plan of its own)".
			const code = codeCell.split(/\s+/)[0];
			const number = /`([^`]+)`/.exec(input)?.[1];
			const expected = /^refused/.test(sent) ? undefined : /`([^`]+)`/.exec(sent)?.[1];
			if (number === undefined || (expected === undefined && !/^refused/.test(sent))) {
				wrong.push(`${row}: the number and what is sent must be in backticks (or "refused")`);
				continue;
			}
			// "any": whatever Default Country Code is, also none.
			const codes =
				code === 'empty'
					? [undefined]
					: code === 'any'
						? [undefined, '1', '44', '33']
						: [parseCountryCode(code)];
			if (codes.includes(undefined) && code !== 'empty' && code !== 'any') {
				wrong.push(`${row}: "${code}" is not a country calling code, "empty" or "any"`);
				continue;
			}
			for (const countryCode of codes) {
				const result = checkPhoneNumber(number, countryCode);
				const actual = result.ok ? result.e164 : undefined;
				if (actual !== expected)
					wrong.push(`${row}: with ${countryCode ?? 'no'} country code, ${verdict(result)}`);
			}
		}
		expect(wrong).toEqual([]);
	});

	test('every other example: accepted, refused or sent as the text says', () => {
		const texts = userDocs().map((file) => ({
			file,
			text: file === FIELDS ? countryCodeTable().rest : read(file),
		}));
		const found = texts.flatMap(({ text }) => examplesIn(text).map((f) => f.example));
		// The README's E.164 example, fields.md's "is sent as" and "refused" examples.
		expect(found).toEqual(
			expect.arrayContaining([
				'+15559876543',
				'0044 20 7946 0958',
				'(555) 987-6543',
				'+1234567890',
			]),
		);
		const wrong = texts.flatMap(({ file, text }) =>
			sentencesOf(text).flatMap((sentence) =>
				wrongExamples(file, sentence, { national: true }).map(
					(line) => `${line}\n    in: ${sentence}`,
				),
			),
		);
		expect(wrong).toEqual([]);
	});

	test('the checker can fail: a refused number given as valid, a valid one said to be refused, a wrong "sent as"', () => {
		expect(
			wrongExamples('t', 'Numbers are sent as `+1234567890`.', { national: true }),
		).toHaveLength(1);
		expect(
			wrongExamples('t', 'The number `+15559876543` is refused.', { national: true }),
		).toHaveLength(1);
		expect(
			wrongExamples('t', '`+1 (555) 987-6543` is sent as `+15559876544`.', { national: true }),
		).toHaveLength(1);
		expect(
			wrongExamples('t', 'With +44, 555 987 6543 becomes +15559876543.', { national: true }),
		).toHaveLength(1);
		expect(
			wrongExamples('t', 'Like 155 987 6543 (a national number).', { national: true }),
		).toHaveLength(1);
		expect(
			wrongExamples('t', 'E.g. +1 for the US: 555 987 6543 becomes +15559876543.', {
				national: true,
			}),
		).toEqual([]);
	});
});
