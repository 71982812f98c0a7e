/**
 * One provider's OpenAPI contract: routing and request validation through openapi-backend, plus
 * the security-scheme check that openapi-backend only performs inside handleRequest (which the
 * sandbox does not use, because it needs its own pipeline order: record → fault → auth → rate
 * limit → validation → handler).
 */
import OpenAPIBackend from 'openapi-backend';
import type { AjvCustomizer, Document, Operation, ValidationResult } from 'openapi-backend';

import { STRING_FORMATS } from './formats';
import type { OpenApiDocument, SecurityScheme, ValidationIssue } from './types';

type AjvError = NonNullable<ValidationResult['errors']>[number];

export interface ContractRequest {
	method: string;
	/** Path relative to the provider's server root, without query string. */
	path: string;
	headers: Record<string, string>;
	query: Record<string, string | string[]>;
	/** Raw body text; undefined when there was none. */
	rawBody: string | undefined;
}

export interface ContractCheck {
	issues: ValidationIssue[];
	/** Path params as parsed by the router. */
	params: Record<string, string>;
	/** Query params after the contract's type coercion. */
	query: Record<string, unknown>;
	/** The credential carried by the operation's security scheme, if present in the documented form. */
	credential: string | undefined;
}

const addFormats: AjvCustomizer = (ajv) => {
	for (const [name, format] of Object.entries(STRING_FORMATS)) ajv.addFormat(name, format);
	return ajv;
};

const cache = new Map<string, Promise<Contract>>();

export class Contract {
	private constructor(
		private readonly api: OpenAPIBackend,
		private readonly document: OpenApiDocument,
	) {}

	/**
	 * Loads and checks the document itself (strict: an invalid OpenAPI document throws). A Contract
	 * holds no per-request state, so sandboxes started in the same process share it: compiling the
	 * validators is most of a sandbox's start-up time.
	 */
	static load(document: OpenApiDocument): Promise<Contract> {
		const key = JSON.stringify(document);
		let contract = cache.get(key);
		if (!contract) {
			contract = Contract.compile(document);
			cache.set(key, contract);
			// A failed compilation must not stay cached.
			contract.catch(() => cache.delete(key));
		}
		return contract;
	}

	private static async compile(document: OpenApiDocument): Promise<Contract> {
		// openapi-backend dereferences the object it is given: hand it a private copy.
		const copy = JSON.parse(JSON.stringify(document)) as Document;
		const api = new OpenAPIBackend({
			definition: copy,
			strict: true,
			// '/calls/' is not the documented '/calls': a node building URLs wrongly must be caught.
			ignoreTrailingSlashes: false,
			coerceTypes: true,
			// allErrors: a 400 must name every failing field, not only the first one.
			ajvOpts: { allErrors: true },
			customizeAjv: addFormats,
		});
		await api.init();
		return new Contract(api, document);
	}

	match(method: string, path: string): Operation | undefined {
		// The router collapses '//' (e.g. a base URL ending in '/' joined with '/calls'); the real API may not.
		if (path.includes('//')) return undefined;
		return this.api.router.matchOperation({ method, path, headers: {} });
	}

	/**
	 * Checks one request against its operation. With skipBody the body is not looked at (used when a
	 * fault destroys the socket before the body is read).
	 */
	check(operation: Operation, request: ContractRequest, skipBody = false): ContractCheck {
		const issues: ValidationIssue[] = [];
		const { credential, issue } = this.readCredential(operation, request);
		if (issue) issues.push(issue);

		const headers: Record<string, string> = { ...request.headers };
		const hasBody = request.rawBody !== undefined && request.rawBody.length > 0;
		if (skipBody) {
			delete headers['content-type'];
		} else if (hasBody && operation.requestBody) {
			// A body in a type the operation does not document (a JSON body sent as text/plain) would
			// be refused by a real server. The documents take JSON, and a token endpoint a form too.
			const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
			const documented = Object.keys(
				(operation.requestBody as { content?: Record<string, unknown> }).content ?? {},
			);
			if (!documented.includes(mediaType)) {
				issues.push({
					location: 'header',
					field: 'content-type',
					message: `must be ${documented.join(' or ')} (got ${mediaType === '' ? 'none' : JSON.stringify(mediaType)})`,
					keyword: 'contentType',
				});
			}
		} else if (hasBody && !operation.requestBody) {
			issues.push({
				location: 'body',
				field: '',
				message: 'this operation takes no request body',
				keyword: 'noBody',
			});
		}

		const result = this.api.validator.validateRequest(
			{
				method: request.method,
				path: request.path,
				headers,
				query: request.query,
				// A form is checked as the object of its fields, against the same schema.
				body:
					skipBody || !hasBody
						? undefined
						: isForm(request.headers['content-type'])
							? formFields(request.rawBody ?? '')
							: request.rawBody,
			},
			operation,
		);
		for (const error of result.errors ?? []) {
			const converted = toIssue(error);
			if (skipBody && converted.location === 'body') continue;
			issues.push(converted);
		}

		const coerced = (result.coerced ?? {}) as {
			query?: Record<string, unknown>;
			params?: Record<string, string>;
		};
		const parsed = this.api.router.parseRequest(
			{ method: request.method, path: request.path, headers: {}, query: request.query },
			operation,
		);
		return {
			issues,
			params: coerced.params ?? (parsed.params as Record<string, string>) ?? {},
			query: coerced.query ?? (parsed.query as Record<string, unknown>) ?? {},
			credential,
		};
	}

	/** Checks a response the sandbox produced against the document (used by the sandbox's own tests). */
	checkResponse(operation: Operation, status: number, body: unknown): string[] {
		const operationId = operation.operationId;
		if (!operationId) return [];
		const result = this.api.validator.validateResponse(body, operationId, status);
		return (result.errors ?? []).map(
			(e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`,
		);
	}

	/**
	 * Reads the credential the operation's security requirement documents. Only the first requirement
	 * object is considered: every provider document has exactly one scheme.
	 */
	private readCredential(
		operation: Operation,
		request: ContractRequest,
	): { credential: string | undefined; issue?: ValidationIssue } {
		const requirements =
			(operation.security as Array<Record<string, string[]>> | undefined) ??
			this.document.security ??
			[];
		const first = requirements[0];
		if (!first) return { credential: undefined };
		const schemeName = Object.keys(first)[0];
		const scheme: SecurityScheme | undefined =
			this.document.components?.securitySchemes?.[schemeName];
		if (!scheme) return { credential: undefined };

		if (scheme.type === 'http') {
			const header = request.headers['authorization'];
			const match = header === undefined ? null : /^(\S+)\s+(\S.*)$/.exec(header.trim());
			if (!match || match[1].toLowerCase() !== scheme.scheme.toLowerCase()) {
				return {
					credential: undefined,
					issue: {
						location: 'auth',
						field: 'authorization',
						message:
							header === undefined
								? `missing Authorization header (${scheme.scheme} scheme)`
								: `Authorization header must be "${capitalise(scheme.scheme)} <token>"`,
						keyword: 'security',
					},
				};
			}
			return { credential: match[2].trim() };
		}

		const name = scheme.name.toLowerCase();
		const value =
			scheme.in === 'header'
				? request.headers[name]
				: scheme.in === 'query'
					? first1(request.query[scheme.name])
					: undefined;
		if (value === undefined || value.trim() === '') {
			return {
				credential: undefined,
				issue: {
					location: 'auth',
					field: name,
					message: `missing ${scheme.in} ${scheme.name} (API key)`,
					keyword: 'security',
				},
			};
		}
		return { credential: value.trim() };
	}
}

function capitalise(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}

function first1(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** Ajv error → issue naming the field. Paths look like /requestBody/phoneCalls/0/teamId or /query/limit. */
function toIssue(error: AjvError): ValidationIssue {
	const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
	let location: ValidationIssue['location'] = 'body';
	let rest = segments;
	if (segments[0] === 'requestBody') {
		rest = segments.slice(1);
	} else if (segments[0] === 'query' || segments[0] === 'path' || segments[0] === 'header') {
		location = segments[0];
		rest = segments.slice(1);
	} else if (segments.length === 0 && error.keyword === 'required') {
		// Root of the combined {path, query, header, requestBody} object.
		const missing = String((error.params as { missingProperty?: string }).missingProperty ?? '');
		if (missing === 'requestBody')
			return {
				location: 'body',
				field: '',
				message: 'request body is required',
				keyword: 'required',
			};
		return {
			location: missing === 'query' ? 'query' : 'path',
			field: '',
			message: `${missing} is required`,
			keyword: 'required',
		};
	} else if (error.keyword === 'parse') {
		return {
			location: 'body',
			field: '',
			message: `malformed JSON: ${error.message ?? ''}`,
			keyword: 'parse',
		};
	}

	const params = error.params as Record<string, unknown>;
	let field = joinPath(rest);
	let message = error.message ?? error.keyword;
	switch (error.keyword) {
		case 'required':
			field = joinPath([...rest, String(params.missingProperty)]);
			message = 'is required';
			break;
		case 'additionalProperties':
			field = joinPath([...rest, String(params.additionalProperty)]);
			message =
				location === 'query' || location === 'path'
					? 'is not a documented parameter'
					: 'is not a documented property (additionalProperties: false)';
			break;
		case 'enum':
			message = `must be one of ${JSON.stringify(params.allowedValues)}`;
			break;
		default:
			break;
	}
	return { location, field, message, keyword: error.keyword };
}

function unescapePointer(segment: string): string {
	return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function joinPath(segments: string[]): string {
	return segments.reduce(
		(acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`),
		'',
	);
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

export function isForm(contentType: string | undefined): boolean {
	return (contentType ?? '').split(';')[0].trim().toLowerCase() === FORM_TYPE;
}

/** A form's fields; a repeated field keeps its last value. */
export function formFields(text: string): Record<string, string> {
	return Object.fromEntries(new URLSearchParams(text));
}

export function formatIssue(issue: ValidationIssue): string {
	const where = issue.field === '' ? issue.location : `${issue.location}.${issue.field}`;
	return `${where}: ${issue.message}`;
}
