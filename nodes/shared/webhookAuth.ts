/**
 * How the trigger nodes decide whether a request really comes from the provider. Written once
 * here and used by the three triggers:
 * - every secret comparison runs in constant time, so a forger learns nothing from timing;
 * - a refused request is answered 401 by the node itself and starts no execution (an error
 *   thrown from `webhook()` would start one that fails);
 * - the secrets themselves never reach an output item, an error or a log.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialsDecrypted,
	IExecuteFunctions,
	ICredentialTestFunctions,
	IHookFunctions,
	INode,
	INodeCredentialTestResult,
	INodeType,
	IWebhookDescription,
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

/**
 * The shortest shared secret the triggers accept (a URL token or a webhook secret). 24 random
 * characters are beyond guessing; `openssl rand -hex 32` gives 64.
 */
export const MIN_SECRET_LENGTH = 24;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `given` equals `expected`, in constant time. `timingSafeEqual` needs buffers of equal
 * length; comparing SHA-256 digests gives that and does not reveal the expected length either.
 * An empty expected secret never matches.
 */
export function safeEqual(given: string, expected: string): boolean {
	if (expected.length === 0) return false;
	return timingSafeEqual(sha256(given), sha256(expected));
}

/**
 * The full SHA-256 of a random token, lower-case hex: what a trigger may keep in clear (static
 * data) to recognise the token later. A digest of 32 random bytes gives nothing away.
 */
export function tokenDigest(token: string): string {
	return sha256(token).toString('hex');
}

/**
 * Whether `given` is the token whose digest (tokenDigest) is `digest`, in constant time. A digest
 * that is not 64 hex characters (missing, damaged static data) never matches.
 */
export function matchesDigest(given: string, digest: string): boolean {
	if (!/^[0-9a-f]{64}$/.test(digest)) return false;
	return timingSafeEqual(sha256(given), Buffer.from(digest, 'hex'));
}

/** A header's value as one string (Node gives repeated headers as an array: the first counts). */
export function headerValue(
	headers: IDataObject | Record<string, unknown>,
	name: string,
): string | undefined {
	const value = headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' ? value : undefined;
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(authorization: string | undefined): string | undefined {
	const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
	return match ? match[1] : undefined;
}

/** HMAC-SHA256 of `data` keyed with `secret`, lower-case hex. */
export function hmacSha256Hex(secret: string, data: Buffer | string): string {
	return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * Whether `signature` (`sha256=<hex>`, or the bare hex) is the HMAC-SHA256 of the exact bytes
 * received. The raw body is required: a body parsed and serialized again may differ byte for
 * byte (key order, spaces, escapes) from what was signed.
 */
export function signatureMatches(
	secret: string,
	rawBody: Buffer | string | undefined,
	signature: string | undefined,
): boolean {
	if (rawBody === undefined || signature === undefined || secret.length === 0) return false;
	const match = /^(?:sha256=)?([0-9a-f]{64})$/i.exec(signature.trim());
	if (!match) return false;
	return safeEqual(match[1].toLowerCase(), hmacSha256Hex(secret, rawBody));
}

/** A new random token: 32 bytes from the OS's CSPRNG, as 64 hex characters (URL- and header-safe). */
export function generateToken(): string {
	return randomBytes(32).toString('hex');
}

/**
 * Why a secret the user set is not usable, or undefined when it is. Only its length and
 * characters are described, never the value.
 */
export function secretProblem(secret: string, label: string, urlSafe = false): string | undefined {
	if (secret.length < MIN_SECRET_LENGTH) {
		return `${label} must be at least ${MIN_SECRET_LENGTH} characters long (it has ${secret.length}); generate one, e.g. with "openssl rand -hex 32"`;
	}
	if (urlSafe && !/^[A-Za-z0-9._~-]+$/.test(secret)) {
		return `${label} may contain only letters, digits and . _ ~ - (it is put into a URL as it is)`;
	}
	return undefined;
}

/** The part of n8n's (express) response object the triggers use. */
interface WebhookResponse {
	setHeader(name: string, value: string): unknown;
	status(code: number): WebhookResponse;
	json(body: unknown): unknown;
}

/**
 * The exact bytes of the request body. n8n reads them before parsing a JSON body and keeps them
 * on the request (`rawBody`, a Buffer); undefined when it did not (e.g. a multipart body).
 */
export function rawRequestBody(fn: IWebhookFunctions): Buffer | undefined {
	const { rawBody } = fn.getRequestObject() as unknown as { rawBody?: unknown };
	return Buffer.isBuffer(rawBody) ? rawBody : undefined;
}

/**
 * Answers 401 and starts nothing. The answer says only "Unauthorized": what was wrong (missing,
 * malformed, mismatched) would help a forger.
 */
export function refuseRequest(
	fn: IWebhookFunctions,
	wwwAuthenticate?: string,
): IWebhookResponseData {
	const response = fn.getResponseObject() as unknown as WebhookResponse;
	if (wwwAuthenticate) response.setHeader('WWW-Authenticate', wwwAuthenticate);
	response.status(401).json({ message: 'Unauthorized' });
	return { noWebhookResponse: true };
}

/**
 * Answers 200 and starts nothing: an authentic request for something the user filtered out
 * (another event or status). 200 so that the provider does not retry it.
 */
export function ignoreRequest(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, ignored: reason } };
}

/**
 * The parsed request body, or an empty object: n8n leaves it undefined for a content type it does
 * not parse, and a check that read a property of it would throw, which n8n turns into an
 * execution (a failed one): a forged request must never start anything.
 */
export function requestBody(fn: IWebhookFunctions): IDataObject {
	const body = fn.getBodyData() as IDataObject | undefined;
	return body !== null && typeof body === 'object' ? body : {};
}

/**
 * The request body as output items: an object is one item, an array one item per entry, anything
 * else (a string, a number) an item `{ body }`. Payloads the providers do not document are
 * passed on as received.
 */
export function bodyItems(body: unknown): INodeExecutionData[] {
	const toJson = (value: unknown): IDataObject =>
		value !== null && typeof value === 'object' && !Array.isArray(value)
			? (value as IDataObject)
			: { body: value as IDataObject[keyof IDataObject] };
	if (Array.isArray(body))
		return body.length ? body.map((entry) => ({ json: toJson(entry) })) : [{ json: {} }];
	return [{ json: toJson(body ?? {}) }];
}

/**
 * The one webhook every trigger of this package has: a POST answered as soon as it is received.
 * `responseData` is empty on purpose: without it n8n 2.41 answers the literal text
 * "firstEntryJson"; empty, it answers {"message":"Workflow was started"} like its own Webhook node.
 */
export function receivingWebhook(path: string): IWebhookDescription {
	return {
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		responseData: '',
		path,
	};
}

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
export function missingCredentialMessage(credential: SecretCredential, where = 'this trigger'): string {
	return `Add an "${credential.displayName}" credential to ${where}`;
}

/**
 * The secret from the node's credential. Throws a NodeOperationError naming the credential to add
 * when none is selected, or one that cannot be read (deleted, not shared).
 */
export async function readSecretCredential(
	fn: CredentialReader,
	credential: SecretCredential,
	itemIndex?: number,
	where?: string,
): Promise<string> {
	const node = fn.getNode();
	const description = `Open the node, choose or create an "${credential.displayName}" credential under "Credential to connect with", and save. The ${credential.label.toLowerCase()} is kept there, encrypted by n8n, and never in the workflow.`;
	if (!node.credentials?.[credential.type]) {
		throw new NodeOperationError(node, missingCredentialMessage(credential, where), { description });
	}
	let data: Record<string, unknown>;
	try {
		data = (await fn.getCredentials(credential.type, itemIndex)) as Record<string, unknown>;
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new NodeOperationError(node, `${missingCredentialMessage(credential, where)}: the selected one cannot be read (${reason})`, {
			description,
		});
	}
	const value = data?.[credential.field];
	return typeof value === 'string' ? value : '';
}

/**
 * The secret from the node's credential, checked: a missing credential or a secret too weak to
 * authenticate anything is refused with a message that names the credential, never the value.
 */
export async function usableSecret(
	fn: CredentialReader,
	credential: SecretCredential,
	itemIndex?: number,
	where?: string,
): Promise<string> {
	const secret = await readSecretCredential(fn, credential, itemIndex, where);
	const problem = secretProblem(secret, `${credential.label} (${credential.displayName} credential)`, credential.urlSafe);
	if (problem) throw new NodeOperationError(fn.getNode(), problem);
	return secret;
}

/** A new NodeOperationError with the same message and `more` added to its description. */
function withDescription(node: INode, error: unknown, more: string): NodeOperationError {
	const message = error instanceof Error ? error.message : String(error);
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
		return secretProblem(secret, credential.label, credential.urlSafe) === undefined ? secret : undefined;
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
		const problem = secretProblem(typeof value === 'string' ? value : '', credential.label, credential.urlSafe);
		return problem ? { status: 'Error', message: problem } : { status: 'OK', message: `${credential.label} accepted` };
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
