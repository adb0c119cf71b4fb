/** The shared retry policy and secret scrubbing every Batch call relies on. */
import { NodeApiError } from 'n8n-workflow';

import {
	backoffDelay,
	describeFailure,
	isRetryable,
	parseRetryAfter,
	withRetry,
	type RetryPolicy,
} from '../../nodes/shared/retry';
import { scrubError, scrubText, scrubValue } from '../../nodes/shared/secrets';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 10 };
const node = { id: '1', name: 'Batch', type: 'test', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };

describe('retry policy', () => {
	it('retries 429, 500, 502, 503, 504 and network errors, and no other status', () => {
		for (const status of [429, 500, 502, 503, 504]) expect(isRetryable({ status })).toBe(true);
		for (const status of [400, 401, 403, 404, 409, 422, 501]) expect(isRetryable({ status })).toBe(false);
		expect(isRetryable({ code: 'ECONNRESET' })).toBe(true);
		expect(isRetryable({ code: 'ERR_CANCELED' })).toBe(false);
		expect(isRetryable({})).toBe(false);
	});

	it('reads Retry-After as seconds or as an HTTP date', () => {
		const now = Date.parse('2025-01-01T00:00:00Z');
		expect(parseRetryAfter('3', now)).toBe(3000);
		expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
		expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', now)).toBe(7000);
		expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
	});

	it('backs off exponentially with jitter, capped, and honours Retry-After up to the cap', () => {
		const big: RetryPolicy = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 120_000 };
		expect(backoffDelay(0, big, undefined, () => 0)).toBe(500);
		expect(backoffDelay(0, big, undefined, () => 1)).toBe(1000);
		expect(backoffDelay(3, big, undefined, () => 1)).toBe(8000);
		expect(backoffDelay(20, big, undefined, () => 1)).toBe(120_000);
		expect(backoffDelay(0, big, 5000)).toBe(5000);
		expect(backoffDelay(0, big, 999_999)).toBe(120_000);
	});

	it('describes failures thrown in every shape n8n produces', () => {
		expect(describeFailure({ response: { status: 429, headers: { 'retry-after': '2' } } })).toEqual({ status: 429, retryAfter: '2', code: undefined });
		const apiError = new NodeApiError(node, { message: 'x' }, { httpCode: '503' });
		apiError.context.retryAfter = '4';
		expect(describeFailure(apiError)).toMatchObject({ status: 503, retryAfter: '4' });
		const network = Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
		expect(describeFailure(network)).toMatchObject({ status: undefined, code: 'ECONNREFUSED' });
	});

	it('retries until success, counting retries and reporting each wait', async () => {
		const seen: number[] = [];
		let calls = 0;
		const value = await withRetry(
			async () => {
				calls++;
				if (calls < 3) throw { response: { status: 503 } };
				return 'done';
			},
			policy,
			{ onRetry: ({ attempt }) => seen.push(attempt) },
		);
		expect(value).toBe('done');
		expect(seen).toEqual([1, 2]);
	});

	it('gives up after maxRetries with the last error, and at once on other 4xx', async () => {
		let calls = 0;
		await expect(
			withRetry(async () => {
				calls++;
				throw { response: { status: 500 }, which: calls };
			}, policy),
		).rejects.toEqual({ response: { status: 500 }, which: 4 });
		calls = 0;
		await expect(
			withRetry(async () => {
				calls++;
				throw { response: { status: 400 } };
			}, policy),
		).rejects.toEqual({ response: { status: 400 } });
		expect(calls).toBe(1);
	});
});

describe('secret scrubbing', () => {
	it('masks every secret, URL-encoded ones too, and ignores too-short values', () => {
		expect(scrubText('GET /1.0/APPKEY123/custom-audience with REST-KEY', ['APPKEY123', 'REST-KEY', '', undefined])).toBe(
			'GET /1.0/***/custom-audience with ***',
		);
		expect(scrubText('q=a%2Fb%3Dc', ['a/b=c'])).toBe('q=***');
		expect(scrubText('abc appears', ['abc'])).toBe('abc appears');
	});

	it('masks a key that contains another key whole', () => {
		expect(scrubText('url /1.0/ABCD1234-LONGER/x and ABCD1234', ['ABCD1234', 'ABCD1234-LONGER'])).toBe('url /1.0/***/x and ***');
	});

	it('scrubs JSON-like values deeply and the shown fields of an n8n error, dropping its cause', () => {
		expect(scrubValue({ a: ['x SECRET1 y', { b: 'SECRET1' }], n: 3 }, ['SECRET1'])).toEqual({ a: ['x *** y', { b: '***' }], n: 3 });
		const error = new NodeApiError(node, { message: 'm' }, { message: 'failed on /1.0/SECRET1/', description: 'key SECRET1' });
		error.context.url = 'https://api/SECRET1';
		(error as { cause?: unknown }).cause = new Error('config with SECRET1');
		scrubError(error, ['SECRET1']);
		expect([error.message, error.description, error.context.url, error.stack?.includes('SECRET1')]).toEqual([
			'failed on /1.0/***/',
			'key ***',
			'https://api/***',
			false,
		]);
		expect((error as { cause?: unknown }).cause).toBeUndefined();
	});
});
