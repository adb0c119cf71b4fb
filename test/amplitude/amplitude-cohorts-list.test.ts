/**
 * Amplitude → Get many cohorts and the cohort picker's list search, through n8n's engine against
 * the sandbox; the custom base URL stands in for the EU host (the sandbox cannot listen there).
 */
import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
} from 'n8n-workflow';

import { searchCohorts } from '../../nodes/Amplitude/methods/listSearch';
import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runWorkflow, type WorkflowRunResult } from '../harness/workflow-runner';

/** Calls the picker's search from inside a run, so it uses n8n's real credentials and HTTP helpers. */
const pickerProbe: INodeType = {
	description: {
		displayName: 'Cohort Picker Probe',
		name: 'cohortPickerProbe',
		group: ['transform'],
		version: 1,
		description: 'Runs the Amplitude cohort list search',
		defaults: { name: 'Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'amplitudeCohortsApi', required: true }],
		properties: [{ displayName: 'Filter', name: 'filter', type: 'string', default: '' }],
	},
	async execute(this: IExecuteFunctions) {
		const filter = this.getNodeParameter('filter', 0) as string;
		const found = await searchCohorts.call(this as never, filter || undefined);
		return [[{ json: found as unknown as IDataObject, pairedItem: { item: 0 } }]];
	},
};

function workflowWith(type: string, parameters: INodeParameters) {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Node',
				type,
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters,
				credentials: { amplitudeCohortsApi: { id: '1', name: 'Amplitude sandbox' } },
			},
		],
		connections: { Start: { main: [[{ node: 'Node', type: 'main' as const, index: 0 }]] } },
	};
}

let sb: AmplitudeSandbox;

const credentials = () => ({ amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } });

async function getMany(parameters: INodeParameters): Promise<IDataObject[]> {
	const result = await runWorkflow(
		workflowWith('n8n-nodes-amplitude-batch.amplitude', { resource: 'cohort', operation: 'getAll', ...parameters }),
		{ credentials: credentials() },
	);
	return outputOf(result).map((item) => item.json);
}

function outputOf(result: WorkflowRunResult): INodeExecutionData[] {
	if (result.status !== 'success') throw new Error(`run failed: ${result.error?.message}`);
	return result.nodes.Node.items[0];
}

async function search(filter = ''): Promise<Array<{ name: string; value: string }>> {
	const result = await runWorkflow(workflowWith('test.cohortPickerProbe', { filter }), {
		credentials: credentials(),
		extraNodeTypes: { 'test.cohortPickerProbe': pickerProbe },
	});
	return outputOf(result)[0].json.results as Array<{ name: string; value: string }>;
}

beforeEach(async () => {
	sb = await startAmplitudeSandbox();
});
afterEach(async () => await sb.close());

describe('Get many cohorts', () => {
	it('lists live cohorts, simplified, with lastComputed as an ISO date', async () => {
		const cohorts = await getMany({ returnAll: true });
		expect(cohorts.map((cohort) => cohort.id)).toEqual(['abc123', 'def456', 'jkl012', 'mno345']);
		expect(cohorts[0]).toEqual({
			id: 'abc123',
			name: 'Power users (small)',
			size: 25,
			lastComputed: expect.stringMatching(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
			archived: false,
			owners: ['analytics@example.com'],
		});
		expect(sb.exportsStarted).toBe(0);
	});

	it('reads timestamps in seconds and in milliseconds alike', async () => {
		const inSeconds = await getMany({ returnAll: true });
		sb.knobs.timestampUnit = 'milliseconds';
		const inMilliseconds = await getMany({ returnAll: true });
		expect(inMilliseconds).toEqual(inSeconds);
		expect(new Date(String(inSeconds[0].lastComputed)).getUTCFullYear()).toBe(2024);
	});

	it('filters by name, archived, finished and published, and honours the limit', async () => {
		sb.setCohort({ id: 'pqr678', name: 'Draft power segment', size: 10, published: false, finished: false });
		expect((await getMany({ returnAll: true, filters: { nameContains: 'POWER' } })).map((c) => c.id)).toEqual([
			'abc123',
			'pqr678',
		]);
		expect((await getMany({ returnAll: true, filters: { includeArchived: true } })).map((c) => c.id)).toContain('ghi789');
		const strict = await getMany({ returnAll: true, filters: { onlyFinished: true, onlyPublished: true } });
		expect(strict.map((c) => c.id)).not.toContain('pqr678');
		expect(await getMany({ returnAll: false, limit: 2 })).toHaveLength(2);
	});

	it('gives the raw cohort objects when Simplify is off', async () => {
		const [first] = await getMany({ returnAll: false, limit: 1, simplify: false });
		expect(first).toMatchObject({ id: 'abc123', appId: sb.appId, definition: expect.any(Object), lastComputed: expect.any(Number) });
	});
});

describe('cohort picker (list search)', () => {
	it('lists cohorts with their size, live ones first, searchable by name', async () => {
		const all = await search();
		expect(all.map((entry) => entry.value)).toEqual(['abc123', 'def456', 'jkl012', 'mno345', 'ghi789']);
		expect(all[0]).toEqual({ name: 'Power users (small) (25 users)', value: 'abc123' });
		expect(all.find((entry) => entry.value === 'def456')?.name).toBe('Trial users (medium) (5,000 users)');
		expect(all[all.length - 1]).toEqual({ name: 'Churned 2023 (archived) (40 users) [archived]', value: 'ghi789' });
		expect(await search('trial')).toEqual([{ name: 'Trial users (medium) (5,000 users)', value: 'def456' }]);
		expect(sb.exportsStarted).toBe(0);
	});
});

describe('data centre', () => {
	it('sends every request to the custom base URL, with Basic auth', async () => {
		await getMany({ returnAll: true });
		expect(sb.log).toHaveLength(1);
		expect(sb.log[0].url).toBe('/api/3/cohorts');
		const expected = `Basic ${Buffer.from(`${sb.apiKey}:${sb.secretKey}`).toString('base64')}`;
		expect(sb.log[0].headers.authorization).toBe(expected);
	});

	it('fails clearly on a custom base URL that is not a URL', async () => {
		const result = await runWorkflow(workflowWith('n8n-nodes-amplitude-batch.amplitude', { resource: 'cohort', operation: 'getAll' }), {
			credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: 'amplitude-proxy' } },
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/custom base URL "amplitude-proxy" is not an http\(s\) URL/);
	});
});
