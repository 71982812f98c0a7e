/**
 * The credentials a run gets: fixed ids and names (workflows and the examples can reference them
 * before n8n starts), the sandbox's valid keys (and, for the tests, refused ones), and
 * `n8n import:credentials`, which stores them encrypted.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { SANDBOX_FIXTURES, type Sandbox } from '../sandbox/server';
import type { CredentialRef } from './client';
import { runCommand } from './processes';
import { CREDENTIAL_TYPES } from './project';
import type { Runtime } from './runtime';

/**
 * The working sandbox credentials, under fixed ids so that workflows (and the examples) can
 * reference them before n8n starts. They are the ones a node added in the editor gets: n8n gives
 * a new node the most recently updated credential of its type (n8n 2.41.1's editor,
 * useCanvasOperations), so these are imported as updated last (see sandboxCredentials).
 */
export const CREDENTIALS = {
	helloAnnie: {
		id: 'sbxHelloAnnie001',
		name: 'HelloAnnie account',
		type: CREDENTIAL_TYPES.helloAnnie,
	},
	/**
	 * HelloAnnie's OAuth2 client credentials: the sandbox's client, its token endpoint
	 * (`<Base URL>/oauth/token`) and API. n8n gets and renews the token itself.
	 */
	helloAnnieOAuth2: {
		id: 'sbxHelloAnnieOA1',
		name: 'HelloAnnie OAuth2 client',
		type: CREDENTIAL_TYPES.helloAnnieOAuth2,
	},
	/** The sandbox's AlloMia key and organization (the credential test lists that org's calls). */
	alloMia: {
		id: 'sbxAlloMia000001',
		name: 'AlloMia account',
		type: CREDENTIAL_TYPES.alloMia,
	},
	aiCaller: {
		id: 'sbxAiCaller00001',
		name: 'AICaller account',
		type: CREDENTIAL_TYPES.aiCaller,
	},
	/** The AlloMia Trigger's token, which Call → Create Outbound adds to the Callback URL. */
	alloMiaCallback: {
		id: 'sbxAlloMiaCbk001',
		name: 'AlloMia callback token',
		type: CREDENTIAL_TYPES.alloMiaCallback,
	},
	/** The AICaller Trigger's secret, which Phone Call → Create attaches to its webhooks. */
	aiCallerWebhook: {
		id: 'sbxAiCallerWhk01',
		name: 'AICaller webhook secret',
		type: CREDENTIAL_TYPES.aiCallerWebhook,
	},
} as const;

/**
 * Tests only (the e2e suite's 401 paths): the same sandbox with keys it refuses, named so in
 * the editor. dev:sandbox and the demo do not create them, and remove them from an instance
 * kept from an earlier run.
 */
export const REFUSED_KEY_CREDENTIALS = {
	helloAnnieWrongKey: {
		id: 'sbxHelloAnnie401',
		name: 'Test only: HelloAnnie with a refused key',
		type: CREDENTIAL_TYPES.helloAnnie,
	},
	alloMiaWrongKey: {
		id: 'sbxAlloMia000401',
		name: 'Test only: AlloMia with a refused key',
		type: CREDENTIAL_TYPES.alloMia,
	},
	aiCallerWrongKey: {
		id: 'sbxAiCaller00401',
		name: 'Test only: AICaller with a refused key',
		type: CREDENTIAL_TYPES.aiCaller,
	},
} as const;

/** What a stack imported: always the working credentials, the refused-key ones when asked. */
export type StackCredentials = typeof CREDENTIALS & Partial<typeof REFUSED_KEY_CREDENTIALS>;

/** The sandbox's valid HelloAnnie key (a fixture, but still never printed). */
const SANDBOX_HELLOANNIE_KEY = 'annie-sk-v1-sandbox';
const WRONG_HELLOANNIE_KEY = 'annie-sk-v1-not-a-valid-key';
/** Keys the sandbox refuses (401); the valid keys come from its fixtures. */
const WRONG_ALLOMIA_KEY = 'allomia-not-a-valid-key';
const WRONG_AICALLER_KEY = 'aicaller-not-a-valid-key';
/**
 * The triggers' secrets of a local instance: fixed, so that a kept dev instance's calls still
 * call back. The AICaller one is the webhook secret of AICaller's Create Phone Call example.
 */
const SANDBOX_CALLBACK_TOKEN = 'sandbox-allomia-callback-token-7f3a9c2e51';
const SANDBOX_WEBHOOK_SECRET = SANDBOX_FIXTURES.aiCaller.webhookSecret;

/** A credential to import: its reference and its plain data. */
export type CredentialToImport = CredentialRef & {
	data: Record<string, string>;
	/** n8n's database form (UTC, `YYYY-MM-DD HH:MM:SS.mmm`); `n8n import:credentials` keeps it. */
	updatedAt?: string;
};

/** A Date as n8n's SQLite database stores it. */
function databaseTime(date: Date): string {
	return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * The working credentials (and, with `refusedKeys`, the tests' refused-key ones), pointed at
 * this sandbox's base URLs. The working ones carry the newer update time, so that a node added
 * in the editor gets them, whatever the order n8n lists credentials in.
 */
export function sandboxCredentials(
	sandbox: Sandbox,
	fixtures: typeof SANDBOX_FIXTURES,
	options: { refusedKeys?: boolean; now?: Date } = {},
): CredentialToImport[] {
	const { helloAnnie, alloMia, aiCaller } = fixtures;
	const now = options.now ?? new Date();
	const updatedAt = databaseTime(now);
	const refusedUpdatedAt = databaseTime(new Date(now.getTime() - 60_000));
	const working: CredentialToImport[] = [
		{
			...CREDENTIALS.helloAnnie,
			data: { apiKey: SANDBOX_HELLOANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
			updatedAt,
		},
		{
			...CREDENTIALS.helloAnnieOAuth2,
			data: {
				clientId: helloAnnie.oauth.clientId,
				clientSecret: helloAnnie.oauth.clientSecret,
				accessTokenUrl: `${sandbox.baseUrls.helloAnnie}/oauth/token`,
				baseUrl: sandbox.baseUrls.helloAnnie,
			},
			updatedAt,
		},
		{
			...CREDENTIALS.alloMia,
			data: {
				apiKey: alloMia.apiKey,
				organizationId: alloMia.organizationId,
				baseUrl: sandbox.baseUrls.alloMia,
			},
			updatedAt,
		},
		{
			...CREDENTIALS.aiCaller,
			data: { apiKey: aiCaller.apiKey, baseUrl: sandbox.baseUrls.aiCaller },
			updatedAt,
		},
		{ ...CREDENTIALS.alloMiaCallback, data: { token: SANDBOX_CALLBACK_TOKEN }, updatedAt },
		{ ...CREDENTIALS.aiCallerWebhook, data: { secret: SANDBOX_WEBHOOK_SECRET }, updatedAt },
	];
	if (!options.refusedKeys) return working;
	const refused: CredentialToImport[] = [
		{
			...REFUSED_KEY_CREDENTIALS.helloAnnieWrongKey,
			data: { apiKey: WRONG_HELLOANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
			updatedAt: refusedUpdatedAt,
		},
		{
			...REFUSED_KEY_CREDENTIALS.alloMiaWrongKey,
			data: {
				apiKey: WRONG_ALLOMIA_KEY,
				organizationId: alloMia.organizationId,
				baseUrl: sandbox.baseUrls.alloMia,
			},
			updatedAt: refusedUpdatedAt,
		},
		{
			...REFUSED_KEY_CREDENTIALS.aiCallerWrongKey,
			data: { apiKey: WRONG_AICALLER_KEY, baseUrl: sandbox.baseUrls.aiCaller },
			updatedAt: refusedUpdatedAt,
		},
	];
	return [...refused, ...working];
}

/**
 * `n8n import:credentials` encrypts the plain `data` and keeps the ids. Run before `n8n start`:
 * it also creates and migrates the database.
 */
export async function importCredentials(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	runDir: string,
	credentials: CredentialToImport[],
): Promise<void> {
	const file = path.join(runDir, `credentials-${randomUUID()}.json`);
	// The file holds API keys in clear: readable by this user only, and deleted right after.
	await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
	try {
		await runCommand(runtime.nodeBin, [runtime.n8nBin, 'import:credentials', `--input=${file}`], {
			env,
			timeoutMs: 3 * 60_000,
		});
	} finally {
		await fs.rm(file, { force: true });
	}
}
