/** The Batch sandbox's Custom Audience API 1.0 / 1.1 (per app), over real HTTP. */
import { customAudienceClient } from '../../sandbox/batch/client';
import { BATCH_SANDBOX_APP_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';

const OTHER_APP_KEY = 'sandbox-batch-other-app-key';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const adds = (ids: string[]) => ids.map((id) => ({ action: 'add', id }));
const range = (count: number, prefix = 'user-') => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

let sb: BatchSandbox;
let v10: ReturnType<typeof customAudienceClient>;
let v11: ReturnType<typeof customAudienceClient>;

beforeAll(async () => {
	sb = await startBatchSandbox({ port: 0, appKeys: [BATCH_SANDBOX_APP_KEY, OTHER_APP_KEY], knobs: { indexingDelayMs: 0 } });
	v10 = customAudienceClient(sb, { version: '1.0' });
	v11 = customAudienceClient(sb, { version: '1.1' });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

describe('create (POST)', () => {
	it('creates a 1.0 audience with type and description, answering 200 {}', async () => {
		const created = await v10.create('newsletter', { type: 'custom_ids', description: 'Weekly readers' });
		expect(created.status).toBe(200);
		expect(created.json).toEqual({});
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'newsletter')).toMatchObject({ type: 'custom_ids', description: 'Weekly readers', writes: 1 });
		const view = await v10.view('newsletter');
		expect(view.status).toBe(200);
		expect(view.json).toEqual({
			name: 'newsletter',
			type: 'custom_ids',
			description: 'Weekly readers',
			created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
			updated: expect.any(String),
			nb_ids: 0,
			indexing_state: 'APPLIED',
		});
	});

	it('refuses to create an audience that exists', async () => {
		await v10.create('dup');
		const again = await v10.create('dup');
		expect(again.status).toBe(403);
		expect(again.json).toEqual({ error_code: 12, error_message: expect.stringMatching(/^API_MISUSE: .*already exists/) });
	});

	it.each([
		['1.0', 'custom_ids', 200],
		['1.0', 'advertising_ids', 200],
		['1.0', 'install_ids', 403],
		['1.1', 'install_ids', 200],
		['1.1', 'custom_ids', 403],
		['1.1', 'advertising_ids', 403],
	])('version %s with type %s answers %i', async (version, type, status) => {
		const answer = await customAudienceClient(sb, { version }).create('typed', { type, description: 'x' });
		expect(answer.status).toBe(status);
		if (status === 403) expect(answer.json.error_code).toBe(12);
	});

	it('requires the type on 1.0 and defaults an empty 1.1 body to install_ids', async () => {
		const missingType = await v10.create('no_type', { description: 'x' });
		expect(missingType.status).toBe(403);
		expect(missingType.json.error_message).toMatch(/"type" is required/);
		const emptyBody = await v11.call('POST', '/installs');
		expect(emptyBody.status).toBe(200);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'installs')?.type).toBe('install_ids');
	});
});

describe('audience names', () => {
	it.each([
		['one character', 'a'],
		['letters, digits, "_" and "-"', 'Mixed_Case-09'],
		['255 characters', 'x'.repeat(255)],
	])('accepts %s', async (_label, name) => {
		expect((await v10.create(name)).status).toBe(200);
	});

	it.each([
		['256 characters', 'x'.repeat(256)],
		['a space', 'with%20space'],
		['a dot', 'dot.ted'],
		['an accent', 'caf%C3%A9'],
		['a semicolon', 'semi%3Bcolon'],
	])('rejects a name with %s as API_MISUSE', async (_label, name) => {
		const answer = await v10.create(name);
		expect(answer.status).toBe(403);
		expect(answer.json).toEqual({ error_code: 12, error_message: expect.stringContaining('Audience name') });
	});

	it('is case sensitive', async () => {
		await v10.create('Vip');
		expect((await v10.create('vip')).status).toBe(200);
		await v10.update('vip', { type: 'custom_ids', ids: adds(['lower']) });
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'Vip')).toEqual([]);
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'vip')).toEqual(['lower']);
	});
});

describe('update (PATCH)', () => {
	beforeEach(async () => {
		await v10.create('members');
		await v11.create('installs');
	});

	it('adds and removes ids, answering the indexing token with the updateStatus knob', async () => {
		const first = await v10.update('members', { type: 'custom_ids', ids: adds(['a', 'b', 'c']) });
		expect(first.status).toBe(202);
		expect(first.json).toEqual({ indexing_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
		sb.knobs.updateStatus = 200;
		const second = await v10.update('members', { type: 'custom_ids', ids: [{ action: 'remove', id: 'b' }, { action: 'add', id: 'd' }] });
		expect(second.status).toBe(200);
		expect(second.json.indexing_token).not.toBe(first.json.indexing_token);
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'members')).toEqual(['a', 'c', 'd']);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'members')?.writes).toBe(3);
	});

	it('requires the type on 1.0 (Batch marks it required) and refuses one that does not match', async () => {
		const missing = await v10.update('members', { ids: adds(['a']) });
		expect(missing.status).toBe(403);
		expect(missing.json.error_message).toMatch(/"type" is required/);
		const mismatch = await v10.update('members', { type: 'advertising_ids', ids: adds(['a']) });
		expect(mismatch.status).toBe(403);
		expect(mismatch.json.error_message).toMatch(/does not match/);
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'members')).toEqual([]);
	});

	it('lets each version write only the types it supports', async () => {
		expect((await v11.update('members', { ids: adds(['a']) })).status).toBe(403);
		expect((await v10.update('installs', { type: 'install_ids', ids: adds(['a']) })).status).toBe(403);
		// Reading works across versions.
		expect((await v11.view('members')).status).toBe(200);
	});

	it('answers 404 for an unknown audience', async () => {
		const answer = await v10.update('ghost', { type: 'custom_ids', ids: adds(['a']) });
		expect(answer.status).toBe(404);
		expect(answer.json).toEqual({ error_code: 20, error_message: expect.stringMatching(/^AUDIENCE_NOT_FOUND: /) });
	});

	it('refuses attributes and tags on 1.0', async () => {
		const withAttributes = await v10.update('members', { type: 'custom_ids', ids: [{ action: 'add', id: 'a', attributes: { plan: 'pro' } }] });
		expect(withAttributes.status).toBe(403);
		const withTags = await v10.update('members', { type: 'custom_ids', ids: [{ action: 'add', id: 'a', tags: ['t'] }] });
		expect(withTags.status).toBe(403);
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'members')).toEqual([]);
	});

	it('keeps 1.1 attributes and tags on adds, and refuses them on removes', async () => {
		const added = await v11.update('installs', {
			ids: [{ action: 'add', id: 'i1', attributes: { plan: 'pro', 'date(seen)': '2024-05-01T10:00:00Z', 'url(avatar)': 'https://x.test/a.png' }, tags: ['beta'] }],
		});
		expect(added.status).toBe(202);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'installs')?.ids.get('i1')).toEqual({
			attributes: { plan: 'pro', 'date(seen)': '2024-05-01T10:00:00Z', 'url(avatar)': 'https://x.test/a.png' },
			tags: ['beta'],
		});
		const removeWithAttributes = await v11.update('installs', { ids: [{ action: 'remove', id: 'i1', attributes: { plan: 'pro' } }] });
		expect(removeWithAttributes.status).toBe(403);
		expect(removeWithAttributes.json.error_message).toMatch(/only accepted with the "add" action/);
		const removeWithTags = await v11.update('installs', { ids: [{ action: 'remove', id: 'i1', tags: ['beta'] }] });
		expect(removeWithTags.status).toBe(403);
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'installs')).toEqual(['i1']);
	});

	it('counts only the last action of a repeated id', async () => {
		await v10.update('members', {
			type: 'custom_ids',
			ids: [
				{ action: 'add', id: 'gone' },
				{ action: 'remove', id: 'gone' },
				{ action: 'remove', id: 'back' },
				{ action: 'add', id: 'back' },
			],
		});
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'members')).toEqual(['back']);
	});

	it.each([
		[{ type: 'custom_ids' }, /"ids" is required/],
		[{ type: 'custom_ids', ids: {} }, /must be an array/],
		[{ type: 'custom_ids', ids: [] }, /must not be empty/],
		[{ type: 'custom_ids', ids: ['a'] }, /must be an object/],
		[{ type: 'custom_ids', ids: [{ id: 'a' }] }, /action is required/],
		[{ type: 'custom_ids', ids: [{ action: 'upsert', id: 'a' }] }, /"add" or "remove"/],
		[{ type: 'custom_ids', ids: [{ action: 'add' }] }, /id is required/],
		[{ type: 'custom_ids', ids: [{ action: 'add', id: 42 }] }, /non-empty string/],
	])('refuses the malformed body %j', async (body, message) => {
		const answer = await v10.update('members', body);
		expect(answer.status).toBe(403);
		expect(answer.json.error_code).toBe(12);
		expect(answer.json.error_message).toMatch(message);
	});

	it('accepts 10,000 ids in one call and refuses 10,001', async () => {
		const ok = await v10.update('members', { type: 'custom_ids', ids: adds(range(10_000)) });
		expect(ok.status).toBe(202);
		const tooMany = await v10.update('members', { type: 'custom_ids', ids: adds(range(10_001, 'other-')) });
		expect(tooMany.status).toBe(403);
		expect(tooMany.json.error_message).toMatch(/up to 10000 elements/);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'members')?.ids.size).toBe(10_000);
	});
});

describe('replace (PUT)', () => {
	it('removes every previous member and adds the given ones', async () => {
		await v10.create('swap');
		await v10.update('swap', { type: 'custom_ids', ids: adds(['old1', 'old2', 'both']) });
		const replaced = await v10.replace('swap', { ids: [{ id: 'both' }, { id: 'new1' }] });
		expect(replaced.status).toBe(202);
		expect(replaced.json.indexing_token).toEqual(expect.any(String));
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'swap')).toEqual(['both', 'new1']);
	});

	it('keeps attributes on 1.1, refuses them on 1.0, and caps at 10,000', async () => {
		await v10.create('swap10');
		await v11.create('swap11');
		expect((await v10.replace('swap10', { ids: [{ id: 'a', attributes: { n: 1 } }] })).status).toBe(403);
		expect((await v11.replace('swap11', { ids: [{ id: 'a', attributes: { n: 1 } }] })).status).toBe(202);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'swap11')?.ids.get('a')).toEqual({ attributes: { n: 1 } });
		expect((await v10.replace('swap10', { ids: range(10_000).map((id) => ({ id })) })).status).toBe(202);
		expect((await v10.replace('swap10', { ids: range(10_001).map((id) => ({ id })) })).status).toBe(403);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'swap10')?.ids.size).toBe(10_000);
	});

	it('answers 404 for an unknown audience', async () => {
		expect((await v10.replace('ghost', { ids: [{ id: 'a' }] })).status).toBe(404);
	});
});

describe('view (GET) and indexing', () => {
	it('reports IN_PROGRESS until the indexing delay passed, then APPLIED, and lags nb_ids alike', async () => {
		sb.knobs.indexingDelayMs = 400;
		await v10.create('slow');
		const { json } = await v10.update('slow', { type: 'custom_ids', ids: adds(['a', 'b']) });
		const early = await v10.view('slow', json.indexing_token);
		expect(early.json).toMatchObject({ indexing_state: 'IN_PROGRESS', nb_ids: 0 });
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'slow')).toEqual(['a', 'b']);
		await sleep(450);
		const late = await v10.view('slow', json.indexing_token);
		expect(late.json).toMatchObject({ indexing_state: 'APPLIED', nb_ids: 2 });
	});

	it('never reports REPLACED (not a documented 1.x state)', async () => {
		await v10.create('old_token');
		const update = await v10.update('old_token', { type: 'custom_ids', ids: adds(['a']) });
		await v10.replace('old_token', { ids: [{ id: 'b' }] });
		expect((await v10.view('old_token', update.json.indexing_token)).json.indexing_state).toBe('APPLIED');
	});

	it('refuses a token this audience never issued, and answers 404 for an unknown audience', async () => {
		await v10.create('tokens');
		expect((await v10.view('tokens', 'f'.repeat(32))).status).toBe(403);
		expect((await v10.view('nobody')).status).toBe(404);
	});
});

describe('list (GET)', () => {
	beforeEach(async () => {
		for (const name of range(25, 'aud_')) await v10.create(name);
	});

	it('lists newest first, 10 by default, with the documented fields', async () => {
		const { status, json } = await v10.list();
		expect(status).toBe(200);
		expect(json.custom_audiences).toHaveLength(10);
		expect(json.custom_audiences[0]).toEqual({
			name: 'aud_24',
			type: 'custom_ids',
			description: '',
			nb_ids: 0,
			created: expect.any(String),
			updated: expect.any(String),
		});
		expect(json.custom_audiences.map((a: { name: string }) => a.name)).toEqual(range(25, 'aud_').reverse().slice(0, 10));
	});

	it('pages with the from offset and limit', async () => {
		const names: string[] = [];
		for (let from = 0; ; from += 7) {
			const page = (await v10.list(`from=${from}&limit=7`)).json.custom_audiences as Array<{ name: string }>;
			names.push(...page.map((audience) => audience.name));
			if (page.length < 7) break;
		}
		expect(names).toEqual(range(25, 'aud_').reverse());
	});

	it('accepts a limit of 100 and refuses 101 (an error rather than a silent clamp)', async () => {
		expect((await v10.list('limit=100')).json.custom_audiences).toHaveLength(25);
		const tooLarge = await v10.list('limit=101');
		expect(tooLarge.status).toBe(403);
		expect(tooLarge.json.error_message).toMatch(/at most 100/);
		expect((await v10.list('limit=0')).status).toBe(403);
		expect((await v10.list('from=-1')).status).toBe(403);
	});

	it('shows nb_ids and keeps apps apart', async () => {
		await v10.update('aud_3', { type: 'custom_ids', ids: adds(['a', 'b', 'c']) });
		const listed = (await v10.list('limit=100')).json.custom_audiences.find((a: { name: string }) => a.name === 'aud_3');
		expect(listed.nb_ids).toBe(3);
		const otherApp = customAudienceClient(sb, { appKey: OTHER_APP_KEY });
		expect((await otherApp.list()).json.custom_audiences).toEqual([]);
		expect((await otherApp.view('aud_3')).status).toBe(404);
	});
});

describe('delete (DELETE)', () => {
	it('deletes an audience, answering 200 {}', async () => {
		await v10.create('doomed');
		const deleted = await v10.remove('doomed');
		expect(deleted.status).toBe(200);
		expect(deleted.json).toEqual({});
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'doomed')).toBeUndefined();
		expect((await v10.view('doomed')).status).toBe(404);
		expect((await v10.remove('doomed')).status).toBe(404);
	});
});

describe('authentication, routes and error bodies', () => {
	it('answers 401 AUTHENTICATION_INVALID (code 10) for a wrong or missing REST key', async () => {
		const wrongKey = await customAudienceClient(sb, { restKey: 'nope' }).list();
		expect(wrongKey.status).toBe(401);
		expect(wrongKey.json).toEqual({ error_code: 10, error_message: expect.stringMatching(/^AUTHENTICATION_INVALID: /) });
		const noKey = await fetch(`${sb.url}/1.0/${BATCH_SANDBOX_APP_KEY}/custom-audience`);
		expect(noKey.status).toBe(401);
	});

	it('answers 401 AUTHENTICATION_INVALID for an unknown app key', async () => {
		const answer = await customAudienceClient(sb, { appKey: 'unknown-app' }).list();
		expect(answer.status).toBe(401);
		expect(answer.json.error_code).toBe(10);
	});

	it('does not take the 2.x Bearer header instead of X-Authorization', async () => {
		const answer = await fetch(`${sb.url}/1.0/${BATCH_SANDBOX_APP_KEY}/custom-audience`, { headers: { authorization: `Bearer ${sb.restApiKey}` } });
		expect(answer.status).toBe(401);
	});

	it.each([
		['GET', `/1.2/${BATCH_SANDBOX_APP_KEY}/custom-audience`],
		['GET', `/1.0/${BATCH_SANDBOX_APP_KEY}/custom-audiences`],
		['POST', `/1.0/${BATCH_SANDBOX_APP_KEY}/custom-audience`],
		['GET', '/'],
	])('answers 404 ROUTE_NOT_FOUND to %s %s', async (method, path) => {
		const answer = await fetch(`${sb.url}${path}`, { method, headers: { 'x-authorization': sb.restApiKey } });
		expect(answer.status).toBe(404);
		expect(await answer.json()).toEqual({ error_code: 20, error_message: expect.stringMatching(/^ROUTE_NOT_FOUND: /) });
	});

	it('answers 400 MALFORMED_JSON_BODY to a body that is not JSON', async () => {
		await v10.create('json');
		const broken = await v10.call('PATCH', '/json', '{"type": "custom_ids", "ids": [');
		expect(broken.status).toBe(400);
		expect(broken.json).toEqual({ error_code: 32, error_message: expect.stringMatching(/^MALFORMED_JSON_BODY: The body is not valid JSON/) });
		const notJsonType = await fetch(`${sb.url}/1.0/${BATCH_SANDBOX_APP_KEY}/custom-audience/json`, {
			method: 'PATCH',
			headers: { 'x-authorization': sb.restApiKey, 'content-type': 'text/plain' },
			body: JSON.stringify({ type: 'custom_ids', ids: adds(['a']) }),
		});
		expect(notJsonType.status).toBe(400);
	});

	it('writes plain text error bodies when errorBodyStyle is text', async () => {
		sb.knobs.errorBodyStyle = 'text';
		const answer = await customAudienceClient(sb, { restKey: 'nope' }).list();
		expect(answer.status).toBe(401);
		expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
		expect(answer.text).toMatch(/^AUTHENTICATION_INVALID \(10\): /);
		expect(answer.json).toBeUndefined();
	});
});

describe('true membership', () => {
	it('is exactly right after a mixed sequence of writes', async () => {
		sb.knobs.indexingDelayMs = 200;
		await v10.create('cohort');
		await v10.update('cohort', { type: 'custom_ids', ids: adds(range(30)) });
		await v10.update('cohort', { type: 'custom_ids', ids: range(10).map((id) => ({ action: 'remove', id })) });
		await v10.replace('cohort', { ids: range(25).map((id) => ({ id })) });
		await v10.update('cohort', { type: 'custom_ids', ids: [...adds(['extra']), { action: 'remove', id: 'user-0' }, { action: 'remove', id: 'never-there' }] });
		const expected = [...range(25).slice(1), 'extra'].sort();
		expect(sb.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'cohort')).toEqual(expected);
		expect(sb.appAudience(BATCH_SANDBOX_APP_KEY, 'cohort')?.writes).toBe(5);
		await sleep(250);
		expect((await v10.view('cohort')).json).toMatchObject({ nb_ids: expected.length, indexing_state: 'APPLIED' });
	});
});
