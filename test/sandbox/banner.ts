/**
 * What to type into the nodes and credentials when they point at the sandbox: per provider, the
 * keys it accepts and the IDs its fixtures hold. The sandbox refuses an ID it does not know
 * (besides these, only what was created in it), and only HelloAnnie's Bot and From Number fields
 * list them, so a newcomer needs them spelled out.
 *
 * Built from the fixtures (not written out by hand) so that it always lists what the sandbox
 * accepts. `npm run dev:sandbox` (scripts/dev.ts) prints it, and so does the standalone
 * cli.ts, on stderr there because its stdout is one JSON line for programs to read.
 */
import { SANDBOX_FIXTURES } from './server';

type Fixtures = typeof SANDBOX_FIXTURES;

/** Width of the label column: the longest label ("Call Template ID") and two spaces. */
const LABEL_WIDTH = 20;

/** One field's lines: the label on the first, the further values under the first value. */
function field(label: string, values: readonly string[]): string[] {
	return values.map(
		(value, index) => `  ${(index === 0 ? label : '').padEnd(LABEL_WIDTH)}${value}`,
	);
}

/** `id  name` pairs with the ids aligned, so that the names line up too. */
function named(entries: ReadonlyArray<{ id: string; name: string }>): string[] {
	const width = Math.max(...entries.map((entry) => entry.id.length));
	return entries.map((entry) => `${entry.id.padEnd(width)}  ${entry.name}`);
}

/** The lines to print (no trailing newline); `fixtures` only for tests. */
export function sandboxValuesBanner(fixtures: Fixtures = SANDBOX_FIXTURES): string[] {
	const { helloAnnie, alloMia, aiCaller } = fixtures;
	return [
		"What to type (the IDs the sandbox knows; HelloAnnie's Bot and From Number fields also list them):",
		'HelloAnnie',
		...field('API key', [helloAnnie.apiKey]),
		...field('OAuth2 client', [
			`${helloAnnie.oauth.clientId} / secret ${helloAnnie.oauth.clientSecret}`,
		]),
		...field('Organization ID', [helloAnnie.orgId]),
		...field('Bot', named(helloAnnie.bots)),
		...field(
			'From Number',
			helloAnnie.phoneNumbers.map(
				(phone) => `${phone.number}  ${phone.name} (Phone Number ID ${phone.id})`,
			),
		),
		'AlloMia',
		...field('API key', [
			alloMia.apiKey,
			`${alloMia.readOnlyApiKey} (read-only: Create Outbound is refused, 403)`,
			`${alloMia.inactiveOrgApiKey} (inactive organization: every request is refused, 403)`,
		]),
		...field('Organization ID', [alloMia.organizationId]),
		...field('Assistant ID', named(alloMia.assistants)),
		...field(
			'Phone Number ID',
			named(alloMia.phoneNumbers.map((phone) => ({ id: phone.id, name: phone.number }))),
		),
		'AICaller',
		...field('API key', [aiCaller.apiKey]),
		...field('Team ID', [aiCaller.teamId]),
		...field(
			'Call Template ID',
			named(aiCaller.callTemplates.map((template) => ({ id: template._id, name: template.name }))),
		),
		...field(
			'Phone Number ID',
			named(aiCaller.phoneNumbers.map((phone) => ({ id: phone._id, name: phone.number }))),
		),
		...field('Webhook secret', [aiCaller.webhookSecret]),
	];
}
