import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from '../shared/transport';
import { helloAnnie, listEntries, type AnnieEnvelope } from './provider';

/** A list answer: `data.<key>` (documented for GET /phone-numbers), or `data` itself when it is the array. */
async function list(fn: ILoadOptionsFunctions, path: string, key: string): Promise<IDataObject[]> {
	const session = new RequestSession(fn, helloAnnie, DEFAULT_TRANSPORT_OPTIONS);
	const response = await session.send<AnnieEnvelope<unknown>>(
		{ method: 'GET', path, idempotent: true },
		0,
	);
	return listEntries(response?.data, key);
}

const matches = (filter: string | undefined, ...texts: unknown[]) =>
	!filter ||
	texts.some((t) =>
		String(t ?? '')
			.toLowerCase()
			.includes(filter.toLowerCase()),
	);

export async function searchPhoneNumbers(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const numbers = await list(this, '/phone-numbers', 'phoneNumbers');
	return {
		results: numbers
			.filter((n) => matches(filter, n.name, n.number))
			.map((n) => ({
				name: n.name ? `${String(n.name)} (${String(n.number)})` : String(n.number),
				value: String(n.number),
			})),
	};
}

export async function searchBots(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	// GET /bots appears in HelloAnnie's documentation only as an example request, without its
	// answer's shape: `data.bots` follows GET /phone-numbers' `data.phoneNumbers`, and a bare array
	// in `data` is read too. A bot's `id` and `name` are the create-bot page's fields.
	const bots = await list(this, '/bots', 'bots');
	return {
		results: bots
			.filter((b) => matches(filter, b.name, b.id))
			.map((b) => ({ name: String(b.name ?? b.id), value: String(b.id) })),
	};
}
