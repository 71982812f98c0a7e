/**
 * What the harness needs to know about this repository: where it is, the package's name, and the
 * names n8n gives its node and credential types once it is installed as a community package
 * (`n8n-nodes-ai-phone-agents.helloAnnie`, not the `CUSTOM.` prefix of N8N_CUSTOM_EXTENSIONS).
 */
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-ai-phone-agents';
export const NODE_TYPES = {
	helloAnnie: `${PACKAGE_NAME}.helloAnnie`,
	alloMia: `${PACKAGE_NAME}.alloMia`,
	aiCaller: `${PACKAGE_NAME}.aiCaller`,
} as const;
export const CREDENTIAL_TYPES = {
	helloAnnie: 'helloAnnieApi',
	/** HelloAnnie's second way to authenticate: OAuth2 client credentials. */
	helloAnnieOAuth2: 'helloAnnieOAuth2Api',
	alloMia: 'alloMiaApi',
	aiCaller: 'aiCallerApi',
	/** The triggers' secrets (and what Create Outbound / Create send of them). */
	alloMiaCallback: 'alloMiaCallbackApi',
	aiCallerWebhook: 'aiCallerWebhookApi',
} as const;
