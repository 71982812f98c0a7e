/**
 * The shared secrets of the triggers as credentials: where a secret is kept (SecretCredential),
 * reading it from the node's credential and refusing a missing or weak one, for a trigger's
 * requests, its activation and the editor's Test, and for an action node that sends the secret
 * to the provider. The secret itself never reaches an output item, an error or a log.
 */
import { NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	IHookFunctions,
	INode,
	INodeCredentialTestResult,
	INodeType,
	IWebhookFunctions,
} from 'n8n-workflow';
import { errorText } from './errors';
import { secretProblem } from './webhookAuth';

/**
 * A credential that holds one shared secret of a trigger (a URL token, a webhook secret). The
 * secret lives there and nowhere else: n8n encrypts credentials at rest and never exports them in
 * clear, while node parameters are stored, exported and shared with the workflow as typed.
 */
export interface SecretCredential {
	/** n8n's credential type, e.g. `alloMiaCallbackApi`. */
	type: string;
	/** The type's name in the editor, e.g. "AlloMia Callback Token API". */
	displayName: string;
	/** The credential field holding the secret. */
	field: string;
	/** The field's label, e.g. "Token". */
	label: string;
	/** The secret travels in a URL, so it must be URL-safe. */
	urlSafe?: boolean;
}

type CredentialReader = Pick<IHookFunctions, 'getCredentials' | 'getNode'>;

/** What to tell a user whose node has no credential of this type selected. */
function missingCredentialMessage(credential: SecretCredential, where = 'this trigger'): string {
	return `Add an "${credential.displayName}" credential to ${where}`;
}

/**
 * The secret from the node's credential. Throws a NodeOperationError naming the credential to add
 * when none is selected, or one that cannot be read (deleted, not shared).
 */
async function readSecretCredential(
	fn: CredentialReader,
	credential: SecretCredential,
	itemIndex?: number,
	where?: string,
): Promise<string> {
	const node = fn.getNode();
	const description = `Open the node, choose or create an "${credential.displayName}" credential under "Credential to connect with", and save. The ${credential.label.toLowerCase()} is kept there, encrypted by n8n, and never in the workflow.`;
	if (!node.credentials?.[credential.type]) {
		throw new NodeOperationError(node, missingCredentialMessage(credential, where), {
			description,
		});
	}
	let data: Record<string, unknown>;
	try {
		data = (await fn.getCredentials(credential.type, itemIndex)) as Record<string, unknown>;
	} catch (error) {
		const reason = errorText(error);
		throw new NodeOperationError(
			node,
			`${missingCredentialMessage(credential, where)}: the selected one cannot be read (${reason})`,
			{
				description,
			},
		);
	}
	const value = data?.[credential.field];
	return typeof value === 'string' ? value : '';
}

/**
 * The secret from the node's credential, checked: a missing credential or a secret too weak to
 * authenticate anything is refused with a message that names the credential, never the value.
 */
async function usableSecret(
	fn: CredentialReader,
	credential: SecretCredential,
	itemIndex?: number,
	where?: string,
): Promise<string> {
	const secret = await readSecretCredential(fn, credential, itemIndex, where);
	const problem = secretProblem(
		secret,
		`${credential.label} (${credential.displayName} credential)`,
		credential.urlSafe,
	);
	if (problem) throw new NodeOperationError(fn.getNode(), problem);
	return secret;
}

/** A new NodeOperationError with the same message and `more` added to its description. */
function withDescription(node: INode, error: unknown, more: string): NodeOperationError {
	const message = errorText(error);
	const before = error instanceof NodeOperationError ? error.description : undefined;
	return new NodeOperationError(node, message, { description: `${before ?? ''} ${more}`.trim() });
}

/** Per execution of a node: one read of each secret credential, however many items it has. */
const executionSecrets = new WeakMap<object, Map<string, Promise<string>>>();

/**
 * For an action node that sends a trigger's secret to the provider (e.g. a webhook's secret, a
 * callback URL's token): the checked secret from the node's credential, read once per execution.
 * `where` names the switch that asked for it, for the message when the credential is missing.
 */
export async function executionSecret(
	fn: IExecuteFunctions,
	credential: SecretCredential,
	where: string,
): Promise<string> {
	let byType = executionSecrets.get(fn);
	if (!byType) {
		byType = new Map();
		executionSecrets.set(fn, byType);
	}
	let secret = byType.get(credential.type);
	if (!secret) {
		secret = usableSecret(fn, credential, 0, where);
		byType.set(credential.type, secret);
		// Each item that awaits it reports a failure; none may count as unhandled here.
		secret.catch(() => undefined);
	}
	try {
		return await secret;
	} catch (error) {
		// A new error per item: the one cached is shared.
		throw withDescription(fn.getNode(), error, 'Nothing was sent.');
	}
}

/**
 * The secret a request must prove, or undefined when the trigger has none that could authenticate
 * anything (no credential, or one too weak to have been activated): such a request is refused.
 */
export async function expectedSecret(
	fn: IWebhookFunctions,
	credential: SecretCredential,
): Promise<string | undefined> {
	try {
		const secret = await readSecretCredential(fn, credential);
		return secretProblem(secret, credential.label, credential.urlSafe) === undefined
			? secret
			: undefined;
	} catch {
		return undefined;
	}
}

/**
 * The editor's "Test" of a secret credential: the same length and character rules as activation,
 * checked when the credential is saved.
 */
export function secretCredentialTest(credential: SecretCredential) {
	return async function (
		this: ICredentialTestFunctions,
		decrypted: ICredentialsDecrypted,
	): Promise<INodeCredentialTestResult> {
		const value = decrypted.data?.[credential.field];
		const problem = secretProblem(
			typeof value === 'string' ? value : '',
			credential.label,
			credential.urlSafe,
		);
		return problem
			? { status: 'Error', message: problem }
			: { status: 'OK', message: `${credential.label} accepted` };
	};
}

/**
 * The webhook methods of a trigger whose URL is registered nowhere by n8n (the user puts it into
 * each call): nothing to check or delete, and activation refuses a missing credential or a
 * guessable secret.
 */
export function secretOnlyWebhookMethods(options: {
	credential: SecretCredential;
	/** Why the secret matters, shown under the refusal. */
	why: string;
}): NonNullable<INodeType['webhookMethods']> {
	return {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				// Nothing is registered at the provider, so activation always runs `create`.
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				try {
					await usableSecret(this, options.credential);
				} catch (error) {
					throw withDescription(this.getNode(), error, options.why);
				}
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};
}
