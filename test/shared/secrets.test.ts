/** Every form a key can take is masked, and every field of an n8n error is scrubbed. */
import { NodeApiError, type JsonObject } from 'n8n-workflow';

import { scrubError, scrubText } from '../../nodes/shared/secrets';

const node = { id: '1', name: 'Amplitude', type: 'test', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
const KEY = 'ampKey-1234abcd';
const SECRET = 'sec/ret+5678=xyz';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('scrubText', () => {
	it('masks a key as is, URL-encoded, JSON-escaped and in base64, alone and as a Basic auth pair', () => {
		for (const form of [KEY, SECRET, encodeURIComponent(SECRET), b64(KEY), b64(SECRET), b64(`${KEY}:${SECRET}`), b64(`${SECRET}:${KEY}`)]) {
			const scrubbed = scrubText(`said: ${form} (end)`, [KEY, SECRET]);
			expect(scrubbed).toBe('said: *** (end)');
		}
		expect(scrubText(JSON.stringify({ key: 'a"quoted\\key' }), ['a"quoted\\key'])).toBe('{"key":"***"}');
	});

	it('masks a key inside a longer base64 text, whatever its alignment', () => {
		for (const prefix of ['', 'x', 'xy', 'xyz', 'user:']) {
			const encoded = b64(`${prefix}${SECRET} and more`);
			const scrubbed = scrubText(`Authorization: Basic ${encoded}`, [SECRET]);
			expect(scrubbed).toContain('***');
			// What is left cannot be decoded back to the secret, nor to any 4 characters of it in a row.
			const left = Buffer.from(scrubbed.replace('Authorization: Basic ', '').replace('***', ''), 'base64').toString('latin1');
			for (let i = 0; i + 4 <= SECRET.length; i++) expect(left).not.toContain(SECRET.slice(i, i + 4));
		}
	});

	it('leaves ordinary text alone', () => {
		expect(scrubText('Listing cohorts failed (HTTP 401): Invalid credentials', [KEY, SECRET])).toBe(
			'Listing cohorts failed (HTTP 401): Invalid credentials',
		);
	});
});

describe('scrubError', () => {
	it('scrubs every field NodeApiError filled from an echoing body: messages, errorResponse, description, context, stack', () => {
		const echoed = `Invalid credentials: ${KEY}:${SECRET} (Authorization: Basic ${b64(`${KEY}:${SECRET}`)})`;
		const error = new NodeApiError(node, { message: echoed, status: 401, nested: { body: echoed } } as JsonObject, {
			message: `Listing cohorts failed: ${echoed}`,
			description: echoed,
			httpCode: '401',
		});
		error.context.data = { echoed, list: [echoed] };
		Object.defineProperty(error, 'hidden', { value: echoed, enumerable: false, writable: true });
		expect(JSON.stringify(error.messages)).toContain(KEY);
		scrubError(error, [KEY, SECRET]);
		const everything = Object.getOwnPropertyNames(error)
			.map((name) => JSON.stringify((error as unknown as Record<string, unknown>)[name]) ?? '')
			.join('\n');
		for (const form of [KEY, SECRET, encodeURIComponent(SECRET), b64(`${KEY}:${SECRET}`)]) expect(everything).not.toContain(form);
		expect(error.message).toBe('Listing cohorts failed: Invalid credentials: ***:*** (Authorization: Basic ***)');
		expect(error.httpCode).toBe('401');
		expect(error.node).toBe(node);
	});

	it('drops the cause (an HTTP client error with the request config)', () => {
		const error = new NodeApiError(node, new Error(`GET /1.0/${KEY}/custom-audience`) as unknown as JsonObject, { message: 'failed' });
		scrubError(error, [KEY]);
		expect((error as { cause?: unknown }).cause).toBeUndefined();
		expect(JSON.stringify(error)).not.toContain(KEY);
	});
});
