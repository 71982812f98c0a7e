/**
 * What global-setup.ts hands to the test files: it runs in jest's parent process, the tests in
 * worker processes, so the running stack is described in a JSON file whose path is in the
 * environment (workers inherit the parent's environment after globalSetup).
 */
import { readFileSync } from 'node:fs';

import type { CredentialRef } from '../harness/client';

export const STATE_ENV = 'N8N_E2E_STATE_FILE';

export interface E2eState {
	/** http://127.0.0.1:PORT of the running `n8n start` */
	n8nUrl: string;
	/** http://127.0.0.1:PORT of the sandbox (control API under /__sandbox) */
	sandboxUrl: string;
	helloAnnieBaseUrl: string;
	/** The credentials' Base URLs of the other two providers on the same sandbox. */
	alloMiaBaseUrl: string;
	aiCallerBaseUrl: string;
	runDir: string;
	userFolder: string;
	/** Folder n8n's file nodes may read (N8N_RESTRICT_FILE_ACCESS_TO); holds examples/data. */
	filesDir: string;
	/** Serializes the test files: they share one sandbox, whose reset() is global. */
	lockDir: string;
	/** The owner's session cookie from the setup, so that test files need not log in again. */
	authCookie?: string;
	credentials: {
		helloAnnie: CredentialRef;
		helloAnnieOAuth2: CredentialRef;
		helloAnnieWrongKey: CredentialRef;
		alloMia: CredentialRef;
		alloMiaWrongKey: CredentialRef;
		aiCaller: CredentialRef;
		aiCallerWrongKey: CredentialRef;
		alloMiaCallback: CredentialRef;
		aiCallerWebhook: CredentialRef;
	};
}

export function readState(): E2eState {
	const file = process.env[STATE_ENV];
	if (!file)
		throw new Error(
			`${STATE_ENV} is not set: run the e2e tests through jest (--selectProjects e2e), which runs test/e2e/global-setup.ts`,
		);
	return JSON.parse(readFileSync(file, 'utf8')) as E2eState;
}
