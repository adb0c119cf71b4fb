/**
 * The Amplitude sandbox over real loopback HTTP (node:http only, no n8n): every endpoint of the
 * contract, every knob, and a 2,000,000-member export streamed with flat memory.
 */
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync, createGunzip } from 'node:zlib';

import {
	AMPLITUDE_SANDBOX_API_KEY,
	AMPLITUDE_SANDBOX_APP_ID,
	AMPLITUDE_SANDBOX_SECRET_KEY,
	DEFAULT_COHORTS,
	DEFAULT_KNOBS,
	describeAmplitudeSandbox,
	startAmplitudeSandbox,
	type AmplitudeSandbox,
	type CohortSpec,
} from '../../sandbox/amplitude';

interface RawResponse {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
	text: string;
	json: () => any;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = basic(AMPLITUDE_SANDBOX_API_KEY, AMPLITUDE_SANDBOX_SECRET_KEY);

let sb: AmplitudeSandbox;

/** One request with node:http: no automatic decompression, redirects or connection reuse. */
function request(
	target: string,
	options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: unknown; auth?: string | null } = {},
): Promise<RawResponse> {
	const url = new URL(target, sb.url);
	const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
	const headers: http.OutgoingHttpHeaders = { ...options.headers };
	const auth = options.auth === undefined ? AUTH : options.auth;
	if (auth !== null) headers.authorization = auth;
	if (payload !== undefined) {
		headers['content-type'] = 'application/json';
		headers['content-length'] = Buffer.byteLength(payload);
	}
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('error', reject);
			res.on('end', () => {
				const body = Buffer.concat(chunks);
				const text = body.toString('utf8');
				resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
			});
		});
		req.on('error', reject);
		req.end(payload);
	});
}

const api = (path: string, options: Parameters<typeof request>[1] = {}) => request(path, options);

/** RFC 4180 reader for the tests: quoted fields, "" escapes, newlines inside quotes. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let index = 0; index < text.length; index++) {
		const char = text[index];
		if (quoted) {
			if (char === '"' && text[index + 1] === '"') {
				field += '"';
				index++;
			} else if (char === '"') quoted = false;
			else field += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			row.push(field);
			field = '';
		} else if (char === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
		} else field += char;
	}
	if (field !== '' || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

function decodeBody(response: RawResponse): string {
	const gzipped = response.body[0] === 0x1f && response.body[1] === 0x8b;
	return (gzipped ? gunzipSync(response.body) : response.body).toString('utf8');
}

async function startExport(cohortId: string, query = ''): Promise<string> {
	const response = await api(`/api/5/cohorts/request/${cohortId}${query}`);
	expect(response.status).toBe(202);
	return response.json().request_id as string;
}

async function waitUntilCompleted(requestId: string): Promise<void> {
	for (let attempt = 0; attempt < 200; attempt++) {
		const response = await api(`/api/5/cohorts/request-status/${requestId}`);
		if (response.status === 200) {
			expect(response.json().async_status).toBe('JOB COMPLETED');
			return;
		}
		expect(response.status).toBe(202);
		await sleep(10);
	}
	throw new Error('export never completed');
}

/** Export, poll, download (following the S3 redirect without Authorization) and parse. */
async function exportRows(cohortId: string, query = ''): Promise<string[][]> {
	const requestId = await startExport(cohortId, query);
	await waitUntilCompleted(requestId);
	let response = await api(`/api/5/cohorts/request/${requestId}/file`);
	if (response.status === 302) response = await request(response.headers.location!, { auth: null });
	expect(response.status).toBe(200);
	return parseCsv(decodeBody(response));
}

async function allMembers(cohortId: string) {
	const members = [];
	for await (const member of sb.members(cohortId)) members.push(member);
	return members;
}

const SMALL: CohortSpec = DEFAULT_COHORTS.find((cohort) => cohort.size <= 100 && !cohort.archived && !cohort.anonymousRatio)!;
const MEDIUM: CohortSpec = DEFAULT_COHORTS.find((cohort) => cohort.size === 5000)!;

beforeAll(async () => {
	sb = await startAmplitudeSandbox({ port: 0 });
});

afterAll(async () => {
	await sb.close();
});

beforeEach(() => {
	sb.knobs = { ...DEFAULT_KNOBS, exportDurationMs: 30 };
	sb.faults.clear();
});

describe('surface', () => {
	it('exports the fixed credentials, a default catalogue and printable lines', () => {
		expect(AMPLITUDE_SANDBOX_API_KEY).toBe('sandbox-amplitude-api-key');
		expect(AMPLITUDE_SANDBOX_SECRET_KEY).toBe('sandbox-amplitude-secret-key');
		expect(DEFAULT_COHORTS.length).toBeGreaterThanOrEqual(4);
		expect(DEFAULT_COHORTS.some((cohort) => cohort.archived)).toBe(true);
		expect(DEFAULT_COHORTS.some((cohort) => (cohort.anonymousRatio ?? 0) > 0.1)).toBe(true);
		expect(MEDIUM.size).toBeGreaterThan(DEFAULT_KNOBS.directDownloadMaxMembers);
		expect(DEFAULT_KNOBS).toMatchObject({
			exportDurationMs: 1000,
			directDownloadMaxMembers: 1000,
			s3LinkTtlMs: 60_000,
			expireNextS3Links: 0,
			gzip: 'header',
			resetNextDownloads: 0,
			concurrencyLimit: 5,
			unknownCohortStatus: 404,
			failNextExports: 0,
		});
		const lines = describeAmplitudeSandbox(sb).join('\n');
		expect(lines).toContain(sb.url);
		expect(lines).toContain(AMPLITUDE_SANDBOX_API_KEY);
		expect(lines).toContain(AMPLITUDE_SANDBOX_SECRET_KEY);
	});
});

describe('authentication', () => {
	it.each([
		['missing', null],
		['wrong secret', basic(AMPLITUDE_SANDBOX_API_KEY, 'nope')],
		['wrong key', basic('some-real-looking-key', AMPLITUDE_SANDBOX_SECRET_KEY)],
		['not Basic', `Bearer ${AMPLITUDE_SANDBOX_API_KEY}`],
	])('answers 401 without echoing the key (%s)', async (_case, auth) => {
		for (const path of ['/api/3/cohorts', '/api/5/cohorts/request/abc123', '/api/5/cohorts/request-status/x', '/api/5/cohorts/request/x/file']) {
			const response = await api(path, { auth });
			expect(response.status).toBe(401);
			expect(response.json()).toEqual({ error: 'Invalid API key / secret key' });
			expect(response.text).not.toContain('some-real-looking-key');
		}
		for (const path of ['/api/3/cohorts/upload', '/api/3/cohorts/membership']) {
			expect((await api(path, { method: 'POST', auth, body: {} })).status).toBe(401);
		}
	});

	it('does not start an export for an unauthenticated request', async () => {
		const before = sb.exportsStarted;
		await api('/api/5/cohorts/request/abc123', { auth: null });
		expect(sb.exportsStarted).toBe(before);
	});

	it('answers 404 JSON to an unknown path', async () => {
		const response = await api('/api/9/nothing');
		expect(response.status).toBe(404);
		expect(response.json()).toHaveProperty('error');
	});
});

describe('1. list cohorts', () => {
	const FIELDS = [
		'appId', 'archived', 'definition', 'description', 'finished', 'id', 'name', 'owners', 'viewers', 'published', 'size',
		'type', 'lastMod', 'createdAt', 'lastComputed', 'hidden', 'metadata', 'view_count', 'popularity', 'last_viewed',
		'chart_id', 'edit_id', 'is_predictive', 'is_official_content', 'location_id', 'shortcut_ids',
	];

	it('lists every cohort with every contract field, without syncMetadata by default', async () => {
		const response = await api('/api/3/cohorts');
		expect(response.status).toBe(200);
		const { cohorts } = response.json();
		expect(cohorts.map((cohort: { id: string }) => cohort.id)).toEqual(expect.arrayContaining(DEFAULT_COHORTS.map((spec) => spec.id)));
		for (const cohort of cohorts) {
			for (const field of FIELDS) expect(cohort).toHaveProperty(field);
			expect(cohort).not.toHaveProperty('syncMetadata');
			expect(cohort.appId).toBe(AMPLITUDE_SANDBOX_APP_ID);
			expect(typeof cohort.id).toBe('string');
			expect(Number.isInteger(cohort.size)).toBe(true);
		}
		const small = cohorts.find((cohort: { id: string }) => cohort.id === SMALL.id);
		expect(small).toMatchObject({ name: SMALL.name, size: SMALL.size, archived: false, published: true, finished: true });
		expect(cohorts.find((cohort: { archived: boolean }) => cohort.archived)).toBeDefined();
		expect(cohorts.some((cohort: { description: unknown; metadata: unknown }) => cohort.description === null && cohort.metadata === null)).toBe(true);
	});

	it('adds syncMetadata with includeSyncInfo=true', async () => {
		const { cohorts } = (await api('/api/3/cohorts?includeSyncInfo=true')).json();
		for (const cohort of cohorts) expect(Array.isArray(cohort.syncMetadata)).toBe(true);
		const synced = cohorts.find((cohort: { id: string }) => cohort.id === MEDIUM.id);
		expect(synced.syncMetadata[0]).toEqual(
			expect.objectContaining({ target: expect.any(String), frequency: expect.any(String), last_successful: expect.anything(), last_failure: null, params: expect.any(Object) }),
		);
	});

	it('writes timestamps in the unit of the timestampUnit knob', async () => {
		const seconds = (await api('/api/3/cohorts')).json().cohorts[0];
		sb.knobs.timestampUnit = 'milliseconds';
		const millis = (await api('/api/3/cohorts')).json().cohorts[0];
		for (const field of ['lastMod', 'createdAt', 'lastComputed']) {
			expect(seconds[field]).toBeLessThan(1e11);
			expect(millis[field]).toBeGreaterThan(1e11);
			expect(Math.floor(millis[field] / 1000)).toBe(seconds[field]);
		}
	});

	it('takes lastComputed from the spec (seconds or milliseconds) and follows setCohort / removeCohort', async () => {
		sb.setCohort({ id: 'tmp1', name: 'Temporary', size: 3, lastComputed: 1_700_000_000 });
		sb.setCohort({ id: 'tmp2', name: 'Temporary ms', size: 3, lastComputed: 1_700_000_000_000 });
		let cohorts = (await api('/api/3/cohorts')).json().cohorts;
		expect(cohorts.find((cohort: { id: string }) => cohort.id === 'tmp1').lastComputed).toBe(1_700_000_000);
		expect(cohorts.find((cohort: { id: string }) => cohort.id === 'tmp2').lastComputed).toBe(1_700_000_000);
		sb.removeCohort('tmp1');
		sb.removeCohort('tmp2');
		cohorts = (await api('/api/3/cohorts')).json().cohorts;
		expect(cohorts.some((cohort: { id: string }) => cohort.id.startsWith('tmp'))).toBe(false);
	});

	it('never starts an export', async () => {
		const before = sb.exportsStarted;
		await api('/api/3/cohorts');
		await api('/api/3/cohorts?includeSyncInfo=true');
		expect(sb.exportsStarted).toBe(before);
	});
});

describe('2. start an export', () => {
	it('answers 202 {request_id, cohort_id}, counts it and records props and repeated propKeys', async () => {
		const before = sb.exportsStarted;
		const response = await api(`/api/5/cohorts/request/${SMALL.id}?props=1&propKeys=country&propKeys=plan`);
		expect(response.status).toBe(202);
		const body = response.json();
		expect(body).toEqual({ request_id: expect.any(String), cohort_id: SMALL.id });
		expect(sb.exportsStarted).toBe(before + 1);
		const job = sb.exports[sb.exports.length - 1];
		expect(job).toMatchObject({ requestId: body.request_id, cohortId: SMALL.id, props: true, propKeys: ['country', 'plan'] });
	});

	it('answers 404 (default) or 400 (knob) with an error body for an unknown cohort, and does not count it', async () => {
		const before = sb.exportsStarted;
		let response = await api('/api/5/cohorts/request/nope999');
		expect(response.status).toBe(404);
		expect(response.json().error).toContain('nope999');
		sb.knobs.unknownCohortStatus = 400;
		response = await api('/api/5/cohorts/request/nope999');
		expect(response.status).toBe(400);
		expect(response.json()).toHaveProperty('error');
		expect(sb.exportsStarted).toBe(before);
	});

	it('exports archived cohorts too', async () => {
		const archived = DEFAULT_COHORTS.find((cohort) => cohort.archived)!;
		const rows = await exportRows(archived.id);
		expect(rows.length).toBe(archived.size + 1);
	});

	it('enforces the optional single-cohort limits with 429', async () => {
		sb.knobs.parallelExportLimit = 1;
		sb.knobs.exportDurationMs = 300;
		await startExport(SMALL.id);
		let response = await api(`/api/5/cohorts/request/${SMALL.id}`);
		expect(response.status).toBe(429);
		expect(response.json().error).toMatch(/parallel/);
		sb.knobs.parallelExportLimit = 0;
		const recent = sb.exports.filter((job) => Date.now() - job.startedAt < 600_000).length;
		sb.knobs.exportRequestsPer10Minutes = recent;
		response = await api(`/api/5/cohorts/request/${SMALL.id}`);
		expect(response.status).toBe(429);
		expect(response.json().error).toMatch(/10 minutes/);
	});

	it('counts exports other tools keep running against the parallel limit (busyExports)', async () => {
		// The previous test's exports run for 300 ms and would count too: let them finish.
		await sleep(350);
		sb.knobs.exportDurationMs = 300;
		sb.knobs.parallelExportLimit = 4;
		sb.knobs.busyExports = 3;
		await startExport(SMALL.id);
		const refused = await api(`/api/5/cohorts/request/${SMALL.id}`);
		expect(refused.status).toBe(429);
		expect(refused.json().error).toMatch(/4 parallel/);
		sb.knobs.busyExports = 2;
		expect((await api(`/api/5/cohorts/request/${SMALL.id}`)).status).toBe(202);
	});

	it('counts requests other tools keep in flight against the concurrency limit (busyRequests)', async () => {
		sb.knobs.busyRequests = 5;
		const refused = await api('/api/3/cohorts');
		expect(refused.status).toBe(429);
		expect(refused.json().error).toMatch(/concurrent limit of 5/);
		sb.knobs.busyRequests = 4;
		expect((await api('/api/3/cohorts')).status).toBe(200);
	});
});

describe('3. poll', () => {
	it('stays 202 JOB INPROGRESS for exportDurationMs, then 200 JOB COMPLETED', async () => {
		sb.knobs.exportDurationMs = 250;
		const requestId = await startExport(SMALL.id);
		const first = await api(`/api/5/cohorts/request-status/${requestId}`);
		expect(first.status).toBe(202);
		expect(first.json()).toEqual({ request_id: requestId, cohort_id: SMALL.id, async_status: 'JOB INPROGRESS' });
		await sleep(300);
		const done = await api(`/api/5/cohorts/request-status/${requestId}`);
		expect(done.status).toBe(200);
		expect(done.json()).toEqual({ request_id: requestId, cohort_id: SMALL.id, async_status: 'JOB COMPLETED' });
	});

	it('does not start an export when polled', async () => {
		const requestId = await startExport(SMALL.id);
		const before = sb.exportsStarted;
		await waitUntilCompleted(requestId);
		await api(`/api/5/cohorts/request-status/${requestId}`);
		expect(sb.exportsStarted).toBe(before);
	});

	it('answers 404 to an unknown request id', async () => {
		const response = await api('/api/5/cohorts/request-status/unknownRequest');
		expect(response.status).toBe(404);
		expect(response.json()).toHaveProperty('error');
	});

	it('reports a failed export (failNextExports) as 200 with another async_status, for good', async () => {
		sb.knobs.failNextExports = 1;
		const requestId = await startExport(SMALL.id);
		await sleep(50);
		for (let poll = 0; poll < 2; poll++) {
			const response = await api(`/api/5/cohorts/request-status/${requestId}`);
			expect(response.status).toBe(200);
			expect(response.json()).toEqual({ request_id: requestId, cohort_id: SMALL.id, async_status: 'JOB FAILED' });
		}
		expect(sb.knobs.failNextExports).toBe(0);
		expect((await api(`/api/5/cohorts/request/${requestId}/file`)).status).toBe(400);
		const retried = await startExport(SMALL.id);
		await waitUntilCompleted(retried);
	});
});

describe('4. download', () => {
	it('refuses the file before the export is done', async () => {
		sb.knobs.exportDurationMs = 5000;
		const requestId = await startExport(SMALL.id);
		const response = await api(`/api/5/cohorts/request/${requestId}/file`);
		expect(response.status).toBe(400);
		expect(response.json().error).toMatch(/not ready/);
		expect((await api('/api/5/cohorts/request/unknownRequest/file')).status).toBe(404);
	});

	it('serves a small cohort directly: gzip with Content-Encoding, every field quoted, the true members', async () => {
		const requestId = await startExport(SMALL.id);
		await waitUntilCompleted(requestId);
		const response = await api(`/api/5/cohorts/request/${requestId}/file`);
		expect(response.status).toBe(200);
		expect(response.headers['content-encoding']).toBe('gzip');
		expect([...response.body.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
		const text = gunzipSync(response.body).toString('utf8');
		const lines = text.trimEnd().split('\n');
		expect(lines[0]).toBe('"amplitude_id","user_id"');
		for (const line of lines) expect(line).toMatch(/^"[^"]*","[^"]*"$/);
		const rows = parseCsv(text).slice(1);
		const members = await allMembers(SMALL.id);
		expect(rows).toEqual(members.map((member) => [member.amplitude_id, member.user_id]));
		expect(new Set(rows.map((row) => row[0])).size).toBe(SMALL.size);
	});

	it('writes every property with props=1, quoting commas, quotes and newlines', async () => {
		sb.setCohort({ id: 'props300', name: 'Props', size: 300 });
		const rows = await exportRows('props300', '?props=1');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id', 'country', 'plan', 'favorite color']);
		const members = await allMembers('props300');
		expect(rows.slice(1)).toEqual(
			members.map((member) => [member.amplitude_id, member.user_id, member.properties.country, member.properties.plan, member.properties['favorite color']]),
		);
		const values = rows.slice(1).flat();
		expect(values).toContain('Korea, Republic of');
		expect(values).toContain('team "plus"');
		expect(values).toContain('sea\ngreen');
		sb.removeCohort('props300');
	});

	it('escapes quotes as "" on the wire', async () => {
		sb.setCohort({ id: 'quotes', name: 'Quotes', size: 5, properties: { motto: ['say "hi", then\nleave'] } });
		const requestId = await startExport('quotes', '?props=1');
		await waitUntilCompleted(requestId);
		const text = decodeBody(await api(`/api/5/cohorts/request/${requestId}/file`));
		expect(text.split('\n')[0]).toBe('"amplitude_id","user_id","motto"');
		expect(text).toContain(',"say ""hi"", then\nleave"\n');
		sb.removeCohort('quotes');
	});

	it('honours repeated propKeys (only those, in that order) and ignores propKeys[]', async () => {
		let rows = await exportRows(SMALL.id, '?props=1&propKeys=plan&propKeys=country');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id', 'plan', 'country']);
		rows = await exportRows(SMALL.id, '?props=1&propKeys[]=plan');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id', 'country', 'plan', 'favorite color']);
		rows = await exportRows(SMALL.id, '?props=0&propKeys=plan');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id']);
	});

	it('prefixes property headers with gp: when propertyHeaderStyle is gp-prefix (and accepts gp: propKeys)', async () => {
		sb.knobs.propertyHeaderStyle = 'gp-prefix';
		let rows = await exportRows(SMALL.id, '?props=1&propKeys=country');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id', 'gp:country']);
		rows = await exportRows(SMALL.id, '?props=1&propKeys=gp:plan');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id', 'gp:plan']);
	});

	it('writes user_id "" for anonymous members', async () => {
		const anonymous = DEFAULT_COHORTS.find((cohort) => (cohort.anonymousRatio ?? 0) >= 0.5)!;
		const rows = (await exportRows(anonymous.id)).slice(1);
		const empty = rows.filter((row) => row[1] === '');
		expect(empty.length).toBeGreaterThan(anonymous.size * 0.25);
		expect(empty.length).toBeLessThan(anonymous.size * 0.75);
		expect(rows.filter((row) => row[1] !== '').every((row) => row[1] === `user-${row[0]}`)).toBe(true);
		sb.setCohort({ id: 'noanon', name: 'All known', size: 50, anonymousRatio: 0 });
		expect((await exportRows('noanon')).slice(1).every((row) => row[1] !== '')).toBe(true);
		sb.removeCohort('noanon');
	});

	it.each([
		['header', 'gzip', true],
		['magic-only', undefined, true],
		['none', undefined, false],
	] as const)('gzip knob %s: Content-Encoding %s, gzip magic %s, direct and from S3', async (mode, encoding, magic) => {
		sb.knobs.gzip = mode;
		for (const cohort of [SMALL, MEDIUM]) {
			const requestId = await startExport(cohort.id);
			await waitUntilCompleted(requestId);
			let response = await api(`/api/5/cohorts/request/${requestId}/file`);
			if (cohort === MEDIUM) {
				expect(response.status).toBe(302);
				response = await request(response.headers.location!, { auth: null });
			}
			expect(response.status).toBe(200);
			expect(response.headers['content-encoding']).toBe(encoding);
			expect(response.body[0] === 0x1f && response.body[1] === 0x8b).toBe(magic);
			const text = magic ? gunzipSync(response.body).toString('utf8') : response.text;
			expect(text.startsWith('"amplitude_id","user_id"\n')).toBe(true);
			expect(parseCsv(text).length).toBe(cohort.size + 1);
		}
	});

	it('redirects a large cohort to a pre-signed S3 path that needs no Basic auth', async () => {
		const requestId = await startExport(MEDIUM.id);
		await waitUntilCompleted(requestId);
		const redirect = await api(`/api/5/cohorts/request/${requestId}/file`);
		expect(redirect.status).toBe(302);
		const location = new URL(redirect.headers.location!);
		expect(location.origin).toBe(sb.url);
		expect(location.pathname.startsWith('/s3/')).toBe(true);
		expect(location.searchParams.get('X-Amz-Expires')).toBe('60');
		expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
		const logged = sb.log.length;
		const file = await request(location.href, { auth: null });
		expect(file.status).toBe(200);
		const rows = parseCsv(decodeBody(file));
		expect(rows.length).toBe(MEDIUM.size + 1);
		const s3Entry = sb.log.slice(logged).find((entry) => entry.url.startsWith('/s3/'))!;
		expect(s3Entry.status).toBe(200);
		expect(s3Entry.headers).not.toHaveProperty('authorization');
		const members = await allMembers(MEDIUM.id);
		expect(rows.slice(1).map((row) => row[0])).toEqual(members.map((member) => member.amplitude_id));
	});

	it('refuses an S3 request carrying an Authorization header (400, S3 XML)', async () => {
		const requestId = await startExport(MEDIUM.id);
		await waitUntilCompleted(requestId);
		const location = (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
		const refused = await request(location, { auth: AUTH });
		expect(refused.status).toBe(400);
		expect(refused.headers['content-type']).toBe('application/xml');
		expect(refused.text).toContain('<Code>InvalidArgument</Code>');
		expect(refused.text).toContain('Only one auth mechanism allowed');
		expect(refused.text).not.toContain(AMPLITUDE_SANDBOX_SECRET_KEY);
		expect((await request(location, { auth: 'Bearer anything' })).status).toBe(400);
		expect((await request(location, { auth: null })).status).toBe(200);
	});

	it('refuses an expired link (expireNextS3Links, or s3LinkTtlMs elapsed) and a new /file call gives a fresh one', async () => {
		const requestId = await startExport(MEDIUM.id);
		await waitUntilCompleted(requestId);
		sb.knobs.expireNextS3Links = 1;
		const expired = await request((await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!, { auth: null });
		expect(expired.status).toBe(403);
		expect(expired.text).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
		expect(sb.knobs.expireNextS3Links).toBe(0);

		sb.knobs.s3LinkTtlMs = 100;
		const shortLived = (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
		expect(new URL(shortLived).searchParams.get('X-Amz-Expires')).toBe('1');
		await sleep(150);
		expect((await request(shortLived, { auth: null })).status).toBe(403);

		sb.knobs.s3LinkTtlMs = 60_000;
		const fresh = (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
		expect(fresh).not.toBe(shortLived);
		expect((await request(fresh, { auth: null })).status).toBe(200);
	});

	it('refuses a tampered or unsigned S3 link', async () => {
		const requestId = await startExport(MEDIUM.id);
		await waitUntilCompleted(requestId);
		const location = new URL((await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!);
		const tampered = new URL(location.href);
		tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
		expect((await request(tampered.href, { auth: null })).status).toBe(403);
		expect((await request(location.pathname, { auth: null })).status).toBe(403);
		expect((await request(location.href, { auth: null, method: 'PUT' })).status).toBe(405);
	});

	it('stops serving /file after fileUrlTtlMs', async () => {
		const requestId = await startExport(SMALL.id);
		await waitUntilCompleted(requestId);
		sb.knobs.fileUrlTtlMs = 1;
		await sleep(20);
		const response = await api(`/api/5/cohorts/request/${requestId}/file`);
		expect(response.status).toBe(404);
		expect(response.json().error).toMatch(/expired/);
	});

	it.each(['direct', 's3'] as const)('cuts the next download after resetAfterBytes (%s), then serves whole files again', async (route) => {
		const cohort = route === 'direct' ? SMALL : MEDIUM;
		const requestId = await startExport(cohort.id);
		await waitUntilCompleted(requestId);
		sb.knobs.gzip = 'none';
		sb.knobs.resetNextDownloads = 1;
		sb.knobs.resetAfterBytes = 200;
		const fileUrl = async () =>
			route === 'direct'
				? `/api/5/cohorts/request/${requestId}/file`
				: (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
		const target = new URL(await fileUrl(), sb.url);
		const received: Buffer[] = [];
		const outcome = await new Promise<string>((resolve) => {
			const req = http.get(target, { agent: false, headers: route === 'direct' ? { authorization: AUTH } : {} }, (res) => {
				res.on('data', (chunk: Buffer) => received.push(chunk));
				res.on('end', () => resolve('end'));
				res.on('error', (error) => resolve(`error: ${error.message}`));
				res.on('aborted', () => resolve('aborted'));
			});
			req.on('error', (error) => resolve(`error: ${error.message}`));
		});
		expect(outcome).not.toBe('end');
		expect(Buffer.concat(received).length).toBe(200);
		expect(sb.knobs.resetNextDownloads).toBe(0);
		const whole = route === 'direct' ? await api(await fileUrl()) : await request(await fileUrl(), { auth: null });
		expect(whole.status).toBe(200);
		expect(parseCsv(whole.text).length).toBe(cohort.size + 1);
	});
});

describe('concurrency and faults', () => {
	/** Opens a download and never reads it: the server's writes back up and the request stays in flight. */
	function stalledDownload(target: string, auth: string | null): Promise<http.ClientRequest> {
		return new Promise((resolve, reject) => {
			const req = http.get(new URL(target, sb.url), { agent: false, headers: auth ? { authorization: auth } : {} }, (res) => {
				res.pause();
				resolve(req);
			});
			req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
		});
	}

	it('answers 429 with an explanation beyond concurrencyLimit requests in flight, S3 downloads not counted', async () => {
		sb.setCohort({ id: 'big', name: 'Big', size: 300_000 });
		sb.knobs.directDownloadMaxMembers = 1_000_000;
		sb.knobs.gzip = 'none';
		sb.knobs.concurrencyLimit = 2;
		const first = await startExport('big');
		const second = await startExport('big');
		await waitUntilCompleted(second);
		const stalled = [
			await stalledDownload(`/api/5/cohorts/request/${first}/file`, AUTH),
			await stalledDownload(`/api/5/cohorts/request/${second}/file`, AUTH),
		];
		const refused = await api('/api/3/cohorts');
		expect(refused.status).toBe(429);
		expect(refused.json().error).toMatch(/concurrent limit of 2/);
		stalled.forEach((req) => req.destroy());
		let status = 0;
		for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
			await sleep(10);
			status = (await api('/api/3/cohorts')).status;
		}
		expect(status).toBe(200);

		sb.knobs.directDownloadMaxMembers = 10;
		const s3Stalled = [];
		for (const requestId of [first, second, first]) {
			const location = (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
			s3Stalled.push(await stalledDownload(location, null));
		}
		expect((await api('/api/3/cohorts')).status).toBe(200);
		s3Stalled.forEach((req) => req.destroy());
		sb.removeCohort('big');
	});

	it('applies the shared 429 fault with Retry-After to any route, then recovers', async () => {
		sb.faults.set({ rateLimit: { next: 2, retryAfterSeconds: 7 } });
		const limited = await api('/api/3/cohorts');
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('7');
		expect(limited.json()).toHaveProperty('error');
		const before = sb.exportsStarted;
		expect((await api(`/api/5/cohorts/request/${SMALL.id}`)).status).toBe(429);
		expect(sb.exportsStarted).toBe(before);
		expect((await api('/api/3/cohorts')).status).toBe(200);
		expect(sb.log[sb.log.length - 2].fault).toBe('rate-limit');
	});

	it('applies the rate-limit fault to the S3 path when matched', async () => {
		const requestId = await startExport(MEDIUM.id);
		await waitUntilCompleted(requestId);
		const location = (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
		sb.faults.set({ rateLimit: { next: 1, match: '/s3/', retryAfterSeconds: 3 } });
		expect((await api('/api/3/cohorts')).status).toBe(200);
		const limited = await request(location, { auth: null });
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('3');
		expect((await request(location, { auth: null })).status).toBe(200);
	});

	it('answers a 5xx burst, then recovers', async () => {
		sb.faults.set({ serverErrors: { next: 2, status: 503, match: '/request-status/' } });
		const requestId = await startExport(SMALL.id);
		await sleep(40);
		expect((await api(`/api/5/cohorts/request-status/${requestId}`)).status).toBe(503);
		expect((await api(`/api/5/cohorts/request-status/${requestId}`)).status).toBe(503);
		expect((await api(`/api/5/cohorts/request-status/${requestId}`)).status).toBe(200);
	});

	it('adds latency to every answer', async () => {
		sb.faults.set({ latencyMs: 150 });
		const started = Date.now();
		expect((await api('/api/3/cohorts')).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		expect(sb.log[sb.log.length - 1].durationMs).toBeGreaterThanOrEqual(140);
	});

	it('logs every request with its headers', async () => {
		const logged = sb.log.length;
		await api('/api/3/cohorts', { headers: { 'x-trace': 'abc' } });
		const entry = sb.log[logged];
		expect(entry).toMatchObject({ method: 'GET', url: '/api/3/cohorts', status: 200 });
		expect(entry.headers['x-trace']).toBe('abc');
		expect(entry.headers.authorization).toBe(AUTH);
	});
});

describe('determinism and churn', () => {
	it('gives the same members for the same spec, in another sandbox too', async () => {
		const spec: CohortSpec = { id: 'same', name: 'Same', size: 500, properties: { tier: ['a', 'b', 'c'] } };
		sb.setCohort(spec);
		const other = await startAmplitudeSandbox({ cohorts: [spec] });
		try {
			const mine = await allMembers('same');
			const theirs = [];
			for await (const member of other.members('same')) theirs.push(member);
			expect(theirs).toEqual(mine);
			expect(new Set(mine.map((member) => member.amplitude_id)).size).toBe(500);
			expect(mine.every((member) => /^\d{12}$/.test(member.amplitude_id))).toBe(true);
			expect(Object.keys(mine[0].properties)).toEqual(['tier']);
		} finally {
			await other.close();
			sb.removeCohort('same');
		}
	});

	it('shares members between specs with one seed, and differs with another seed', async () => {
		sb.setCohort({ id: 'seedA', name: 'A', size: 100, seed: 42 });
		sb.setCohort({ id: 'seedB', name: 'B', size: 300, seed: 42 });
		sb.setCohort({ id: 'seedC', name: 'C', size: 100, seed: 43 });
		const a = (await allMembers('seedA')).map((member) => member.amplitude_id);
		const b = new Set((await allMembers('seedB')).map((member) => member.amplitude_id));
		const c = new Set((await allMembers('seedC')).map((member) => member.amplitude_id));
		expect(a.every((id) => b.has(id))).toBe(true);
		expect(a.filter((id) => c.has(id)).length).toBe(0);
		['seedA', 'seedB', 'seedC'].forEach((id) => sb.removeCohort(id));
	});

	it('replaces exactly round(size * churn) members per revision', async () => {
		const ids = async (revision: number) => {
			sb.setCohort({ id: 'churny', name: 'Churny', size: 1000, churn: 0.037, revision });
			return new Set((await allMembers('churny')).map((member) => member.amplitude_id));
		};
		const revisions = [await ids(0), await ids(1), await ids(2), await ids(3)];
		const left = (from: Set<string>, to: Set<string>) => [...from].filter((id) => !to.has(id)).length;
		for (let revision = 1; revision < revisions.length; revision++) {
			const [before, after] = [revisions[revision - 1], revisions[revision]];
			expect(after.size).toBe(1000);
			expect(left(before, after)).toBe(37);
			expect(left(after, before)).toBe(37);
		}
		expect(left(revisions[0], revisions[3])).toBe(111);
		expect(await ids(2)).toEqual(revisions[2]);
		const listed = (await api('/api/3/cohorts')).json().cohorts.find((cohort: { id: string }) => cohort.id === 'churny');
		expect(listed.size).toBe(1000);
		sb.removeCohort('churny');
	});

	it('exports the revision in force when the export started', async () => {
		sb.setCohort({ id: 'snap', name: 'Snap', size: 50, churn: 0.2, revision: 0 });
		const requestId = await startExport('snap');
		const expected = (await allMembers('snap')).map((member) => member.amplitude_id);
		sb.setCohort({ id: 'snap', name: 'Snap', size: 50, churn: 0.2, revision: 1 });
		await waitUntilCompleted(requestId);
		const rows = parseCsv(decodeBody(await api(`/api/5/cohorts/request/${requestId}/file`))).slice(1);
		expect(rows.map((row) => row[0])).toEqual(expected);
		sb.removeCohort('snap');
	});
});

describe('5. upload and 6. membership', () => {
	const upload = (body: Record<string, unknown>) => api('/api/3/cohorts/upload', { method: 'POST', body });
	const membership = (body: Record<string, unknown>) => api('/api/3/cohorts/membership', { method: 'POST', body });
	const validUpload = (ids: string[], extra: Record<string, unknown> = {}) => ({
		name: 'Uploaded',
		app_id: AMPLITUDE_SANDBOX_APP_ID,
		id_type: 'BY_USER_ID',
		ids,
		owner: 'owner@example.com',
		published: true,
		...extra,
	});

	it('creates a static cohort from user ids that then lists and exports like any other', async () => {
		const response = await upload(validUpload(['alice@example.com', 'bob', 'bob', 'unknown-carol', 'user-123456789012']));
		expect(response.status).toBe(200);
		const body = response.json();
		expect(body).toEqual({ cohortId: expect.any(String), metadata: { matched: 3, totals: 5, invalid_ids_sample: ['unknown-carol'] } });
		const state = sb.staticCohorts.get(body.cohortId)!;
		expect([...state.members.values()]).toEqual(['alice@example.com', 'bob', 'user-123456789012']);
		expect(state.members.get('123456789012')).toBe('user-123456789012');

		const listed = (await api('/api/3/cohorts')).json().cohorts.find((cohort: { id: string }) => cohort.id === body.cohortId);
		expect(listed).toMatchObject({ name: 'Uploaded', size: 3, owners: ['owner@example.com'], published: true, appId: AMPLITUDE_SANDBOX_APP_ID });
		const rows = await exportRows(body.cohortId, '?props=1&propKeys=plan');
		expect(rows[0]).toEqual(['amplitude_id', 'user_id', 'plan']);
		expect(rows.slice(1).map((row) => row[1])).toEqual(['alice@example.com', 'bob', 'user-123456789012']);
		expect(rows.slice(1).every((row) => /^\d{12}$/.test(row[0]))).toBe(true);
	});

	it('uploads by Amplitude id and replaces an existing uploaded cohort with existing_cohort_id', async () => {
		const created = (await upload(validUpload(['111111111111', 'not-a-number'], { id_type: 'BY_AMP_ID', name: 'By amp' }))).json();
		expect(created.metadata).toEqual({ matched: 1, totals: 2, invalid_ids_sample: ['not-a-number'] });
		const replaced = await upload(validUpload(['222222222222', '333333333333'], { id_type: 'BY_AMP_ID', name: 'By amp v2', existing_cohort_id: created.cohortId }));
		expect(replaced.status).toBe(200);
		expect(replaced.json().cohortId).toBe(created.cohortId);
		const state = sb.staticCohorts.get(created.cohortId)!;
		expect(state.name).toBe('By amp v2');
		expect([...state.members.keys()]).toEqual(['222222222222', '333333333333']);
		expect(state.members.get('222222222222')).toBe('user-222222222222');
	});

	it('validates without saving when skip_save is true', async () => {
		const count = sb.staticCohorts.size;
		const response = await upload(validUpload(['dave'], { skip_save: true }));
		expect(response.status).toBe(200);
		expect(response.json().metadata.matched).toBe(1);
		expect(sb.staticCohorts.size).toBe(count);
	});

	it('names the id cohort_id when uploadIdField says so (older docs)', async () => {
		sb.knobs.uploadIdField = 'cohort_id';
		const body = (await upload(validUpload(['erin']))).json();
		expect(body).toHaveProperty('cohort_id');
		expect(body).not.toHaveProperty('cohortId');
	});

	it.each([
		['no name', { name: undefined }],
		['app_id as text', { app_id: '187520' }],
		['another project', { app_id: 1 }],
		['bad id_type', { id_type: 'BY_EMAIL' }],
		['ids not strings', { ids: [123] }],
		['no owner', { owner: undefined }],
		['published missing', { published: undefined }],
		['behavioral cohort as existing_cohort_id', { existing_cohort_id: 'abc123' }],
	])('answers 400 in the documented error shape (%s)', async (_case, change) => {
		const response = await upload(validUpload(['x'], change));
		expect(response.status).toBe(400);
		expect(response.json()).toEqual({ error: expect.objectContaining({ message: expect.any(String), code: 400, metadata: expect.any(Object) }) });
	});

	it('answers 400 to a malformed JSON body and 404 to an unknown existing_cohort_id', async () => {
		expect((await api('/api/3/cohorts/upload', { method: 'POST', body: '{"name":' })).status).toBe(400);
		expect((await upload(validUpload(['x'], { existing_cohort_id: 'nope' }))).status).toBe(404);
	});

	it('refuses more than 100,000 ids, and invalid ids when skip_invalid_ids is false', async () => {
		const tooMany = Array.from({ length: 100_001 }, (_, index) => `u${index}`);
		let response = await upload(validUpload(tooMany));
		expect(response.status).toBe(400);
		expect(response.json().error.message).toMatch(/100000/);
		expect((await upload(validUpload(tooMany.slice(1)))).status).toBe(200);

		const count = sb.staticCohorts.size;
		response = await upload(validUpload(['ok', 'unknown-x'], { skip_invalid_ids: false }));
		expect(response.status).toBe(400);
		expect(response.json().error.metadata.invalid_ids).toEqual(['unknown-x']);
		expect(sb.staticCohorts.size).toBe(count);
	});

	it('adds and removes members by Amplitude id and by user id, reporting skipped ids', async () => {
		const cohortId = (await upload(validUpload(['frank', 'grace']))).json().cohortId;
		const response = await membership({
			cohort_id: cohortId,
			memberships: [
				{ ids: ['444444444444', 'oops'], id_type: 'BY_ID', operation: 'ADD' },
				{ ids: ['heidi', 'unknown-ivan'], id_type: 'BY_NAME', operation: 'ADD' },
				{ ids: ['frank', 'not-a-member'], id_type: 'BY_NAME', operation: 'REMOVE' },
			],
		});
		expect(response.status).toBe(200);
		expect(response.json()).toEqual({
			cohort_id: cohortId,
			memberships_result: [
				{ skipped_ids: ['oops'], id_type: 'BY_ID', operation: 'ADD' },
				{ skipped_ids: ['unknown-ivan'], id_type: 'BY_NAME', operation: 'ADD' },
				{ skipped_ids: [], id_type: 'BY_NAME', operation: 'REMOVE' },
			],
		});
		expect([...sb.staticCohorts.get(cohortId)!.members.values()]).toEqual(['grace', 'user-444444444444', 'heidi']);
		const removeByAmp = await membership({
			cohort_id: cohortId,
			count_group: 'User',
			memberships: [{ ids: ['444444444444'], id_type: 'BY_ID', operation: 'REMOVE' }],
		});
		expect(removeByAmp.status).toBe(200);
		const rows = await exportRows(cohortId);
		expect(rows.slice(1).map((row) => row[1])).toEqual(['grace', 'heidi']);
	});

	it('validates membership requests before changing anything', async () => {
		const cohortId = (await upload(validUpload(['judy']))).json().cohortId;
		const members = () => [...sb.staticCohorts.get(cohortId)!.members.values()];
		const refuse = async (body: Record<string, unknown>, status = 400) => {
			const response = await membership(body);
			expect(response.status).toBe(status);
			expect(response.json()).toEqual({ error: expect.objectContaining({ message: expect.any(String), code: status, metadata: expect.any(Object) }) });
		};
		const add = (ids: string[]) => ({ ids, id_type: 'BY_NAME', operation: 'ADD' });
		await refuse({ cohort_id: cohortId, memberships: [add(['kim']), { ids: ['x'], id_type: 'BY_EMAIL', operation: 'ADD' }] });
		await refuse({ cohort_id: cohortId, memberships: [add(['kim']), { ids: ['x'], id_type: 'BY_ID', operation: 'MERGE' }] });
		await refuse({ cohort_id: cohortId, memberships: [] });
		await refuse({ cohort_id: cohortId, count_group: 'Company', memberships: [add(['kim'])] });
		await refuse({ cohort_id: cohortId, memberships: [add(['kim', 'unknown-leo'])], skip_invalid_ids: false });
		await refuse({ cohort_id: cohortId, memberships: [add(Array.from({ length: 60_000 }, (_, i) => `a${i}`)), add(Array.from({ length: 40_001 }, (_, i) => `b${i}`))] });
		await refuse({ cohort_id: 'abc123', memberships: [add(['kim'])] });
		await refuse({ cohort_id: 'nope', memberships: [add(['kim'])] }, 404);
		expect(members()).toEqual(['judy']);
	});
});

describe('2,000,000 members', () => {
	/** A full collection on demand, so "retained" memory is measured rather than garbage not yet collected. */
	function collector(): () => void {
		setFlagsFromString('--expose-gc');
		return runInNewContext('gc') as () => void;
	}

	it('streams the whole export through S3 with flat memory', async () => {
		const gc = collector();
		sb.setCohort({ id: 'huge', name: 'Huge', size: 2_000_000 });
		gc();
		const baseline = process.memoryUsage();
		let peakRss = baseline.rss;
		const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
		let retainedMidway = 0;
		try {
			const requestId = await startExport('huge');
			await waitUntilCompleted(requestId);
			const location = (await api(`/api/5/cohorts/request/${requestId}/file`)).headers.location!;
			const { lines, bytes, firstLine } = await new Promise<{ lines: number; bytes: number; firstLine: string }>((resolve, reject) => {
				http
					.get(location, { agent: false }, (res) => {
						expect(res.statusCode).toBe(200);
						let count = 0;
						let total = 0;
						let head = '';
						const gunzip = res.pipe(createGunzip());
						gunzip.on('data', (chunk: Buffer) => {
							if (head.length < 100) head += chunk.subarray(0, 100).toString('utf8');
							total += chunk.length;
							for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) count++;
							if (!retainedMidway && count > 1_000_000) {
								gc();
								retainedMidway = process.memoryUsage().heapUsed - baseline.heapUsed;
							}
						});
						gunzip.on('end', () => resolve({ lines: count, bytes: total, firstLine: head.split('\n')[0] }));
						gunzip.on('error', reject);
					})
					.on('error', reject);
			});
			expect(firstLine).toBe('"amplitude_id","user_id"');
			expect(lines).toBe(2_000_001);
			expect(bytes).toBeGreaterThan(2_000_000 * 30);
		} finally {
			clearInterval(sampler);
			sb.removeCohort('huge');
		}
		// The file is ~66 MB of CSV (~20 MB gzipped): half-way through, far less than that is held.
		expect(retainedMidway).toBeLessThan(16 * 1024 * 1024);
		expect(peakRss - baseline.rss).toBeLessThan(200 * 1024 * 1024);
	});
});
