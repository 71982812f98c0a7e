/**
 * The credentials every run gets: fixed ids and names (workflows and the examples can reference
 * them before n8n starts), the sandbox's valid and refused keys, and `n8n import:credentials`,
 * which stores them encrypted.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import type { SANDBOX_FIXTURES, Sandbox } from '../sandbox/server';
import type { CredentialRef } from './client';
import { runCommand } from './processes';
import { CREDENTIAL_TYPES } from './project';
import type { Runtime } from './runtime';

/** Fixed ids, so workflows (and the examples) can reference the credentials before n8n starts. */
export const CREDENTIALS = {
	helloAnnie: {
		id: 'sbxHelloAnnie001',
		name: 'HelloAnnie account',
		type: CREDENTIAL_TYPES.helloAnnie,
	},
	/** Same sandbox, a key it refuses: drives the 401 paths. */
	helloAnnieWrongKey: {
		id: 'sbxHelloAnnie401',
		name: 'HelloAnnie wrong key',
		type: CREDENTIAL_TYPES.helloAnnie,
	},
	/** The sandbox's AlloMia key and organization (the credential test lists that org's calls). */
	alloMia: {
		id: 'sbxAlloMia000001',
		name: 'AlloMia account',
		type: CREDENTIAL_TYPES.alloMia,
	},
	alloMiaWrongKey: {
		id: 'sbxAlloMia000401',
		name: 'AlloMia wrong key',
		type: CREDENTIAL_TYPES.alloMia,
	},
	aiCaller: {
		id: 'sbxAiCaller00001',
		name: 'AICaller account',
		type: CREDENTIAL_TYPES.aiCaller,
	},
	aiCallerWrongKey: {
		id: 'sbxAiCaller00401',
		name: 'AICaller wrong key',
		type: CREDENTIAL_TYPES.aiCaller,
	},
} as const;

/** The sandbox's valid HelloAnnie key (a fixture, but still never printed). */
const SANDBOX_HELLOANNIE_KEY = 'annie-sk-v1-sandbox';
const WRONG_HELLOANNIE_KEY = 'annie-sk-v1-not-a-valid-key';
/** Keys the sandbox refuses (401); the valid keys come from its fixtures. */
const WRONG_ALLOMIA_KEY = 'allomia-not-a-valid-key';
const WRONG_AICALLER_KEY = 'aicaller-not-a-valid-key';

/** A credential to import: its reference and its plain data. */
export type CredentialToImport = CredentialRef & { data: Record<string, string> };

/** Each of CREDENTIALS with its data, pointed at this sandbox's base URLs. */
export function sandboxCredentials(
	sandbox: Sandbox,
	fixtures: typeof SANDBOX_FIXTURES,
): CredentialToImport[] {
	const { alloMia, aiCaller } = fixtures;
	return [
		{
			...CREDENTIALS.helloAnnie,
			data: { apiKey: SANDBOX_HELLOANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
		},
		{
			...CREDENTIALS.helloAnnieWrongKey,
			data: { apiKey: WRONG_HELLOANNIE_KEY, baseUrl: sandbox.baseUrls.helloAnnie },
		},
		{
			...CREDENTIALS.alloMia,
			data: {
				apiKey: alloMia.apiKey,
				organizationId: alloMia.organizationId,
				baseUrl: sandbox.baseUrls.alloMia,
			},
		},
		{
			...CREDENTIALS.alloMiaWrongKey,
			data: {
				apiKey: WRONG_ALLOMIA_KEY,
				organizationId: alloMia.organizationId,
				baseUrl: sandbox.baseUrls.alloMia,
			},
		},
		{
			...CREDENTIALS.aiCaller,
			data: { apiKey: aiCaller.apiKey, baseUrl: sandbox.baseUrls.aiCaller },
		},
		{
			...CREDENTIALS.aiCallerWrongKey,
			data: { apiKey: WRONG_AICALLER_KEY, baseUrl: sandbox.baseUrls.aiCaller },
		},
	];
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
