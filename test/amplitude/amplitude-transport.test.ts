/** Which host the Amplitude credential points at, in the node and in the credential test. */
import { AmplitudeCohortsApi } from '../../credentials/AmplitudeCohortsApi.credentials';
import { AMPLITUDE_EU_URL, AMPLITUDE_US_URL, amplitudeBaseUrl } from '../../nodes/Amplitude/transport/baseUrl';
import { messageFromBody } from '../../nodes/Amplitude/transport/errors';
import { startAmplitudeSandbox } from '../../sandbox/amplitude';

/** Evaluates a `={{ … }}` credential expression the way n8n does for plain JavaScript ones. */
function evaluate(expression: string, credentials: Record<string, unknown>): unknown {
	const body = expression.replace(/^=\{\{/, '').replace(/\}\}$/, '');
	return new Function('$credentials', `return (${body});`)(credentials);
}

describe('amplitudeBaseUrl', () => {
	it('picks the US host by default and for "us"', () => {
		expect(amplitudeBaseUrl({})).toBe('https://amplitude.com');
		expect(amplitudeBaseUrl({ region: 'us' })).toBe(AMPLITUDE_US_URL);
	});

	it('picks the EU REST host (not the web app) for "eu"', () => {
		expect(amplitudeBaseUrl({ region: 'eu' })).toBe('https://analytics.eu.amplitude.com');
		expect(AMPLITUDE_EU_URL).toBe('https://analytics.eu.amplitude.com');
	});

	it('takes a custom base URL without its trailing slashes, and ignores it for other regions', () => {
		expect(amplitudeBaseUrl({ region: 'custom', baseUrl: ' http://127.0.0.1:8080/amp// ' })).toBe('http://127.0.0.1:8080/amp');
		expect(amplitudeBaseUrl({ region: 'eu', baseUrl: 'http://ignored' })).toBe(AMPLITUDE_EU_URL);
	});

	it('refuses a custom base URL that is not http(s), and unknown regions', () => {
		expect(() => amplitudeBaseUrl({ region: 'custom', baseUrl: '' })).toThrow(/not an http\(s\) URL/);
		expect(() => amplitudeBaseUrl({ region: 'custom', baseUrl: 'ftp://x' })).toThrow(/not an http\(s\) URL/);
		expect(() => amplitudeBaseUrl({ region: 'mars' })).toThrow(/Unknown Amplitude region/);
	});
});

describe('AmplitudeCohortsApi credential', () => {
	const credential = new AmplitudeCohortsApi();

	it('has the decided fields, the secret one hidden', () => {
		expect(credential.name).toBe('amplitudeCohortsApi');
		expect(credential.properties.map((property) => property.name)).toEqual(['apiKey', 'secretKey', 'region', 'baseUrl']);
		expect(credential.properties.find((property) => property.name === 'secretKey')?.typeOptions?.password).toBe(true);
	});

	it('adds HTTP Basic auth from the keys, keeping the request as it was', async () => {
		const request = { url: 'https://amplitude.com/api/3/cohorts', headers: { Accept: 'application/json' } };
		expect(await credential.authenticate({ apiKey: 'the-api-key', secretKey: 'the-secret' }, request)).toEqual({
			...request,
			auth: { username: 'the-api-key', password: 'the-secret' },
		});
	});

	it('tests by listing cohorts on the same host as the node', () => {
		const { request } = credential.test;
		expect(request.url).toBe('/api/3/cohorts');
		for (const settings of [
			{ region: 'us' },
			{ region: 'eu' },
			{ region: 'custom', baseUrl: 'http://127.0.0.1:9/proxy/' },
		]) {
			expect(evaluate(String(request.baseURL), settings)).toBe(amplitudeBaseUrl(settings));
		}
	});

	it('passes its test against the sandbox without starting an export', async () => {
		const sb = await startAmplitudeSandbox();
		try {
			const baseUrl = evaluate(String(credential.test.request.baseURL), { region: 'custom', baseUrl: `${sb.url}/` });
			const auth = `Basic ${Buffer.from(`${sb.apiKey}:${sb.secretKey}`).toString('base64')}`;
			const answer = await fetch(`${baseUrl}${credential.test.request.url}`, { headers: { authorization: auth } });
			expect(answer.status).toBe(200);
			expect(((await answer.json()) as { cohorts: unknown[] }).cohorts.length).toBeGreaterThan(0);
			const wrong = await fetch(`${baseUrl}${credential.test.request.url}`, {
				headers: { authorization: `Basic ${Buffer.from(`${sb.apiKey}:nope`).toString('base64')}` },
			});
			expect(wrong.status).toBe(401);
			expect(sb.exportsStarted).toBe(0);
		} finally {
			await sb.close();
		}
	});
});

describe('messageFromBody', () => {
	it('reads Amplitude JSON errors, S3 XML errors and text', () => {
		expect(messageFromBody({ error: 'Invalid API key' })).toBe('Invalid API key');
		expect(messageFromBody({ error: { message: 'bad cohort', code: 400 } })).toBe('bad cohort');
		expect(messageFromBody('{"error":"x"}')).toBe('x');
		expect(messageFromBody('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')).toBe(
			'Request has expired',
		);
		expect(messageFromBody('plain text')).toBe('plain text');
		expect(messageFromBody('')).toBeUndefined();
	});
});
