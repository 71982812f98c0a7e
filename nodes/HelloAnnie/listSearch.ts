import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { DEFAULT_TRANSPORT_OPTIONS, RequestSession } from '../shared/transport';
import { helloAnnie, type AnnieEnvelope } from './provider';

async function list(fn: ILoadOptionsFunctions, path: string, key: string): Promise<IDataObject[]> {
	const session = new RequestSession(fn, helloAnnie, DEFAULT_TRANSPORT_OPTIONS);
	const response = await session.send<AnnieEnvelope<Record<string, IDataObject[]>>>({ method: 'GET', path, kind: 'read' }, 0);
	const entries = response?.data?.[key];
	return Array.isArray(entries) ? entries : [];
}

const matches = (filter: string | undefined, ...texts: unknown[]) =>
	!filter || texts.some((t) => String(t ?? '').toLowerCase().includes(filter.toLowerCase()));

export async function searchPhoneNumbers(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const numbers = await list(this, '/phone-numbers', 'phoneNumbers');
	return {
		results: numbers
			.filter((n) => matches(filter, n.name, n.number))
			.map((n) => ({ name: n.name ? `${String(n.name)} (${String(n.number)})` : String(n.number), value: String(n.number) })),
	};
}

export async function searchBots(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	// GET /bots is listed in HelloAnnie's documentation without its answer's shape; `data.bots`
	// follows GET /phone-numbers' `data.phoneNumbers`.
	const bots = await list(this, '/bots', 'bots');
	return {
		results: bots
			.filter((b) => matches(filter, b.name, b.id))
			.map((b) => ({ name: String(b.name ?? b.id), value: String(b.id) })),
	};
}
