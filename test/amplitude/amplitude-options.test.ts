/**
 * Get cohort's parameters that are not what they seem, through n8n's engine against the sandbox:
 * numeric options an expression turned into NaN, text or a negative number; user properties named like
 * the id columns; a "Resume Export Request ID" of another cohort, or left in the node for hours.
 */
import type { IDataObject } from 'n8n-workflow';

import { readCsvRecords } from '../harness/csv-records';
import { DEFAULT_COHORTS, startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runWorkflow, type RunOptions, type WorkflowRunResult } from '../harness/workflow-runner';
import { amplitudeWorkflow, byId, fastPolling, outputOf } from './amplitude-workflow-helpers';

const CLASH = {
	id: 'clash01',
	name: 'Properties named like ids',
	size: 30,
	anonymousRatio: 0,
	properties: { user_id: ['prop-user'], amplitude_id: ['prop-amp'], country: ['France'] },
};

let sb: AmplitudeSandbox;

async function runGet(parameters: IDataObject, options: RunOptions = {}): Promise<WorkflowRunResult> {
	return await runWorkflow(amplitudeWorkflow({ options: fastPolling, ...parameters }), {
		credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } },
		...options,
	});
}

const apiRequests = () => sb.log.filter((entry) => entry.url.startsWith('/api/'));

beforeEach(async () => {
	sb = await startAmplitudeSandbox({ cohorts: [...DEFAULT_COHORTS, CLASH], knobs: { exportDurationMs: 100 } });
});
afterEach(async () => await sb.close());

describe('numeric options set by an expression', () => {
	it.each([
		['pollIntervalSeconds', 'Poll Interval (Seconds)', '={{ NaN }}', 'NaN'],
		['pollIntervalSeconds', 'Poll Interval (Seconds)', '={{ "soon" }}', '"soon"'],
		['pollIntervalSeconds', 'Poll Interval (Seconds)', '={{ -1 }}', '-1'],
		['maxWaitSeconds', 'Maximum Wait (Seconds)', '={{ NaN }}', 'NaN'],
		['maxWaitSeconds', 'Maximum Wait (Seconds)', '={{ -600 }}', '-600'],
		['maxRetries', 'Maximum Retries', '={{ "many" }}', '"many"'],
		['maxRetries', 'Maximum Retries', '={{ -3 }}', '-3'],
		['downloadIdleTimeoutSeconds', 'Download Idle Timeout (Seconds)', '={{ NaN }}', 'NaN'],
	])('%s = %s fails naming "%s", before any call to Amplitude', async (name, displayName, expression, shown) => {
		const result = await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { ...fastPolling, [name]: expression } });
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe(`The option "${displayName}" must be a number of 0 or more, not ${shown}`);
		expect(apiRequests()).toHaveLength(0);
		expect(sb.exportsStarted).toBe(0);
	});

	it('a tiny poll interval is clamped (10 ms), not taken as 0: a slow export gets a bounded number of status calls', async () => {
		sb.knobs.exportDurationMs = 500;
		const [item] = outputOf(await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { pollIntervalSeconds: '={{ 0 }}' } }));
		expect(item.json.memberCount).toBe(25);
		const polls = apiRequests().filter((entry) => entry.url.includes('request-status')).length;
		expect(polls).toBeLessThanOrEqual(60);
	});

	it('numbers given as text that reads as a number are accepted', async () => {
		const [item] = outputOf(
			await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { pollIntervalSeconds: '={{ "0.05" }}', maxRetries: '={{ "2" }}' } }),
		);
		expect(item.json.memberCount).toBe(25);
	});
});

describe('Get Many: Limit set by an expression', () => {
	it.each([
		['={{ NaN }}', 'NaN'],
		['={{ "ten" }}', '"ten"'],
		['={{ -1 }}', '-1'],
	])('%s fails naming the option instead of returning no cohort', async (expression, shown) => {
		const result = await runWorkflow(amplitudeWorkflow({ operation: 'getAll', returnAll: false, limit: expression }), {
			credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } },
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe(`The option "Limit" must be a number of 0 or more, not ${shown}`);
	});

	it('a limit of 2 gives 2 cohorts', async () => {
		const result = await runWorkflow(amplitudeWorkflow({ operation: 'getAll', returnAll: false, limit: '={{ 2 }}' }), {
			credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } },
		});
		expect(outputOf(result)).toHaveLength(2);
	});
});

describe('user properties named like the id columns', () => {
	it.each(['gp-prefix', 'plain'] as const)(
		'keep the real amplitude_id and user_id; the properties are named gp:user_id and gp:amplitude_id (headers %s)',
		async (style) => {
			sb.knobs.propertyHeaderStyle = style;
			const truth: Array<{ amplitude_id: string; user_id: string }> = [];
			for await (const member of sb.members(CLASH.id)) truth.push(member);

			const items = outputOf(await runGet({ cohort: byId(CLASH.id), outputFormat: 'items', userProperties: 'all' }));
			expect(items).toHaveLength(30);
			expect(items.map((item) => item.json.user_id)).toEqual(truth.map((member) => member.user_id));
			expect(items.map((item) => item.json.amplitude_id)).toEqual(truth.map((member) => member.amplitude_id));
			expect(items[0].json).toMatchObject({ 'gp:user_id': 'prop-user', 'gp:amplitude_id': 'prop-amp', country: 'France' });

			const [file] = outputOf(await runGet({ cohort: byId(CLASH.id), outputFormat: 'binary', userProperties: 'all' }));
			const records: Array<Record<string, string>> = [];
			const bytes = Buffer.from(file.binary!.data.data, 'base64');
			for await (const record of readCsvRecords((async function* () { yield bytes; })())) records.push(record);
			expect(records.map((record) => record.user_id)).toEqual(truth.map((member) => member.user_id));
			expect(records[0]).toMatchObject({ 'gp:user_id': 'prop-user', 'gp:amplitude_id': 'prop-amp', country: 'France' });

			const [compact] = outputOf(await runGet({ cohort: byId(CLASH.id), outputFormat: 'compact' }));
			expect(compact.json.userIds).toEqual(truth.map((member) => member.user_id));
		},
	);
});

describe('Resume Export Request ID', () => {
	async function finishedExportOf(cohortId: string): Promise<string> {
		const [item] = outputOf(await runGet({ cohort: byId(cohortId), outputFormat: 'compact' }));
		return item.json.requestId as string;
	}

	it('refuses an export of another cohort, without downloading it', async () => {
		const otherExport = await finishedExportOf('jkl012');
		sb.log.length = 0;
		const result = await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { ...fastPolling, resumeRequestId: otherExport } });
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe(`Export request ${otherExport} belongs to cohort "jkl012", not to the chosen cohort "abc123"`);
		expect(sb.log.some((entry) => entry.url.includes('/file'))).toBe(false);
		expect(sb.exportsStarted).toBe(1);
	});

	it('resumes an export of the chosen cohort and says since when this node knows it', async () => {
		const requestId = await finishedExportOf('abc123');
		const result = await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { ...fastPolling, resumeRequestId: requestId } });
		const [item] = outputOf(result);
		expect(item.json.memberCount).toBe(25);
		expect(item.json.resumedExport).toMatchObject({ requestId, ageMinutes: 0 });
		expect((item.json.resumedExport as IDataObject).warning).toBeUndefined();
	});

	it('warns (output field and execution hint) when the resumed export was first used over an hour ago', async () => {
		const requestId = await finishedExportOf('abc123');
		const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000).toISOString();
		const staticData = { 'node:Amplitude': { amplitudeExportsSeen: { [requestId]: twoHoursAgo } } };
		const result = await runGet(
			{ cohort: byId('abc123'), outputFormat: 'compact', options: { ...fastPolling, resumeRequestId: requestId } },
			{ staticData },
		);
		const [item] = outputOf(result);
		const note = item.json.resumedExport as IDataObject;
		expect(note).toMatchObject({ requestId, firstSeen: twoHoursAgo, ageMinutes: 120 });
		expect(note.warning).toMatch(new RegExp(`^Resumed export ${requestId} was first used by this node 120 minutes ago`));
		const hints = result.run.data.resultData.runData.Amplitude[0].hints ?? [];
		expect(hints).toContainEqual(expect.objectContaining({ message: note.warning, type: 'warning' }));
	});

	it('counts the age from the run that first resumed it (kept in the node static data)', async () => {
		const requestId = await finishedExportOf('abc123');
		const first = await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { ...fastPolling, resumeRequestId: requestId } });
		const seen = (first.staticData['node:Amplitude'] as IDataObject).amplitudeExportsSeen as Record<string, string>;
		expect(Date.now() - Date.parse(seen[requestId])).toBeLessThan(60_000);
	});
});
