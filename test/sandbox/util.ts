/** Small helpers shared by the provider modules. */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { OpenApiDocument } from './types';

export function uuid(): string {
	return randomUUID();
}

/** A MongoDB-ObjectId-looking id (AICaller ids are 24 hex characters). */
export function hex24(): string {
	return randomBytes(12).toString('hex');
}

/** State starts from a deep, mutable copy of the frozen fixtures (and keeps copies of request bodies). */
export function clone<T>(value: T): T {
	return structuredClone(value);
}

export function loadDocument(fileName: string): OpenApiDocument {
	const file = path.join(__dirname, 'openapi', fileName);
	return JSON.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
}

export type DeepReadonly<T> = T extends (infer U)[]
	? ReadonlyArray<DeepReadonly<U>>
	: T extends object
		? { readonly [K in keyof T]: DeepReadonly<T[K]> }
		: T;

/** Fixtures are shared by every sandbox in the process: freeze them so no test can alter them by accident. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
	if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
	}
	return value as DeepReadonly<T>;
}

/** Accepts a JSON control body that must be an object; throws a readable error otherwise. */
export function objectBody(body: unknown): Record<string, unknown> {
	if (body === undefined) return {};
	if (typeof body !== 'object' || body === null || Array.isArray(body))
		throw new Error('body must be a JSON object');
	return body as Record<string, unknown>;
}
