import type { IDataObject } from 'n8n-workflow';

export interface Page {
	items: IDataObject[];
	/** Whether the provider has more after this page. */
	hasMore: boolean;
}

/**
 * Collects results for "Return All" / "Limit": fetches pages of `pageSize` until enough items
 * are there or the provider has no more. `maxPages` bounds a provider that never says "done".
 */
export async function collectPages(
	fetchPage: (page: { index: number; offset: number; size: number }) => Promise<Page>,
	options: { returnAll: boolean; limit: number; pageSize: number; maxPages?: number },
): Promise<IDataObject[]> {
	const wanted = options.returnAll ? Infinity : options.limit;
	const results: IDataObject[] = [];
	const maxPages = options.maxPages ?? 10_000;
	for (let pageIndex = 0; pageIndex < maxPages && results.length < wanted; pageIndex++) {
		const size = options.returnAll
			? options.pageSize
			: Math.min(options.pageSize, wanted - results.length);
		const page = await fetchPage({ index: pageIndex, offset: results.length, size });
		results.push(...page.items);
		if (!page.hasMore || page.items.length === 0) break;
	}
	return results.slice(0, wanted);
}
