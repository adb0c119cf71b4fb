/** The Batch sandbox's test controls over real HTTP: fault knobs, failWritesAfter, request log, seeding, reset. */
import { audiencesClient, customAudienceClient } from '../../sandbox/batch/client';
import {
	BATCH_SANDBOX_APP_KEY,
	BATCH_SANDBOX_PROJECT_KEY,
	BATCH_SANDBOX_REST_KEY,
	describeBatchSandbox,
	startBatchSandbox,
	type BatchSandbox,
} from '../../sandbox/batch';

const adds = (ids: string[]) => ids.map((id) => ({ action: 'add', id }));

let sb: BatchSandbox;
let app: ReturnType<typeof customAudienceClient>;
let project: ReturnType<typeof audiencesClient>;

beforeAll(async () => {
	sb = await startBatchSandbox({ port: 0, knobs: { indexingDelayMs: 0 } });
	app = customAudienceClient(sb);
	project = audiencesClient(sb);
});
afterAll(() => sb.close());
beforeEach(async () => {
	sb.reset();
	await app.create('app_aud');
	await project.post('create', { name: 'proj_aud', type: 'custom_ids' });
});

describe('rate limiting (429)', () => {
	it('answers 429 with Retry-After in seconds to the next N calls of both families, then recovers', async () => {
		sb.faults.set({ rateLimit: { next: 2, retryAfterSeconds: 3 } });
		const first = await app.update('app_aud', { type: 'custom_ids', ids: adds(['a']) });
		const second = await project.post('update', { name: 'proj_aud', ids: adds(['a']) });
		for (const answer of [first, second]) {
			expect(answer.status).toBe(429);
			expect(answer.headers.get('retry-after')).toBe('3');
			expect(answer.json).toEqual({ error_code: 'TOO_MANY_REQUESTS', error_message: expect.any(String) });
		}
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'app_aud')).toEqual([]);
		expect((await app.update('app_aud', { type: 'custom_ids', ids: adds(['a']) })).status).toBe(202);
		expect(sb.log.filter((entry) => entry.fault === 'rate-limit')).toHaveLength(2);
	});

	it('writes Retry-After as an HTTP date when asked', async () => {
		sb.faults.set({ rateLimit: { next: 1, retryAfterSeconds: 5, retryAfterStyle: 'date' } });
		const answer = await project.get('list');
		expect(answer.status).toBe(429);
		const until = Date.parse(answer.headers.get('retry-after') ?? '');
		expect(until - Date.now()).toBeGreaterThan(2_000);
		expect(until - Date.now()).toBeLessThanOrEqual(5_000);
	});

	it('leaves Retry-After out when asked', async () => {
		sb.faults.set({ rateLimit: { next: 1, retryAfterStyle: 'none' } });
		const answer = await app.list();
		expect(answer.status).toBe(429);
		expect(answer.headers.get('retry-after')).toBeNull();
	});

	it('limits a fraction of calls, reproducibly for a seed', async () => {
		const run = async () => {
			sb.faults.set({ rateLimit: { fraction: 0.3 } }, 42);
			const statuses: number[] = [];
			for (let call = 0; call < 60; call++) statuses.push((await project.get('view', { name: 'proj_aud' })).status);
			return statuses;
		};
		const statuses = await run();
		const limited = statuses.filter((status) => status === 429).length;
		expect(limited).toBeGreaterThan(6);
		expect(limited).toBeLessThan(36);
		expect(statuses.filter((status) => status !== 429).every((status) => status === 200)).toBe(true);
		expect(await run()).toEqual(statuses);
	});

	it('limits only paths that contain the match string', async () => {
		sb.faults.set({ rateLimit: { next: 5, match: '/audiences/update' } });
		expect((await project.get('list')).status).toBe(200);
		expect((await app.update('app_aud', { type: 'custom_ids', ids: adds(['a']) })).status).toBe(202);
		expect((await project.post('update', { name: 'proj_aud', ids: adds(['a']) })).status).toBe(429);
	});
});

describe('server errors (5xx) and latency', () => {
	it('answers a burst of 503s, then recovers', async () => {
		sb.faults.set({ serverErrors: { next: 3, status: 503 } });
		for (let call = 0; call < 3; call++) {
			const answer = await project.post('update', { name: 'proj_aud', ids: adds(['a']) });
			expect(answer.status).toBe(503);
			expect(answer.json).toEqual({ error_code: 'MAINTENANCE', error_message: expect.stringMatching(/try again later/) });
		}
		expect(sb.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'proj_aud')).toEqual([]);
		expect((await project.post('update', { name: 'proj_aud', ids: adds(['a']) })).status).toBe(202);
	});

	it.each([500, 502, 504])('answers %i when asked', async (status) => {
		sb.faults.set({ serverErrors: { next: 1, status } });
		const answer = await app.view('app_aud');
		expect(answer.status).toBe(status);
		expect(answer.json.error_code).toBe('SERVER_ERROR');
	});

	it('delays every answer by latencyMs', async () => {
		sb.faults.set({ latencyMs: 250 });
		const started = Date.now();
		expect((await app.list()).status).toBe(200);
		expect((await project.get('list')).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(490);
		expect(sb.log.slice(-2).every((entry) => entry.durationMs >= 245)).toBe(true);
	});
});

describe('failWritesAfter', () => {
	it('lets N more writes succeed across both families, then fails every write with 400; reads still work', async () => {
		sb.failWritesAfter(2);
		expect((await app.update('app_aud', { type: 'custom_ids', ids: adds(['a']) })).status).toBe(202);
		expect((await project.post('update', { name: 'proj_aud', ids: adds(['a']) })).status).toBe(202);
		const appFailure = await app.update('app_aud', { type: 'custom_ids', ids: adds(['b']) });
		expect(appFailure.status).toBe(400);
		expect(appFailure.json).toEqual({ error_code: 12, error_message: expect.stringMatching(/fail every write/) });
		const projectFailure = await project.post('replace', { name: 'proj_aud', ids: [{ id: 'z' }] });
		expect(projectFailure.status).toBe(400);
		expect(projectFailure.json.error_code).toBe('API_MISUSE');
		expect((await project.post('create', { name: 'another', type: 'custom_ids' })).status).toBe(400);
		expect((await app.remove('app_aud')).status).toBe(400);
		expect((await app.view('app_aud')).status).toBe(200);
		expect((await project.get('list')).status).toBe(200);
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'app_aud')).toEqual(['a']);
		expect(sb.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'proj_aud')).toEqual(['a']);
	});

	it('does not count refused writes against the budget, takes a status, and is lifted by undefined', async () => {
		sb.failWritesAfter(1, 500);
		expect((await app.update('app_aud', { type: 'custom_ids', ids: [] })).status).toBe(403);
		expect((await app.update('app_aud', { type: 'custom_ids', ids: adds(['a']) })).status).toBe(202);
		const failed = await project.post('update', { name: 'proj_aud', ids: adds(['a']) });
		expect(failed.status).toBe(500);
		expect(failed.json.error_code).toBe('SERVER_ERROR');
		sb.failWritesAfter(undefined);
		expect((await project.post('update', { name: 'proj_aud', ids: adds(['a']) })).status).toBe(202);
	});

	it('fails immediately with 0', async () => {
		sb.failWritesAfter(0);
		expect((await app.update('app_aud', { type: 'custom_ids', ids: adds(['a']) })).status).toBe(400);
	});
});

describe('request log, seeding, reset and description', () => {
	it('keeps every request with its URL, headers and body', async () => {
		await project.post('update', { name: 'proj_aud', ids: adds(['logged']) });
		const entry = sb.log[sb.log.length - 1];
		expect(entry).toMatchObject({ method: 'POST', url: '/2.11/audiences/update', status: 202 });
		expect(entry.headers.authorization).toBe(`Bearer ${BATCH_SANDBOX_REST_KEY}`);
		expect(entry.headers['x-batch-project']).toBe(BATCH_SANDBOX_PROJECT_KEY);
		expect(JSON.parse(entry.body ?? '')).toEqual({ name: 'proj_aud', ids: adds(['logged']) });
		await app.list('limit=5');
		expect(sb.log[sb.log.length - 1].url).toBe(`/1.0/${BATCH_SANDBOX_APP_KEY}/custom-audience?limit=5`);
	});

	it('seeds per-app audiences that the API then serves', async () => {
		sb.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: 'seeded', type: 'install_ids', ids: ['i2', 'i1'], description: 'from a test' });
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'seeded')).toEqual(['i1', 'i2']);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'seeded')?.writes).toBe(0);
		const view = await customAudienceClient(sb, { version: '1.1' }).view('seeded');
		expect(view.json).toMatchObject({ type: 'install_ids', description: 'from a test', nb_ids: 2, indexing_state: 'APPLIED' });
		expect(() => sb.seedAppAudience('unknown-app', { name: 'x', type: 'custom_ids' })).toThrow(/Unknown app key/);
		expect(() => sb.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: 'x', type: 'emails' })).toThrow(/type/);
		expect(() => sb.seedProjectAudience('unknown-project', { name: 'x' })).toThrow(/Unknown project key/);
	});

	it('reset forgets audiences, faults, write failures and the log, and restores the knobs as started', async () => {
		sb.knobs.indexingDelayMs = 5_000;
		sb.knobs.errorBodyStyle = 'text';
		sb.faults.set({ rateLimit: { next: 100 } });
		sb.failWritesAfter(0);
		sb.reset();
		expect(sb.knobs).toEqual({ indexingDelayMs: 0, maxIdsPerCall: 10_000, updateStatus: 202, errorBodyStyle: 'batch', listMaxLimit: 100, allowEmptyIds: false });
		expect(sb.log).toHaveLength(0);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'app_aud')).toBeUndefined();
		expect((await app.list()).json).toEqual({ custom_audiences: [] });
		expect((await app.create('after_reset')).status).toBe(200);
	});

	it('starts with the documented default knobs and honours custom keys', async () => {
		const custom = await startBatchSandbox({ restApiKey: 'rk', appKeys: ['app-a'], projectKeys: ['proj-a'] });
		try {
			expect(custom.knobs).toEqual({ indexingDelayMs: 200, maxIdsPerCall: 10_000, updateStatus: 202, errorBodyStyle: 'batch', listMaxLimit: 100, allowEmptyIds: false });
			expect((await customAudienceClient(custom, { appKey: 'app-a', restKey: 'rk' }).list()).status).toBe(200);
			expect((await customAudienceClient(custom).list()).status).toBe(200);
			expect((await customAudienceClient(custom, { appKey: BATCH_SANDBOX_APP_KEY, restKey: 'rk' }).list()).status).toBe(401);
			expect((await audiencesClient(custom, { projectKey: 'proj-a', restKey: 'rk' }).get('list')).status).toBe(200);
			const lines = describeBatchSandbox(custom);
			expect(lines[0]).toBe(`Batch sandbox listening on ${custom.url}`);
			expect(lines.join('\n')).toEqual(expect.stringContaining('rk'));
			expect(lines.join('\n')).toEqual(expect.stringContaining('app-a'));
			expect(lines.join('\n')).toEqual(expect.stringContaining('proj-a'));
		} finally {
			await custom.close();
		}
	});
});
