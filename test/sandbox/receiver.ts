/**
 * A tiny HTTP receiver on 127.0.0.1 for callback/webhook tests: records every request and answers
 * with a configurable status.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface ReceivedRequest {
	method: string;
	path: string;
	headers: Record<string, string>;
	rawBody: string;
	body: unknown;
}

export interface Receiver {
	readonly url: string;
	readonly received: ReceivedRequest[];
	/** Status answered to the next requests (default 200). */
	status: number;
	/** Resolves when at least n requests have arrived. */
	waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
	close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
	const received: ReceivedRequest[] = [];
	const waiters: Array<() => void> = [];
	const receiver: Receiver = {
		url: '',
		received,
		status: 200,
		waitFor(n, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const check = (): boolean => {
					if (received.length < n) return false;
					clearTimeout(timer);
					resolve(received);
					return true;
				};
				const timer = setTimeout(
					() =>
						reject(new Error(`receiver: ${received.length}/${n} requests after ${timeoutMs} ms`)),
					timeoutMs,
				);
				const waiter = (): void => {
					if (!check()) waiters.push(waiter);
				};
				if (!check()) waiters.push(waiter);
			});
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const rawBody = Buffer.concat(chunks).toString('utf8');
			let body: unknown;
			try {
				body = rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown);
			} catch {
				body = undefined;
			}
			const headers: Record<string, string> = {};
			for (const [k, v] of Object.entries(req.headers))
				if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
			received.push({ method: req.method ?? '', path: req.url ?? '', headers, rawBody, body });
			res.writeHead(receiver.status, { 'content-type': 'application/json' });
			res.end('{"received":true}');
			for (const waiter of waiters.splice(0)) waiter();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	(receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return receiver;
}
