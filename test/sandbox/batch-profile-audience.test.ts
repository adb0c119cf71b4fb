/** The Batch sandbox's project Audiences API 2.x ("Profile"), over real HTTP. */
import { audiencesClient, callSandbox } from '../../sandbox/batch/client';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';

const OTHER_PROJECT_KEY = 'sandbox-batch-other-project-key';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const adds = (ids: string[]) => ids.map((id) => ({ action: 'add', id }));
const range = (count: number, prefix = 'user-') => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

let sb: BatchSandbox;
let api: ReturnType<typeof audiencesClient>;
const ids = (name: string) => sb.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, name);
const create = (name: string, extra: Record<string, unknown> = {}) => api.post('create', { name, type: 'custom_ids', ...extra });

beforeAll(async () => {
	sb = await startBatchSandbox({ port: 0, projectKeys: [BATCH_SANDBOX_PROJECT_KEY, OTHER_PROJECT_KEY], knobs: { indexingDelayMs: 0 } });
	api = audiencesClient(sb);
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

describe('create', () => {
	it('answers 202 with an indexing token, and view shows the AUDIENCE', async () => {
		const created = await create('vip', { display_name: 'Very important' });
		expect(created.status).toBe(202);
		expect(created.json).toEqual({ indexing_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
		const view = await api.get('view', { name: 'vip' });
		expect(view.status).toBe(200);
		expect(view.json).toEqual({
			name: 'vip',
			display_name: 'Very important',
			type: 'CUSTOM_ID',
			nb_ids: 0,
			indexing_state: 'APPLIED',
			created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
			updated: expect.any(String),
		});
		expect((await create('plain')).status).toBe(202);
		expect((await api.get('view', { name: 'plain' })).json.display_name).toBe('plain');
	});

	it.each([
		['no type', { name: 'a' }, 'MISSING_PARAMETER', /"type" is required/],
		['an undocumented type', { name: 'a', type: 'emails' }, 'MALFORMED_PARAMETER', /"type" must be one of custom_ids/],
		['no name', { type: 'custom_ids' }, 'MISSING_PARAMETER', /"name" is required/],
		['an invalid name', { name: 'bad name', type: 'custom_ids' }, 'MALFORMED_PARAMETER', /Audience name/],
		['a 256-character name', { name: 'x'.repeat(256), type: 'custom_ids' }, 'MALFORMED_PARAMETER', /Audience name/],
		['a non-string display_name', { name: 'a', type: 'custom_ids', display_name: 3 }, 'MALFORMED_PARAMETER', /display_name/],
	])('answers 400 to %s', async (_label, body, code, message) => {
		const answer = await api.post('create', body);
		expect(answer.status).toBe(400);
		expect(answer.json).toEqual({ error_code: code, error_message: expect.stringMatching(message) });
	});

	it('refuses to create an audience that exists, and keeps names case sensitive', async () => {
		await create('dup');
		const again = await create('dup');
		expect(again.status).toBe(400);
		expect(again.json.error_message).toMatch(/already exists/);
		expect((await create('DUP')).status).toBe(202);
	});
});

describe('version prefixes', () => {
	it.each(['2.1', '2.4', '2.8', '2.11'])('serves /%s/audiences', async (version) => {
		const client = audiencesClient(sb, { version });
		expect((await client.post('create', { name: `v${version.replace('.', '_')}`, type: 'custom_ids' })).status).toBe(202);
		expect((await client.get('list')).status).toBe(200);
	});

	it.each(['3.0', '1.0', 'v2'])('answers 404 ROUTE_NOT_FOUND under /%s/audiences', async (version) => {
		const answer = await audiencesClient(sb, { version }).get('list');
		expect(answer.status).toBe(404);
		expect(answer.json.error_message).toMatch(/ROUTE_NOT_FOUND|No route|No Audiences API version/);
	});

	it('answers 404 ROUTE_NOT_FOUND to an unknown route or method', async () => {
		const unknown = await api.post('delete', { name: 'x' });
		expect(unknown.status).toBe(404);
		expect(unknown.json).toEqual({ error_code: 'ROUTE_NOT_FOUND', error_message: expect.any(String) });
		expect((await api.get('create')).status).toBe(404);
	});
});

describe('update', () => {
	beforeEach(async () => {
		await create('members');
	});

	it('adds and removes ids and answers 202 with a token', async () => {
		const first = await api.post('update', { name: 'members', ids: adds(['a', 'b', 'c']) });
		expect(first.status).toBe(202);
		expect(first.json.indexing_token).toEqual(expect.any(String));
		await api.post('update', { name: 'members', ids: [{ action: 'remove', id: 'a' }, ...adds(['d'])] });
		expect(ids('members')).toEqual(['b', 'c', 'd']);
		expect(sb.projectAudience(BATCH_SANDBOX_PROJECT_KEY, 'members')?.writes).toBe(3);
	});

	it('counts only the last action of a repeated id', async () => {
		await api.post('update', {
			name: 'members',
			ids: [
				{ action: 'add', id: 'x', attributes: { step: 1 } },
				{ action: 'add', id: 'x', attributes: { step: 2 } },
				{ action: 'add', id: 'gone' },
				{ action: 'remove', id: 'gone' },
				{ action: 'remove', id: 'back' },
				{ action: 'add', id: 'back' },
			],
		});
		expect(ids('members')).toEqual(['back', 'x']);
		expect(sb.projectAudience(BATCH_SANDBOX_PROJECT_KEY, 'members')?.ids.get('x')).toEqual({ attributes: { step: 2 } });
	});

	it('keeps attributes of every documented type on adds', async () => {
		const attributes = {
			plan: 'pro',
			visits: 12,
			score: 4.5,
			'date(last_seen)': '2024-05-01T10:00:00Z',
			'date(signup)': '2012-08-12T22:30:05',
			'url(avatar)': 'https://example.com/a.png',
			interests: ['music', 'sport'],
		};
		const answer = await api.post('update', { name: 'members', ids: [{ action: 'add', id: 'a', attributes }] });
		expect(answer.status).toBe(202);
		expect(sb.projectAudience(BATCH_SANDBOX_PROJECT_KEY, 'members')?.ids.get('a')).toEqual({ attributes });
	});

	it('accepts 15 attributes on an id and refuses 16', async () => {
		const attributesOf = (count: number) => Object.fromEntries(range(count, 'att').map((key, index) => [key, index]));
		expect((await api.post('update', { name: 'members', ids: [{ action: 'add', id: 'a', attributes: attributesOf(15) }] })).status).toBe(202);
		const tooMany = await api.post('update', { name: 'members', ids: [{ action: 'add', id: 'b', attributes: attributesOf(16) }] });
		expect(tooMany.status).toBe(400);
		expect(tooMany.json.error_message).toMatch(/up to 15 elements/);
		expect(ids('members')).toEqual(['a']);
	});

	it.each([
		['attributes on a remove', { action: 'remove', id: 'a', attributes: { plan: 'pro' } }, /only accepted with the "add" action/],
		['tags (a 1.1 Custom Audience feature)', { action: 'add', id: 'a', tags: ['t'] }, /tags are not accepted/],
		['a boolean value', { action: 'add', id: 'a', attributes: { active: true } }, /unsupported type \(boolean\)/],
		['a null value', { action: 'add', id: 'a', attributes: { plan: null } }, /unsupported type \(null\)/],
		['an object value', { action: 'add', id: 'a', attributes: { nested: { a: 1 } } }, /unsupported type \(object\)/],
		['a non-string array item', { action: 'add', id: 'a', attributes: { list: ['a', 1] } }, /array of strings/],
		['a bad date', { action: 'add', id: 'a', attributes: { 'date(seen)': 'yesterday' } }, /ISO 8601/],
		['a bad url', { action: 'add', id: 'a', attributes: { 'url(home)': 'not a url' } }, /absolute URL/],
		['a bad attribute name', { action: 'add', id: 'a', attributes: { 'has space': 'x' } }, /attribute names/],
		['a 301-character string', { action: 'add', id: 'a', attributes: { bio: 'x'.repeat(301) } }, /longer than 300/],
		['attributes that are not an object', { action: 'add', id: 'a', attributes: ['x'] }, /must be an object/],
	])('answers 400 MALFORMED_PARAMETER to %s', async (_label, item, message) => {
		const answer = await api.post('update', { name: 'members', ids: [item] });
		expect(answer.status).toBe(400);
		expect(answer.json).toEqual({ error_code: 'MALFORMED_PARAMETER', error_message: expect.stringMatching(message) });
		expect(ids('members')).toEqual([]);
	});

	it('accepts 10,000 ids in one call and refuses 10,001', async () => {
		expect((await api.post('update', { name: 'members', ids: adds(range(10_000)) })).status).toBe(202);
		const tooMany = await api.post('update', { name: 'members', ids: adds(range(10_001, 'other-')) });
		expect(tooMany.status).toBe(400);
		expect(tooMany.json.error_message).toMatch(/up to 10000 elements per call \(got 10001\)/);
		expect(ids('members')).toHaveLength(10_000);
	});

	it('answers 404 for an unknown audience and 400 without a name', async () => {
		const unknown = await api.post('update', { name: 'ghost', ids: adds(['a']) });
		expect(unknown.status).toBe(404);
		expect(unknown.json).toEqual({ error_code: 'AUDIENCE_NOT_FOUND', error_message: expect.stringContaining('ghost') });
		const noName = await api.post('update', { ids: adds(['a']) });
		expect(noName.status).toBe(400);
		expect(noName.json.error_code).toBe('MISSING_PARAMETER');
	});
});

describe('replace', () => {
	it('removes every previous member and adds the given ones, with attributes', async () => {
		await create('swap');
		await api.post('update', { name: 'swap', ids: adds(['old1', 'old2', 'kept']) });
		const replaced = await api.post('replace', { name: 'swap', ids: [{ id: 'kept' }, { id: 'new', attributes: { plan: 'pro' } }] });
		expect(replaced.status).toBe(202);
		expect(ids('swap')).toEqual(['kept', 'new']);
		expect(sb.projectAudience(BATCH_SANDBOX_PROJECT_KEY, 'swap')?.ids.get('new')).toEqual({ attributes: { plan: 'pro' } });
	});

	it('accepts 10,000 ids and refuses 10,001 without touching the audience', async () => {
		await create('big');
		expect((await api.post('replace', { name: 'big', ids: range(10_000).map((id) => ({ id })) })).status).toBe(202);
		expect((await api.post('replace', { name: 'big', ids: range(10_001, 'x').map((id) => ({ id })) })).status).toBe(400);
		expect(ids('big')).toEqual(range(10_000).sort());
	});

	it('refuses an empty replace unless allowEmptyIds is on', async () => {
		await create('empty');
		await api.post('update', { name: 'empty', ids: adds(['a']) });
		expect((await api.post('replace', { name: 'empty', ids: [] })).status).toBe(400);
		sb.knobs.allowEmptyIds = true;
		expect((await api.post('replace', { name: 'empty', ids: [] })).status).toBe(202);
		expect(ids('empty')).toEqual([]);
	});
});

describe('remove', () => {
	it('deletes the whole audience (it does not remove ids)', async () => {
		await create('doomed');
		await api.post('update', { name: 'doomed', ids: adds(['a']) });
		const removed = await api.post('remove', { name: 'doomed' });
		expect(removed.status).toBe(202);
		expect(removed.json.indexing_token).toEqual(expect.any(String));
		expect(sb.projectAudience(BATCH_SANDBOX_PROJECT_KEY, 'doomed')).toBeUndefined();
		expect((await api.get('view', { name: 'doomed' })).status).toBe(404);
		expect((await api.post('update', { name: 'doomed', ids: adds(['a']) })).status).toBe(404);
		expect((await api.post('remove', { name: 'doomed' })).status).toBe(404);
	});
});

describe('list', () => {
	beforeEach(async () => {
		for (const name of range(25, 'aud_')) await create(name);
	});

	it('pages with the next_from cursor; count comes on the first page only', async () => {
		const first = await api.get('list');
		expect(first.status).toBe(200);
		expect(first.json).toEqual({ audiences: expect.any(Array), count: 25, has_more: true, next_from: expect.any(String) });
		expect(first.json.audiences).toHaveLength(10);
		expect(first.json.audiences[0]).toMatchObject({ name: 'aud_24', type: 'CUSTOM_ID', nb_ids: 0, indexing_state: 'APPLIED' });

		const names: string[] = [];
		let from: string | undefined;
		let pages = 0;
		do {
			const page = await api.get('list', { limit: '7', ...(from ? { from } : {}) });
			if (from) expect(page.json.count).toBeUndefined();
			names.push(...page.json.audiences.map((audience: { name: string }) => audience.name));
			from = page.json.has_more ? page.json.next_from : undefined;
			if (!page.json.has_more) expect(page.json.next_from).toBeUndefined();
			pages++;
		} while (from);
		expect(pages).toBe(4);
		expect(names).toEqual(range(25, 'aud_').reverse());
	});

	it('does not repeat or skip audiences when one is created between pages', async () => {
		const first = await api.get('list', { limit: '10' });
		await create('latecomer');
		const second = await api.get('list', { limit: '100', from: first.json.next_from });
		expect(second.json.audiences.map((a: { name: string }) => a.name)).toEqual(range(15, 'aud_').reverse());
	});

	it('accepts a limit of 100, refuses 101 and unknown cursors', async () => {
		expect((await api.get('list', { limit: '100' })).json).toMatchObject({ count: 25, has_more: false });
		const tooLarge = await api.get('list', { limit: '101' });
		expect(tooLarge.status).toBe(400);
		expect(tooLarge.json).toEqual({ error_code: 'MALFORMED_PARAMETER', error_message: expect.stringMatching(/at most 100/) });
		expect((await api.get('list', { from: 'garbage' })).status).toBe(400);
	});

	it('keeps projects apart', async () => {
		const other = audiencesClient(sb, { projectKey: OTHER_PROJECT_KEY });
		expect((await other.get('list')).json).toEqual({ audiences: [], count: 0, has_more: false });
		expect((await other.get('view', { name: 'aud_1' })).status).toBe(404);
	});
});

describe('view and indexing', () => {
	beforeEach(() => {
		sb.knobs.indexingDelayMs = 400;
	});

	it('reports IN_PROGRESS until the delay passed, then APPLIED; nb_ids lags alike', async () => {
		await create('slow');
		const { json } = await api.post('update', { name: 'slow', ids: adds(['a', 'b', 'c']) });
		const early = await api.get('view', { name: 'slow', indexing_token: json.indexing_token });
		expect(early.json).toMatchObject({ indexing_state: 'IN_PROGRESS', nb_ids: 0 });
		expect((await api.get('view', { name: 'slow' })).json.indexing_state).toBe('IN_PROGRESS');
		expect(ids('slow')).toEqual(['a', 'b', 'c']);
		await sleep(450);
		expect((await api.get('view', { name: 'slow', indexing_token: json.indexing_token })).json).toMatchObject({ indexing_state: 'APPLIED', nb_ids: 3 });
	});

	it('reports REPLACED for a token issued before a later replace', async () => {
		sb.knobs.indexingDelayMs = 0;
		await create('swapped');
		const update = await api.post('update', { name: 'swapped', ids: adds(['a']) });
		const replace = await api.post('replace', { name: 'swapped', ids: [{ id: 'b' }] });
		const later = await api.post('update', { name: 'swapped', ids: adds(['c']) });
		const state = async (token: string) => (await api.get('view', { name: 'swapped', indexing_token: token })).json.indexing_state;
		expect(await state(update.json.indexing_token)).toBe('REPLACED');
		expect(await state(replace.json.indexing_token)).toBe('APPLIED');
		expect(await state(later.json.indexing_token)).toBe('APPLIED');
	});

	it('answers 400 MISSING_PARAMETER without a name, and 400 for a token this audience never issued', async () => {
		const noName = await api.get('view');
		expect(noName.status).toBe(400);
		expect(noName.json.error_code).toBe('MISSING_PARAMETER');
		await create('tokens');
		const unknown = await api.get('view', { name: 'tokens', indexing_token: 'f'.repeat(32) });
		expect(unknown.status).toBe(400);
		expect(unknown.json.error_message).toMatch(/Unknown indexing_token/);
	});

	it('shows seeded audiences as already indexed', async () => {
		sb.seedProjectAudience(BATCH_SANDBOX_PROJECT_KEY, { name: 'seeded', ids: ['x', 'y'], displayName: 'Seeded' });
		expect((await api.get('view', { name: 'seeded' })).json).toMatchObject({ display_name: 'Seeded', nb_ids: 2, indexing_state: 'APPLIED' });
		expect(ids('seeded')).toEqual(['x', 'y']);
	});
});

describe('authentication and malformed bodies', () => {
	const url = () => `${sb.url}/2.11/audiences/list`;

	it.each([
		['a wrong REST key', { authorization: 'Bearer nope', 'x-batch-project': BATCH_SANDBOX_PROJECT_KEY }],
		['no Authorization header', { 'x-batch-project': BATCH_SANDBOX_PROJECT_KEY }],
		['the key without Bearer', { authorization: 'sandbox-batch-rest-key', 'x-batch-project': BATCH_SANDBOX_PROJECT_KEY }],
		['the 1.x X-Authorization header', { 'x-authorization': 'sandbox-batch-rest-key', 'x-batch-project': BATCH_SANDBOX_PROJECT_KEY }],
		['an unknown project', { authorization: 'Bearer sandbox-batch-rest-key', 'x-batch-project': 'project_nope' }],
		['no X-Batch-Project header', { authorization: 'Bearer sandbox-batch-rest-key' }],
	])('answers 401 AUTHENTICATION_INVALID to %s', async (_label, headers) => {
		const answer = await callSandbox(url(), { method: 'GET', headers });
		expect(answer.status).toBe(401);
		expect(answer.json).toEqual({ error_code: 'AUTHENTICATION_INVALID', error_message: expect.any(String) });
	});

	it('answers 400 with a useful message to malformed bodies', async () => {
		const broken = await api.post('update', '{"name": "x", "ids": [');
		expect(broken.status).toBe(400);
		expect(broken.json).toEqual({ error_code: 'MALFORMED_JSON_BODY', error_message: expect.stringMatching(/not valid JSON/) });
		const array = await api.post('update', '[1, 2]');
		expect(array.json.error_message).toMatch(/must be a JSON object/);
		const empty = await callSandbox(`${sb.url}/2.11/audiences/update`, {
			method: 'POST',
			headers: { authorization: `Bearer ${sb.restApiKey}`, 'x-batch-project': BATCH_SANDBOX_PROJECT_KEY },
		});
		expect(empty.status).toBe(400);
		expect(empty.json.error_message).toMatch(/JSON body is required/);
	});

	it('writes plain text error bodies when errorBodyStyle is text', async () => {
		sb.knobs.errorBodyStyle = 'text';
		const answer = await api.get('view', { name: 'ghost' });
		expect(answer.status).toBe(404);
		expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
		expect(answer.text).toMatch(/^AUDIENCE_NOT_FOUND \(20\): Audience "ghost" does not exist$/);
	});
});

describe('true membership', () => {
	it('is exactly right after a mixed sequence of writes, and nb_ids catches up', async () => {
		sb.knobs.indexingDelayMs = 150;
		await create('cohort');
		await api.post('replace', { name: 'cohort', ids: range(40).map((id) => ({ id })) });
		await api.post('update', { name: 'cohort', ids: adds(range(20, 'late-')) });
		await api.post('update', { name: 'cohort', ids: range(15).map((id) => ({ action: 'remove', id })) });
		await api.post('update', { name: 'cohort', ids: [{ action: 'remove', id: 'late-0' }, { action: 'add', id: 'late-0' }, { action: 'remove', id: 'late-1' }] });
		const expected = [...range(40).slice(15), ...range(20, 'late-').filter((id) => id !== 'late-1')].sort();
		expect(ids('cohort')).toEqual(expected);
		await sleep(200);
		expect((await api.get('view', { name: 'cohort' })).json).toMatchObject({ nb_ids: expected.length, indexing_state: 'APPLIED' });
	});
});
