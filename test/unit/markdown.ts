/**
 * Reading this package's Markdown as GitHub renders it: where its headings are, and the anchors
 * GitHub gives them, and which files are the user's documentation. Shared by the docs test, the
 * example-values test and the package-assets test (codex links).
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** README.md and every docs/*.md, as paths relative to the repository. */
export function userDocs(): string[] {
	const guides = readdirSync(path.join(ROOT, 'docs'))
		.filter((file) => file.endsWith('.md'))
		.sort()
		.map((file) => `docs/${file}`);
	return ['README.md', ...guides];
}

/** The same text with every character but line breaks turned into spaces (keeps offsets and line numbers). */
export const blank = (text: string): string => text.replace(/[^\n]/g, ' ');

/** Markdown without fenced code blocks and HTML comments: where headings are. */
export function withoutBlocks(markdown: string): string {
	return markdown
		.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank)
		.replace(/<!--[\s\S]*?-->/g, blank);
}

/**
 * GitHub's anchor for a heading (github-slugger): the text as rendered, lower case, without
 * punctuation and symbols (letters, digits, marks, `_`, `-` and spaces stay), each space a `-`;
 * a heading met before gets -1, -2, … .
 */
export function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	const text = withoutBlocks(markdown);
	for (const match of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
		const rendered = match[1]
			.replace(/<[^>]+>/g, '')
			.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
			.replace(/`/g, '');
		const base = rendered
			.toLowerCase()
			.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
			.replace(/ /g, '-');
		const count = seen.get(base) ?? 0;
		seen.set(base, count + 1);
		anchors.add(count === 0 ? base : `${base}-${count}`);
	}
	for (const match of markdown.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
	return anchors;
}
