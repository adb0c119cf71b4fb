/**
 * Amplitude → Get cohort, through n8n's engine against the Amplitude sandbox: every output format,
 * user properties, anonymous members, the S3 redirect, expired links, gzip variants, resuming an
 * export, cut downloads, per-item parameters.
 */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { readCsvRecords } from '../harness/csv-records';
import { startAmplitudeSandbox, type AmplitudeSandbox, type CohortMember } from '../../sandbox/amplitude';
import { runWorkflow, type RunOptions, type WorkflowRunResult } from '../harness/workflow-runner';
import { amplitudeWorkflow, byId, fastPolling, outputOf } from './amplitude-workflow-helpers';

let sb: AmplitudeSandbox;

async function runGet(parameters: IDataObject, options: RunOptions & { node?: Partial<INode> } = {}): Promise<WorkflowRunResult> {
	return await runWorkflow(amplitudeWorkflow({ options: fastPolling, ...parameters }, options.node), {
		credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: `${sb.url}/` } },
		...options,
	});
}

async function membersOf(cohortId: string): Promise<CohortMember[]> {
	const members: CohortMember[] = [];
	for await (const member of sb.members(cohortId)) members.push(member);
	return members;
}

const requestsTo = (fragment: string) => sb.log.filter((entry) => entry.url.includes(fragment));

async function csvOfBinary(item: INodeExecutionData, property = 'data'): Promise<Array<Record<string, string>>> {
	const binary = item.binary?.[property];
	if (!binary) throw new Error(`no binary property ${property}`);
	const records: Array<Record<string, string>> = [];
	async function* bytes() {
		yield Buffer.from(binary!.data, 'base64');
	}
	for await (const record of readCsvRecords(bytes())) records.push(record);
	return records;
}

beforeEach(async () => {
	sb = await startAmplitudeSandbox({ knobs: { exportDurationMs: 200 } });
});
afterEach(async () => await sb.close());

describe('output formats', () => {
	it('gives one item per member by default, ids only, with pairedItem, after exactly one export', async () => {
		const items = outputOf(await runGet({ cohort: byId('abc123') }));
		const members = await membersOf('abc123');
		expect(items.map((item) => item.json)).toEqual(members.map((m) => ({ amplitude_id: m.amplitude_id, user_id: m.user_id })));
		expect(items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		expect(sb.exportsStarted).toBe(1);
		expect(sb.exports[0].props).toBe(false);
	});

	it('gives one compact item with the user ids, counts and phase times', async () => {
		const [item, ...rest] = outputOf(await runGet({ cohort: byId('def456'), outputFormat: 'compact' }));
		const members = await membersOf('def456');
		const named = members.filter((m) => m.user_id !== '');
		expect(rest).toEqual([]);
		expect(item.json).toMatchObject({
			cohortId: 'def456',
			cohortName: 'Trial users (medium)',
			requestId: sb.exports[0].requestId,
			memberCount: members.length,
			anonymousCount: members.length - named.length,
			userIds: named.map((m) => m.user_id),
		});
		expect(item.json.phases).toEqual({ exportMs: expect.any(Number), downloadMs: expect.any(Number) });
		expect(item.pairedItem).toEqual({ item: 0 });
		// Compact holds ids only: no properties were asked of Amplitude.
		expect(sb.exports[0].props).toBe(false);
	});

	it('gives one item with a decompressed CSV file in the chosen binary property', async () => {
		sb.knobs.propertyHeaderStyle = 'gp-prefix';
		const [item] = outputOf(
			await runGet({ cohort: byId('def456'), outputFormat: 'binary', binaryPropertyName: 'cohortFile', userProperties: 'all' }),
		);
		const members = await membersOf('def456');
		expect(item.json).toMatchObject({
			cohortId: 'def456',
			cohortName: 'Trial users (medium)',
			requestId: sb.exports[0].requestId,
			memberCount: members.length,
			anonymousCount: members.filter((m) => m.user_id === '').length,
			fileName: 'amplitude-cohort-def456.csv',
		});
		expect(item.binary?.cohortFile).toMatchObject({ mimeType: 'text/csv', fileName: 'amplitude-cohort-def456.csv' });
		const records = await csvOfBinary(item, 'cohortFile');
		expect(Object.keys(records[0])).toEqual(['amplitude_id', 'user_id', 'country', 'plan', 'favorite color']);
		expect(records).toEqual(members.map((m) => ({ amplitude_id: m.amplitude_id, user_id: m.user_id, ...m.properties })));
	});
});

describe('user properties and anonymous members', () => {
	it('asks for the chosen properties with repeated propKeys and gives clean names', async () => {
		sb.knobs.propertyHeaderStyle = 'gp-prefix';
		const items = outputOf(await runGet({ cohort: byId('abc123'), userProperties: 'selected', propertyKeys: 'country, plan' }));
		expect(sb.exports[0].query).toBe('?props=1&propKeys=country&propKeys=plan');
		const members = await membersOf('abc123');
		expect(items.map((item) => item.json)).toEqual(
			members.map((m) => ({ amplitude_id: m.amplitude_id, user_id: m.user_id, country: m.properties.country, plan: m.properties.plan })),
		);
	});

	it('keeps values with quotes, commas and newlines intact', async () => {
		const items = outputOf(await runGet({ cohort: byId('def456'), userProperties: 'all' }));
		const values = new Set(items.flatMap((item) => [item.json.plan, item.json['favorite color'], item.json.country]));
		expect(values.has('team "plus"')).toBe(true);
		expect(values.has('sea\ngreen')).toBe(true);
		expect(values.has('Korea, Republic of')).toBe(true);
	});

	it('leaves out members without a user id when asked, and counts them', async () => {
		const members = await membersOf('jkl012');
		const named = members.filter((m) => m.user_id !== '');
		expect(named.length).toBeLessThan(members.length);

		const all = outputOf(await runGet({ cohort: byId('jkl012') }));
		expect(all).toHaveLength(members.length);
		const skipped = outputOf(await runGet({ cohort: byId('jkl012'), options: { ...fastPolling, skipAnonymous: true } }));
		expect(skipped.map((item) => item.json.user_id)).toEqual(named.map((m) => m.user_id));

		const [file] = outputOf(
			await runGet({ cohort: byId('jkl012'), outputFormat: 'binary', options: { ...fastPolling, skipAnonymous: true } }),
		);
		expect(file.json).toMatchObject({ memberCount: members.length, anonymousCount: members.length - named.length });
		expect((await csvOfBinary(file)).map((record) => record.user_id)).toEqual(named.map((m) => m.user_id));
	});

	it('CSV Columns "User ID Only": the file holds user_id and the properties asked for, never an anonymous member', async () => {
		const members = await membersOf('jkl012');
		const named = members.filter((m) => m.user_id !== '');
		const [file] = outputOf(await runGet({ cohort: byId('jkl012'), outputFormat: 'binary', csvColumns: 'userId' }));
		expect(file.json).toMatchObject({ memberCount: members.length, anonymousCount: members.length - named.length });
		const records = await csvOfBinary(file);
		expect(records).toEqual(named.map((m) => ({ user_id: m.user_id })));

		sb.knobs.propertyHeaderStyle = 'gp-prefix';
		const [withProperties] = outputOf(
			await runGet({ cohort: byId('def456'), outputFormat: 'binary', csvColumns: 'userId', userProperties: 'selected', propertyKeys: 'plan' }),
		);
		const named456 = (await membersOf('def456')).filter((m) => m.user_id !== '');
		expect(await csvOfBinary(withProperties)).toEqual(named456.map((m) => ({ user_id: m.user_id, plan: m.properties.plan })));
	});
});

describe('download paths', () => {
	it('follows the 302 to S3 without the Authorization header', async () => {
		outputOf(await runGet({ cohort: byId('def456'), outputFormat: 'compact' }));
		const fileRequests = requestsTo('/file');
		expect(fileRequests.map((entry) => entry.status)).toEqual([302]);
		expect(fileRequests[0].headers.authorization).toMatch(/^Basic /);
		const s3Requests = requestsTo('/s3/');
		expect(s3Requests).toHaveLength(1);
		expect(s3Requests[0].status).toBe(200);
		expect(s3Requests[0].headers.authorization).toBeUndefined();
	});

	it('asks /file for a fresh link when S3 says the link expired', async () => {
		sb.knobs.expireNextS3Links = 1;
		const [item] = outputOf(await runGet({ cohort: byId('def456'), outputFormat: 'compact' }));
		expect(item.json.memberCount).toBe(5000);
		expect(requestsTo('/file').map((entry) => entry.status)).toEqual([302, 302]);
		expect(requestsTo('/s3/').map((entry) => entry.status)).toEqual([403, 200]);
		expect(sb.exportsStarted).toBe(1);
	});

	it.each(['header', 'magic-only', 'none'] as const)('reads the file with gzip "%s"', async (gzip) => {
		sb.knobs.gzip = gzip;
		const direct = outputOf(await runGet({ cohort: byId('abc123'), userProperties: 'all' }));
		const viaS3 = outputOf(await runGet({ cohort: byId('def456'), outputFormat: 'compact' }));
		const small = await membersOf('abc123');
		expect(direct.map((item) => item.json)).toEqual(small.map((m) => ({ amplitude_id: m.amplitude_id, user_id: m.user_id, ...m.properties })));
		expect(viaS3[0].json.userIds).toEqual((await membersOf('def456')).filter((m) => m.user_id !== '').map((m) => m.user_id));
	});

	it('resumes a download cut by the network from where it stopped', async () => {
		sb.knobs.resetNextDownloads = 2;
		sb.knobs.resetAfterBytes = 20_000;
		const result = await runGet({ cohort: byId('def456'), outputFormat: 'binary' });
		const [item] = outputOf(result);
		const members = await membersOf('def456');
		expect((await csvOfBinary(item)).map((record) => record.amplitude_id)).toEqual(members.map((m) => m.amplitude_id));
		expect(requestsTo('/s3/')).toHaveLength(3);
		expect(sb.exportsStarted).toBe(1);
		expect(result.uiMessages.some(({ message }) => /download cut after/.test(String(message[0])))).toBe(true);
	});
});

describe('choosing the cohort and resuming exports', () => {
	it('takes the cohort from the URL of its page in Amplitude', async () => {
		const cohort = { __rl: true, mode: 'url', value: 'https://app.amplitude.com/analytics/acme/cohort/abc123?tab=members' };
		const [item] = outputOf(await runGet({ cohort, outputFormat: 'compact' }));
		expect(item.json.cohortId).toBe('abc123');
	});

	it('runs once per input item with that item\'s parameters and pairs the outputs', async () => {
		const result = await runGet(
			{ cohort: { __rl: true, mode: 'id', value: '={{ $json.cohort }}' }, outputFormat: '={{ $json.format }}' },
			{ triggerItems: [{ json: { cohort: 'jkl012', format: 'compact' } }, { json: { cohort: 'abc123', format: 'items' } }] },
		);
		const items = outputOf(result);
		expect(items[0].json.cohortId).toBe('jkl012');
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(items.slice(1)).toHaveLength((await membersOf('abc123')).length);
		expect(items.slice(1).every((item) => (item.pairedItem as { item: number }).item === 1)).toBe(true);
		expect(sb.exports.map((job) => job.cohortId)).toEqual(['jkl012', 'abc123']);
	});

	it('resumes an export by request id after a time-out, without starting another', async () => {
		sb.knobs.exportDurationMs = 1500;
		const timedOut = await runGet({ cohort: byId('abc123'), options: { ...fastPolling, maxWaitSeconds: 0.2 } });
		expect(timedOut.status).toBe('error');
		const requestId = sb.exports[0].requestId;
		expect(timedOut.error?.message).toContain(requestId);
		expect(timedOut.error?.description).toContain('Resume Export Request ID');

		const resumed = await runGet({
			cohort: byId('abc123'),
			outputFormat: 'compact',
			options: { pollIntervalSeconds: 0.2, resumeRequestId: requestId },
		});
		const [item] = outputOf(resumed);
		expect(item.json.requestId).toBe(requestId);
		expect(sb.exportsStarted).toBe(1);
	});

	it('tells the person watching how the export goes, and how long each phase took', async () => {
		const result = await runGet({ cohort: byId('abc123'), options: { pollIntervalSeconds: 0.05 } });
		const messages = result.uiMessages.map(({ message }) => String(message[0]));
		expect(messages[0]).toMatch(/export \S+ of "Power users \(small\)" started \(25 members\)/);
		expect(messages.some((message) => /export running, [\d.]+ s/.test(message))).toBe(true);
		expect(messages[messages.length - 1]).toMatch(/done: 25 members \(\d+ anonymous\); export [\d.]+ s, download [\d.]+ s/);
	});
});
