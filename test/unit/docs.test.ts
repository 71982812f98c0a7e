/**
 * The user documentation (README.md and every docs/*.md) checked against the repository.
 *
 * (a) Links. Every relative link of README.md and docs/*.md (Markdown links and images, and the
 *     href/src of HTML tags) points at a file or folder that exists, and its #anchor, when it
 *     points into a Markdown file, at a heading of that file as GitHub names it (or an explicit
 *     <a id>). CONTRIBUTING.md's links into README.md and docs/ are held to the same rule. Every
 *     guide in docs/ is linked from README.md (benchmarks.md and provider-contracts.md are
 *     reference files reached from the guides and from CONTRIBUTING.md).
 *
 * (b) Quoted messages. The convention (also in CONTRIBUTING.md, "Docs"):
 *
 *       A message that a node or credential of this package gives (an error, a refusal, a
 *       downloadErrors or skip text, a credential test result) is quoted in double quotes inside
 *       italics: *"…"*. Where the quote leads a troubleshooting entry it may be bold: **"…"**.
 *       An ellipsis (…) stands for a part left out; a value the message fills in (a number, a
 *       host, a field name) is written as the node would show it, text the provider fills in (its
 *       own error message) is left out with an ellipsis. Messages of n8n itself, of
 *       Node.js or of a provider are quoted without asterisks ("…", or *…* in italics alone) and
 *       are not checked.
 *
 *     Each such quote must be a message the code gives: every part of it between ellipses is found
 *     in the string and template literals of the .ts files under nodes/ and credentials/ (read
 *     with the TypeScript compiler, so comments never count), as a contiguous part of one literal. A
 *     template's ${…} stands for a value: a word with a digit or punctuation in it (404, +44,
 *     files.example.com, timeZone), a list of such values or literals, or any text that is itself
 *     a literal of the code (checked the same way, a few levels deep), so that a message composed
 *     of several literals (a field's label, its rule) is found, while a reworded one is not.
 *
 * The example phone numbers of README.md and docs/ (docs/fields.md's Default Country Code table
 * among them) are checked in example-values.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { anchorsOf, blank, userDocs, withoutBlocks } from './markdown';

const ROOT = path.resolve(__dirname, '..', '..');

/** docs/ files that are reference material rather than guides: not required in README.md's links. */
const REFERENCE_FILES = ['docs/benchmarks.md', 'docs/provider-contracts.md'];

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** Markdown without code of any kind: where links and quotes are. */
function prose(markdown: string): string {
	return withoutBlocks(markdown).replace(/(`+)[\s\S]*?\1/g, blank);
}

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

interface Link {
	/** The file the link is in. */
	from: string;
	line: number;
	target: string;
}

function linksOf(file: string): Link[] {
	const markdown = read(file);
	const text = prose(markdown);
	const links: Link[] = [];
	const patterns = [
		/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
		/\b(?:href|src)="([^"]+)"/g,
	];
	for (const pattern of patterns) {
		for (const match of text.matchAll(pattern)) {
			links.push({ from: file, line: lineOf(text, match.index ?? 0), target: match[1] });
		}
	}
	return links;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Where a relative link leads, relative to the repository (the link's #anchor apart). */
function resolveLink(link: Link): { file: string; anchor?: string } {
	const [pathPart, anchor] = link.target.split('#', 2);
	const file =
		pathPart === ''
			? link.from
			: path.posix.normalize(path.posix.join(path.posix.dirname(link.from), decodeURI(pathPart)));
	return {
		file: file.replace(/\/$/, ''),
		anchor: anchor === undefined ? undefined : decodeURIComponent(anchor),
	};
}

/** Why a relative link is broken, or undefined when it is not. */
function brokenLink(link: Link, anchorsByFile: (file: string) => Set<string>): string | undefined {
	const { file, anchor } = resolveLink(link);
	const where = `${link.from}:${link.line} → ${link.target}`;
	if (file.startsWith('..') || !existsSync(path.join(ROOT, file)))
		return `${where}: ${file} does not exist`;
	if (anchor !== undefined && file.endsWith('.md') && !anchorsByFile(file).has(anchor)) {
		return `${where}: ${file} has no heading for #${anchor}`;
	}
	return undefined;
}

/* ------------------------------------------------------------------------------------------- */
/* The texts the code gives                                                                     */
/* ------------------------------------------------------------------------------------------- */

/**
 * One string or template literal: its static parts, and between each two the number of values
 * written there (`${what}${plural}` is two values side by side). A plain string has one part and
 * no values. Runs of white space count as one space (a message's "\n- " and a doc's line break
 * alike).
 */
interface Literal {
	statics: readonly string[];
	values: readonly number[];
}

const squash = (text: string): string => text.replace(/\s+/g, ' ');

function sourceFiles(dir: string): string[] {
	const files: string[] = [];
	for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
		const relative = `${dir}/${entry.name}`;
		if (entry.isDirectory()) files.push(...sourceFiles(relative));
		else if (entry.name.endsWith('.ts')) files.push(relative);
	}
	return files;
}

/** Every string and template literal of the shipped code, read with TypeScript's parser. */
function codeLiterals(): Literal[] {
	const literals: Literal[] = [];
	for (const file of [...sourceFiles('nodes'), ...sourceFiles('credentials')]) {
		const source = ts.createSourceFile(
			file,
			read(file),
			ts.ScriptTarget.Latest,
			false,
			ts.ScriptKind.TS,
		);
		const visit = (node: ts.Node): void => {
			if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
				literals.push({ statics: [squash(node.text)], values: [] });
			} else if (ts.isTemplateExpression(node)) {
				// An empty static part between two values joins them into one run of values.
				const parts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].map(
					squash,
				);
				const statics = [parts[0]];
				const values: number[] = [];
				let run = 0;
				for (let index = 1; index < parts.length; index++) {
					run++;
					if (parts[index] === '' && index < parts.length - 1) continue;
					values.push(run);
					run = 0;
					statics.push(parts[index]);
				}
				literals.push({ statics, values });
			}
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
	return literals;
}

/**
 * How much of a text a literal must account for: all of it ('whole'), its beginning ('start': the
 * text may stop inside the literal), its end ('end': the text may begin inside it) or any
 * contiguous part ('part').
 */
type Fit = 'whole' | 'start' | 'end' | 'part';

/** How many levels of literals inside a ${…} are looked through. */
const DEPTH = 3;

/**
 * A value a template fills in as it is: one word holding a digit, punctuation inside it or an inner
 * capital (404, +44, 57.6, files.example.com, timeZone, HelloAnnie). A plain word is not a value: it
 * must come from a literal.
 */
function isValue(text: string): boolean {
	if (!/^\S+$/.test(text)) return false;
	const core = text.replace(/^[([{"'`]+|[)\]}"'`,.;:!?]+$/g, '');
	return core !== '' && (/\d/.test(core) || /[^\p{L}]/u.test(core) || /\p{Ll}\p{Lu}/u.test(core));
}

/** The quoted messages' matcher: which texts the code's literals can produce. */
class CodeTexts {
	private readonly plainSet: Set<string>;
	/** Every plain literal between NUL characters, which no text holds: one search finds a part, a start or an end of any. */
	private readonly plainJoined: string;
	private readonly templates: Literal[];
	/** Texts already judged, per fit and depth. */
	private readonly memo = new Map<string, Map<string, boolean>>();

	constructor(literals: Literal[]) {
		const plain = literals
			.filter((literal) => literal.values.length === 0)
			.map((literal) => literal.statics[0]);
		this.plainSet = new Set(plain);
		this.plainJoined = `\0${plain.join('\0')}\0`;
		this.templates = literals.filter((literal) => literal.values.length > 0);
	}

	/** Whether the code gives `quoted` (one part of a quote, between ellipses). */
	gives(quoted: string): boolean {
		return this.explains(squash(quoted).trim(), 'part', DEPTH);
	}

	/** Whether `text` fits `fit` of a text the code can produce. */
	private explains(text: string, fit: Fit, depth: number): boolean {
		// The commonest question, answered without the memo.
		if (fit === 'whole' && depth === 0)
			return text === '' || isValue(text) || this.plainSet.has(text);
		const where = `${fit}${depth}`;
		let judged = this.memo.get(where);
		if (!judged) {
			judged = new Map();
			this.memo.set(where, judged);
		}
		const known = judged.get(text);
		if (known !== undefined) return known;
		const result = this.explainsNow(text, fit, depth);
		judged.set(text, result);
		return result;
	}

	private explainsNow(text: string, fit: Fit, depth: number): boolean {
		if (text === '' || isValue(text)) return true;
		if (this.fitsPlain(text, fit)) return true;
		if (depth === 0) return false;
		if (
			this.templates.some(
				(template) =>
					mayFit(template, text, fit) && this.fitsTemplate(template, text, fit, depth - 1),
			)
		)
			return true;
		return this.isList(text, fit, depth - 1);
	}

	/** Whether `text` fits `fit` of a plain literal. */
	private fitsPlain(text: string, fit: Fit): boolean {
		if (fit === 'whole') return this.plainSet.has(text);
		if (fit === 'start') return this.plainJoined.includes(`\0${text}`);
		if (fit === 'end') return this.plainJoined.includes(`${text}\0`);
		return this.plainJoined.includes(text);
	}

	/** What a run of `count` values side by side gives (`${what}${plural}`: "call" and "s"). */
	private fills(text: string, count: number, fit: Fit, depth: number): boolean {
		if (this.explains(text, fit, depth)) return true;
		if (count < 2) return false;
		const firstFit: Fit = fit === 'end' || fit === 'part' ? 'end' : 'whole';
		const restFit: Fit = fit === 'start' || fit === 'part' ? 'start' : 'whole';
		for (let cut = 1; cut < text.length; cut++) {
			if (
				this.explains(text.slice(0, cut), firstFit, depth) &&
				this.fills(text.slice(cut), count - 1, restFit, depth)
			)
				return true;
		}
		return false;
	}

	/** "ENGLISH, SPANISH, FRENCH", "+1 or +44": a list whose entries are each explained. */
	private isList(text: string, fit: Fit, depth: number): boolean {
		const entries = text.split(/,\s+|\s+(?:and|or)\s+/);
		if (entries.length < 2 || entries.some((entry) => entry === '')) return false;
		const last = entries.length - 1;
		return entries.every((entry, index) => {
			const first = index === 0 && (fit === 'end' || fit === 'part');
			const end = index === last && (fit === 'start' || fit === 'part');
			const entryFit: Fit = first && end ? 'part' : first ? 'end' : end ? 'start' : 'whole';
			return this.explains(entry, entryFit, depth);
		});
	}

	/**
	 * Whether `text` fits `fit` of an instance of `template`, its values explained at `depth`. At
	 * least one character of a static part is used: a text that lies within one value is the
	 * business of the literal that gives that value.
	 */
	private fitsTemplate(
		{ statics, values }: Literal,
		text: string,
		fit: Fit,
		depth: number,
	): boolean {
		const mayStartInside = fit === 'end' || fit === 'part';
		const mayStopInside = fit === 'start' || fit === 'part';
		const last = statics.length - 1;

		// Whether the rest of the text from each (static part, position) on fits: asked again and again.
		const settled = new Map<number, boolean>();
		/** The text up to `at` is matched up to the end of static part `k`; its values come next. */
		const afterStatic = (k: number, at: number): boolean => {
			const key = k * (text.length + 1) + at;
			let result = settled.get(key);
			if (result === undefined) {
				result = continues(k, at);
				settled.set(key, result);
			}
			return result;
		};
		const continues = (k: number, at: number): boolean => {
			if (k === last) return at === text.length;
			if (mayStopInside && at === text.length) return true;
			const rest = text.slice(at);
			// The text stops inside the values.
			if (mayStopInside && this.fills(rest, values[k], 'start', depth)) return true;
			const next = statics[k + 1];
			if (next === '')
				return k + 1 === last && !mayStopInside && this.fills(rest, values[k], 'whole', depth);
			for (let end = text.indexOf(next, at); end !== -1; end = text.indexOf(next, end + 1)) {
				if (
					this.fills(text.slice(at, end), values[k], 'whole', depth) &&
					afterStatic(k + 1, end + next.length)
				)
					return true;
			}
			// The text stops inside the next static part.
			if (mayStopInside) {
				for (let end = Math.max(at, text.length - next.length + 1); end < text.length; end++) {
					if (
						next.startsWith(text.slice(end)) &&
						this.fills(text.slice(at, end), values[k], 'whole', depth)
					)
						return true;
				}
			}
			return false;
		};

		// The text starts at the beginning of the first static part…
		if (!mayStartInside) {
			if (text.startsWith(statics[0])) return afterStatic(0, statics[0].length);
			return mayStopInside && statics[0].startsWith(text);
		}
		for (let k = 0; k <= last; k++) {
			const part = statics[k];
			// …or inside a static part…
			for (
				let offset = part.indexOf(text[0]);
				offset !== -1;
				offset = part.indexOf(text[0], offset + 1)
			) {
				const tail = part.slice(offset);
				if (mayStopInside && tail.startsWith(text)) return true;
				if (text.startsWith(tail) && afterStatic(k, tail.length)) return true;
			}
			// …or inside the values before static part k.
			if (k === 0 || part === '') continue;
			for (let start = text.indexOf(part, 1); start !== -1; start = text.indexOf(part, start + 1)) {
				if (
					this.fills(text.slice(0, start), values[k - 1], 'end', depth) &&
					afterStatic(k, start + part.length)
				)
					return true;
			}
			if (mayStopInside) {
				for (let start = Math.max(1, text.length - part.length + 1); start < text.length; start++) {
					if (
						part.startsWith(text.slice(start)) &&
						this.fills(text.slice(0, start), values[k - 1], 'end', depth)
					)
						return true;
				}
			}
		}
		return false;
	}
}

/** A quick test that rules out most templates: their first and last static parts where the text must show them. */
function mayFit({ statics }: Literal, text: string, fit: Fit): boolean {
	const first = statics[0];
	const last = statics[statics.length - 1];
	const startsRight = text.startsWith(first) || first.startsWith(text);
	const endsRight = text.endsWith(last) || last.endsWith(text);
	if (fit === 'whole')
		return (
			text.startsWith(first) && text.endsWith(last) && statics.every((part) => text.includes(part))
		);
	if (fit === 'start') return startsRight;
	if (fit === 'end') return endsRight;
	return true;
}

interface Quote {
	file: string;
	line: number;
	text: string;
}

/** The quotes of a Markdown file written by the convention: *"…"* or **"…"**, outside code. */
function quotesOf(file: string): Quote[] {
	const text = prose(read(file));
	const quotes: Quote[] = [];
	for (const match of text.matchAll(/\*{1,3}"([\s\S]+?)"\*{1,3}/g)) {
		quotes.push({ file, line: lineOf(text, match.index ?? 0), text: squash(match[1]).trim() });
	}
	return quotes;
}

/** The parts of a quote between its ellipses. */
const quotedParts = (quote: string): string[] =>
	quote
		.split('…')
		.map((part) => part.trim())
		.filter((part) => part !== '');

/* ------------------------------------------------------------------------------------------- */

describe('links between README.md and docs/', () => {
	const anchorCache = new Map<string, Set<string>>();
	const anchorsByFile = (file: string): Set<string> => {
		let anchors = anchorCache.get(file);
		if (!anchors) {
			anchors = anchorsOf(read(file));
			anchorCache.set(file, anchors);
		}
		return anchors;
	};

	test('every relative link of README.md and docs/*.md leads to a file that exists, and its #anchor to a heading', () => {
		const broken = userDocs()
			.flatMap(linksOf)
			.filter((link) => !isExternal(link.target))
			.map((link) => brokenLink(link, anchorsByFile))
			.filter((problem): problem is string => problem !== undefined);
		expect(broken).toEqual([]);
	});

	test("CONTRIBUTING.md's links into README.md and docs/ lead to a heading that exists", () => {
		const intoUserDocs = linksOf('CONTRIBUTING.md')
			.filter((link) => !isExternal(link.target))
			.filter((link) => {
				const { file } = resolveLink(link);
				return file === 'README.md' || file.startsWith('docs/');
			});
		expect(intoUserDocs.length).toBeGreaterThan(0);
		const broken = intoUserDocs
			.map((link) => brokenLink(link, anchorsByFile))
			.filter((problem): problem is string => problem !== undefined);
		expect(broken).toEqual([]);
	});

	test('README.md links every guide in docs/', () => {
		const linked = new Set(
			linksOf('README.md')
				.filter((link) => !isExternal(link.target))
				.map((link) => resolveLink(link).file),
		);
		const guides = userDocs().filter(
			(file) => file.startsWith('docs/') && !REFERENCE_FILES.includes(file),
		);
		expect(guides.filter((guide) => !linked.has(guide))).toEqual([]);
	});

	test("the anchors are GitHub's: punctuation dropped, spaces as hyphens, repeated headings numbered", () => {
		const anchors = anchorsOf(
			[
				'# Phone numbers and Default Country Code',
				'## Recording download (50 MB) through AlloMia Call → Get',
				'### `Wait Using`: Polling',
				'## Notes',
				'## Notes',
				'```',
				'# a shell comment, not a heading',
				'```',
			].join('\n'),
		);
		expect([...anchors]).toEqual([
			'phone-numbers-and-default-country-code',
			'recording-download-50-mb-through-allomia-call--get',
			'wait-using-polling',
			'notes',
			'notes-1',
		]);
	});
});

describe('messages quoted in README.md and docs/ are messages the code gives', () => {
	const texts = new CodeTexts(codeLiterals());

	test('the matcher: a real message is found, with its values, with a part left out, and composed of several literals; a made-up or reworded one is not', () => {
		// Real: a plain literal; a template with its values filled in; a part of a message; parts
		// left out; a field message composed of the field's label, its name and its rule.
		for (const real of [
			'Enter the Organization ID: AlloMia needs it to check the key without placing a call',
			'HelloAnnie is rate limiting requests (HTTP 429)',
			'Recording not downloaded: the file is 57,600,000 bytes (57.6 MB), larger than Max File Size (1 MB). Raise Max File Size (0: no limit) to download it.',
			'the request may or may not have been processed',
			'Token must be at least 24 characters long (it has 10); generate one, e.g. with "openssl rand -hex 32"',
			'Options → Default Country Code (defaultCountryCode) is not a country calling code',
			'Patient Info → First Name (patientInfo.firstName) is too long: shorten it to 100 characters or fewer',
			'Language (language) is not one of the allowed values: use one of ENGLISH, SPANISH, FRENCH',
		]) {
			expect([real, quotedParts(real).every((part) => texts.gives(part))]).toEqual([real, true]);
		}
		expect(
			quotedParts(
				'… did not accept the API key (HTTP 401) … Check the API key and the Base URL in the credential.',
			),
		).toHaveLength(2);
		expect(
			quotedParts(
				'… did not accept the API key (HTTP 401) … Check the API key and the Base URL in the credential.',
			).every((part) => texts.gives(part)),
		).toBe(true);

		for (const madeUp of [
			// Invented.
			'The phone number is wrong, please try again',
			// Reworded: the rule as an earlier version worded it, after the right field name.
			'Options → Default Country Code (defaultCountryCode) must be a country calling code',
			// One word changed in a plain literal and in a template's static part.
			'Enter the Organisation ID: AlloMia needs it to check the key without placing a call',
			'HelloAnnie is rate-limiting requests (HTTP 429)',
			// A value where the code has words.
			'Recording not downloaded: the file is 57,600,000 bytes (57.6 MB), bigger than Max File Size (1 MB)',
		]) {
			expect([madeUp, quotedParts(madeUp).every((part) => texts.gives(part))]).toEqual([
				madeUp,
				false,
			]);
		}
	});

	test('the convention is recognised: italic and bold quotes, across a line break; code and unmarked quotes are not quotes', () => {
		const sample = [
			'An item fails with *"the request may or may',
			'not have been processed"*; **"… is rate limiting requests (HTTP 429)"** heads an entry.',
			'n8n\'s own "Class could not be found" and `*"in code"*` are not checked.',
		].join('\n');
		const text = prose(sample);
		const found = [...text.matchAll(/\*{1,3}"([\s\S]+?)"\*{1,3}/g)].map((match) =>
			squash(match[1]).trim(),
		);
		expect(found).toEqual([
			'the request may or may not have been processed',
			'… is rate limiting requests (HTTP 429)',
		]);
	});

	test.each(userDocs())('%s', (file) => {
		const notGiven = quotesOf(file)
			.filter((quote) => {
				const parts = quotedParts(quote.text);
				return parts.length === 0 || !parts.every((part) => texts.gives(part));
			})
			.map((quote) => `${quote.file}:${quote.line} *"${quote.text}"*`);
		expect(notGiven).toEqual([]);
	});
});
