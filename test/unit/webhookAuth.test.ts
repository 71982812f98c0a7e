/**
 * The checks the trigger nodes run on every incoming request (nodes/shared/webhookAuth.ts and
 * the AICaller secret check): what is accepted, and that everything else is refused. The HMAC
 * expected here is computed the way the sandbox signs AICaller webhooks
 * (test/sandbox/providers/aicaller.ts), independently of the node's code.
 */
import { createHash, createHmac } from 'node:crypto';

import {
	eventSelected,
	secretAccepted,
	withoutSecret,
	type AiCallerRequest,
	type SecretCheck,
} from '../../nodes/AiCaller/secretCheck';
import { withoutWebhookSecrets } from '../../nodes/AiCaller/webhookSecret';
import { secretCredentialTest } from '../../nodes/shared/secretCredentials';
import { bodyItems } from '../../nodes/shared/triggerRequests';
import {
	bearerToken,
	generateToken,
	headerValue,
	hmacSha256Hex,
	matchesDigest,
	MIN_SECRET_LENGTH,
	safeEqual,
	secretProblem,
	signatureMatches,
	tokenDigest,
} from '../../nodes/shared/webhookAuth';
import { AICALLER_EXAMPLE_WEBHOOK_SECRET } from '../fixtures/documentation-examples';

/** The webhook secret of AICaller's Create Phone Call page example. */
const SECRET = AICALLER_EXAMPLE_WEBHOOK_SECRET;
const OTHER = 'aW52YWxpZC1zZWNyZXQtZm9yLXRlc3Rz';

describe('safeEqual', () => {
	test('equal strings match, anything else does not', () => {
		expect(safeEqual(SECRET, SECRET)).toBe(true);
		expect(safeEqual(OTHER, SECRET)).toBe(false);
		// Same prefix, other length: timingSafeEqual alone would throw on unequal lengths.
		expect(safeEqual(SECRET.slice(0, -1), SECRET)).toBe(false);
		expect(safeEqual(`${SECRET}x`, SECRET)).toBe(false);
		expect(safeEqual('', SECRET)).toBe(false);
		// Case matters: tokens are compared byte for byte.
		expect(safeEqual(SECRET.toLowerCase(), SECRET)).toBe(false);
	});

	test('an empty expected secret never matches, not even an empty one', () => {
		expect(safeEqual('', '')).toBe(false);
		expect(safeEqual('anything', '')).toBe(false);
	});
});

describe('tokenDigest / matchesDigest', () => {
	const token = generateToken();
	const digest = createHash('sha256').update(token).digest('hex');

	test('the digest is the full SHA-256 of the token, in lower-case hex', () => {
		expect(tokenDigest(token)).toBe(digest);
	});

	test('only the token itself matches its digest', () => {
		expect(matchesDigest(token, digest)).toBe(true);
		expect(matchesDigest(token.slice(0, -1), digest)).toBe(false);
		expect(matchesDigest(`${token}0`, digest)).toBe(false);
		expect(matchesDigest(token.toUpperCase(), digest)).toBe(false);
		expect(matchesDigest('', digest)).toBe(false);
		expect(matchesDigest(generateToken(), digest)).toBe(false);
	});

	test('a digest that is not 64 hex characters (missing, cut, upper case) matches nothing', () => {
		for (const damaged of [
			'',
			digest.slice(0, 16),
			digest.slice(0, 63),
			digest.toUpperCase(),
			`${digest}00`,
		]) {
			expect(matchesDigest(token, damaged)).toBe(false);
		}
	});
});

describe('bearerToken / headerValue', () => {
	test('reads the token of a Bearer header, scheme in any case', () => {
		expect(bearerToken(`Bearer ${SECRET}`)).toBe(SECRET);
		expect(bearerToken(`bearer ${SECRET}`)).toBe(SECRET);
		expect(bearerToken(`BEARER \t${SECRET} `)).toBe(SECRET);
	});

	test('anything else has no token', () => {
		for (const header of [
			undefined,
			'',
			'Bearer',
			'Bearer ',
			`Basic ${SECRET}`,
			`Token ${SECRET}`,
			`Bearer ${SECRET} extra`,
			SECRET,
		]) {
			expect(bearerToken(header)).toBeUndefined();
		}
	});

	test('header names are looked up in lower case; a repeated header counts once (the first)', () => {
		const headers = { authorization: `Bearer ${SECRET}`, 'x-aicaller-secret': [SECRET, OTHER] };
		expect(headerValue(headers, 'Authorization')).toBe(`Bearer ${SECRET}`);
		expect(headerValue(headers, 'x-aicaller-secret')).toBe(SECRET);
		expect(headerValue(headers, 'x-missing')).toBeUndefined();
	});
});

describe('HMAC-SHA256 signatures', () => {
	const raw = Buffer.from(
		'{"event":"phoneCall.completed","data":{"_id":"6553a1f0c2b4d5e6f7a8b9c1","status":"completed"}}',
	);
	const expected = createHmac('sha256', SECRET).update(raw).digest('hex');

	test('hmacSha256Hex is HMAC-SHA256 in lower-case hex', () => {
		expect(hmacSha256Hex(SECRET, raw)).toBe(expected);
		expect(hmacSha256Hex(SECRET, raw.toString('utf8'))).toBe(expected);
	});

	test('accepts sha256=<hex> and the bare hex, in either case', () => {
		expect(signatureMatches(SECRET, raw, `sha256=${expected}`)).toBe(true);
		expect(signatureMatches(SECRET, raw, expected)).toBe(true);
		expect(signatureMatches(SECRET, raw, `sha256=${expected.toUpperCase()}`)).toBe(true);
	});

	test('refuses another secret, another body, a truncated or malformed signature, a missing body', () => {
		expect(signatureMatches(OTHER, raw, `sha256=${expected}`)).toBe(false);
		// The same JSON re-serialized with a space: not the bytes that were signed.
		const reserialized = Buffer.from(raw.toString('utf8').replace('"event":', '"event": '));
		expect(signatureMatches(SECRET, reserialized, `sha256=${expected}`)).toBe(false);
		expect(signatureMatches(SECRET, raw, `sha256=${expected.slice(0, 63)}`)).toBe(false);
		expect(signatureMatches(SECRET, raw, `sha1=${expected}`)).toBe(false);
		expect(signatureMatches(SECRET, raw, 'sha256=')).toBe(false);
		expect(signatureMatches(SECRET, raw, undefined)).toBe(false);
		expect(signatureMatches(SECRET, undefined, `sha256=${expected}`)).toBe(false);
		expect(
			signatureMatches('', raw, `sha256=${createHmac('sha256', '').update(raw).digest('hex')}`),
		).toBe(false);
	});
});

describe('generateToken / secretProblem', () => {
	test('tokens are 64 hex characters and differ every time', () => {
		const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
		expect(tokens.size).toBe(100);
		for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{64}$/);
	});

	test('a generated token is a usable secret; a short one is refused with its length, never its value', () => {
		expect(secretProblem(generateToken(), 'Token', true)).toBeUndefined();
		expect(secretProblem('x'.repeat(MIN_SECRET_LENGTH), 'Secret')).toBeUndefined();
		const problem = secretProblem('short-secret', 'Token', true);
		expect(problem).toBe(
			'Token must be at least 24 characters long (it has 12); generate one, e.g. with "openssl rand -hex 32"',
		);
		expect(secretProblem('', 'Secret')).toMatch(
			/^Secret must be at least 24 characters long \(it has 0\)/,
		);
	});

	test('a URL token may only hold characters that need no encoding', () => {
		const spaced = 'abcdefghijkl mnopqrstuvwxyz';
		expect(secretProblem(spaced, 'Token', true)).toBe(
			'Token may contain only letters, digits and . _ ~ - (it is put into a URL as it is)',
		);
		expect(secretProblem('abc&def=ghi?jklmnopqrstuvwxyz', 'Token', true)).toMatch(
			/may contain only/,
		);
		// A header or body secret may hold anything.
		expect(secretProblem(spaced, 'Secret')).toBeUndefined();
	});
});

describe('bodyItems', () => {
	test('an object is one item, an array one item per entry, anything else { body }', () => {
		expect(bodyItems({ a: 1 })).toEqual([{ json: { a: 1 } }]);
		expect(bodyItems([{ a: 1 }, { b: 2 }])).toEqual([{ json: { a: 1 } }, { json: { b: 2 } }]);
		expect(bodyItems('text')).toEqual([{ json: { body: 'text' } }]);
		expect(bodyItems([1])).toEqual([{ json: { body: 1 } }]);
		expect(bodyItems(undefined)).toEqual([{ json: {} }]);
		expect(bodyItems([])).toEqual([{ json: {} }]);
	});
});

describe('AICaller secret check', () => {
	const body = {
		event: 'phoneCall.completed',
		data: { _id: '6553a1f0c2b4d5e6f7a8b9c1', status: 'completed' },
	};
	const rawOf = (json: object) => Buffer.from(JSON.stringify(json));

	/** A request as the sandbox sends it in each webhookSecretMode. */
	function sent(mode: 'header' | 'hmac' | 'body', secret = SECRET): AiCallerRequest {
		if (mode === 'body') {
			const withSecret = { ...body, secret };
			return { headers: {}, body: withSecret, rawBody: rawOf(withSecret) };
		}
		const raw = rawOf(body);
		const headers =
			mode === 'header'
				? { 'x-aicaller-secret': secret }
				: {
						'x-aicaller-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
					};
		return { headers, body, rawBody: raw };
	}

	const MODES: SecretCheck[] = ['any', 'header', 'hmac', 'bodyField'];
	const PLACE: Record<'header' | 'hmac' | 'body', SecretCheck> = {
		header: 'header',
		hmac: 'hmac',
		body: 'bodyField',
	};

	test.each(['header', 'hmac', 'body'] as const)(
		'secret sent as %s: accepted by "Any Supported" and by its own check only',
		(place) => {
			const request = sent(place);
			const accepted = MODES.filter((mode) => secretAccepted(request, SECRET, mode));
			expect(accepted).toEqual(['any', PLACE[place]]);
		},
	);

	test.each(['header', 'hmac', 'body'] as const)(
		'a wrong secret sent as %s is refused by every check',
		(place) => {
			const request = sent(place, OTHER);
			expect(MODES.filter((mode) => secretAccepted(request, SECRET, mode))).toEqual([]);
		},
	);

	test('no secret anywhere is refused, also by "Any Supported"', () => {
		const request: AiCallerRequest = { headers: {}, body, rawBody: rawOf(body) };
		expect(MODES.filter((mode) => secretAccepted(request, SECRET, mode))).toEqual([]);
	});

	test('"Any Supported": every place the request uses must match', () => {
		const good = sent('header');
		const withBadSignature: AiCallerRequest = {
			...good,
			headers: { ...good.headers, 'x-aicaller-signature': `sha256=${'0'.repeat(64)}` },
		};
		expect(secretAccepted(withBadSignature, SECRET, 'any')).toBe(false);
		// The header check alone still looks at the header only.
		expect(secretAccepted(withBadSignature, SECRET, 'header')).toBe(true);

		const withBadBodySecret: AiCallerRequest = { ...good, body: { ...body, secret: OTHER } };
		expect(secretAccepted(withBadBodySecret, SECRET, 'any')).toBe(false);
	});

	test('the signature covers the raw body: a tampered body with the old signature is refused', () => {
		const request = sent('hmac');
		const tampered = { ...body, data: { ...body.data, status: 'failed' } };
		expect(
			secretAccepted({ ...request, body: tampered, rawBody: rawOf(tampered) }, SECRET, 'hmac'),
		).toBe(false);
		expect(secretAccepted({ ...request, rawBody: undefined }, SECRET, 'hmac')).toBe(false);
	});

	test('a body secret that is not a string is refused', () => {
		const request: AiCallerRequest = {
			headers: {},
			body: { ...body, secret: [SECRET] },
			rawBody: undefined,
		};
		expect(secretAccepted(request, SECRET, 'bodyField')).toBe(false);
		expect(secretAccepted(request, SECRET, 'any')).toBe(false);
	});

	test('a body n8n did not parse (another content type) is no secret, and nothing throws', () => {
		const unparsed: AiCallerRequest = {
			headers: {},
			body: undefined,
			rawBody: Buffer.from('secret=x'),
		};
		expect(MODES.filter((mode) => secretAccepted(unparsed, SECRET, mode))).toEqual([]);
		const withHeader: AiCallerRequest = { ...unparsed, headers: { 'x-aicaller-secret': SECRET } };
		expect(MODES.filter((mode) => secretAccepted(withHeader, SECRET, mode))).toEqual([
			'any',
			'header',
		]);
	});

	test('a Secret Check outside the options (an expression) accepts nothing', () => {
		expect(secretAccepted(sent('header'), SECRET, 'headers' as SecretCheck)).toBe(false);
	});

	// Names every object answers through Object.prototype: none is one of the trigger's checks.
	const INHERITED = [
		'toString',
		'constructor',
		'__proto__',
		'hasOwnProperty',
		'valueOf',
		'isPrototypeOf',
		'toLocaleString',
	];

	test.each(INHERITED)(
		'a Secret Check named "%s" refuses a request with no secret at all',
		(mode) => {
			const request: AiCallerRequest = { headers: {}, body, rawBody: rawOf(body) };
			expect(secretAccepted(request, SECRET, mode as SecretCheck)).toBe(false);
			expect(
				secretAccepted(
					{ headers: {}, body: undefined, rawBody: undefined },
					SECRET,
					mode as SecretCheck,
				),
			).toBe(false);
		},
	);

	test.each(INHERITED)(
		'a Secret Check named "%s" refuses even the right secret, wherever it is',
		(mode) => {
			for (const place of ['header', 'hmac', 'body'] as const) {
				expect(secretAccepted(sent(place), SECRET, mode as SecretCheck)).toBe(false);
			}
		},
	);

	test('an empty configured secret accepts nothing', () => {
		expect(secretAccepted(sent('header', ''), '', 'header')).toBe(false);
		expect(secretAccepted(sent('body', ''), '', 'any')).toBe(false);
	});

	test('withoutSecret drops the secret field and every nested copy of the secret, and keeps the rest', () => {
		const input = {
			event: 'phoneCall.completed',
			secret: SECRET,
			data: {
				_id: '6553a1f0c2b4d5e6f7a8b9c1',
				// AICaller's call record may echo its webhook subscriptions.
				phoneCallWebhooks: [
					{
						url: 'https://example.test/hook',
						subscribedEvent: 'phoneCall.completed',
						secret: SECRET,
					},
				],
				tags: ['a', SECRET, 'b'],
				note: OTHER,
			},
		};
		expect(withoutSecret(input, SECRET)).toEqual({
			event: 'phoneCall.completed',
			data: {
				_id: '6553a1f0c2b4d5e6f7a8b9c1',
				phoneCallWebhooks: [
					{ url: 'https://example.test/hook', subscribedEvent: 'phoneCall.completed' },
				],
				tags: ['a', 'b'],
				note: OTHER,
			},
		});
		expect(JSON.stringify(withoutSecret(input, SECRET)).includes(SECRET)).toBe(false);
		// The parsed body itself is not changed.
		expect(input.secret).toBe(SECRET);
		expect(input.data.phoneCallWebhooks[0].secret).toBe(SECRET);
		// A top-level secret field goes even when it is not the configured secret.
		expect(withoutSecret({ event: 'phoneCall.completed', secret: OTHER }, SECRET)).toEqual({
			event: 'phoneCall.completed',
		});
	});

	test('events: phoneCall.* takes every phoneCall event, a named event only itself', () => {
		expect(eventSelected('phoneCall.completed', ['phoneCall.completed'])).toBe(true);
		expect(eventSelected('phoneCall.failed', ['phoneCall.completed'])).toBe(false);
		expect(eventSelected('phoneCall.failed', ['phoneCall.*'])).toBe(true);
		expect(eventSelected('team.updated', ['phoneCall.*'])).toBe(false);
		expect(eventSelected(undefined, ['phoneCall.*'])).toBe(false);
		expect(eventSelected('phoneCall.completed', [])).toBe(false);
	});
});

describe('withoutWebhookSecrets', () => {
	test("removes every webhook subscription's secret, at any depth, and nothing else", () => {
		const call = {
			_id: '1',
			secret: 'a top-level field of another meaning stays',
			phoneCallWebhooks: [
				{ url: 'https://a.example/', subscribedEvent: 'phoneCall.completed', secret: SECRET },
				{ url: 'https://b.example/', subscribedEvent: 'phoneCall.completed' },
			],
		};
		const scrubbed = withoutWebhookSecrets({
			event: 'phoneCall.completed',
			data: call,
			list: [call],
		});
		expect(JSON.stringify(scrubbed)).not.toContain(SECRET);
		expect(scrubbed.data).toEqual({
			...call,
			phoneCallWebhooks: [
				{ url: 'https://a.example/', subscribedEvent: 'phoneCall.completed' },
				{ url: 'https://b.example/', subscribedEvent: 'phoneCall.completed' },
			],
		});
		expect(scrubbed.list).toEqual([scrubbed.data]);
		// The input is not changed.
		expect(call.phoneCallWebhooks[0].secret).toBe(SECRET);
	});
});

describe("secretCredentialTest (the editor's Test of a secret credential)", () => {
	const credential = {
		type: 'alloMiaCallbackApi',
		displayName: 'AlloMia Callback Token API',
		field: 'token',
		label: 'Token',
		urlSafe: true,
	};
	const test_ = secretCredentialTest(credential);
	const run = async (token: string) =>
		await test_.call({} as never, { id: '1', name: 'x', type: credential.type, data: { token } });

	test('applies the activation rules: length and, for a URL token, characters', async () => {
		expect(await run(generateToken())).toEqual({ status: 'OK', message: 'Token accepted' });
		expect((await run('short')).status).toBe('Error');
		expect((await run('short')).message).toMatch(
			/^Token must be at least 24 characters long \(it has 5\)/,
		);
		expect(await run('x'.repeat(30) + '&')).toEqual({
			status: 'Error',
			message: 'Token may contain only letters, digits and . _ ~ - (it is put into a URL as it is)',
		});
	});
});
