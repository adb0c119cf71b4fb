/**
 * Keys never reach an error, whatever the API echoes: the sandboxes answer with bodies that quote the
 * credentials the request carried (keys, the Basic header in base64, the per-app key in the path), on
 * every code path of the three nodes and their pickers. Nothing n8n would show or save — every own
 * property of the error, enumerable or not, the saved run, output items — may hold a key in any form.
 */
import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeParameters,
	type INodeType,
} from 'n8n-workflow';

import { AmplitudeCohortsApi } from '../../credentials/AmplitudeCohortsApi.credentials';
import { BatchApi } from '../../credentials/BatchApi.credentials';
import { BatchProfileApi } from '../../credentials/BatchProfileApi.credentials';
import { searchCohorts } from '../../nodes/Amplitude/methods/listSearch';
import { Batch } from '../../nodes/Batch/Batch.node';
import { BatchProfile } from '../../nodes/Batch/BatchProfile.node';
import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { runWorkflow, type WorkflowRunResult } from '../harness/workflow-runner';

const AMP_KEY = 'AmpKey-Sentinel-4f2a81';
const AMP_SECRET = 'AmpSecret+Sentinel/9c1e';
const APP = 'AppKey-Sentinel-7d30';
const PROJECT = 'ProjectKey-Sentinel-c4b9';
const REST = 'RestKey-Sentinel-51e0aa';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Every form a key must not take in anything shown: as is, URL-encoded, base64 alone and as a Basic pair. */
function forbiddenForms(keys: string[]): string[] {
	const forms = new Set<string>();
	for (const key of keys) {
		forms.add(key);
		forms.add(encodeURIComponent(key));
		forms.add(b64(key));
		forms.add(b64(key).replace(/=+$/, ''));
		for (const other of keys) if (other !== key) forms.add(b64(`${key}:${other}`));
	}
	return [...forms];
}

/** Everything reachable from a value: own properties, enumerable or not, of every object, as text. */
function everything(value: unknown): string {
	const seen = new WeakSet<object>();
	const parts: string[] = [];
	const walk = (current: unknown, depth: number) => {
		if (typeof current === 'string') parts.push(current);
		if (typeof current === 'number' || typeof current === 'boolean') parts.push(String(current));
		if (!current || typeof current !== 'object' || depth > 40 || seen.has(current)) return;
		seen.add(current);
		for (const name of Object.getOwnPropertyNames(current)) {
			parts.push(name);
			let child: unknown;
			try {
				child = (current as Record<string, unknown>)[name];
			} catch {
				continue;
			}
			walk(child, depth + 1);
		}
	};
	walk(value, 0);
	let json = '';
	try {
		json = JSON.stringify(value);
	} catch {
		// circular: the walk above covers it
	}
	return `${parts.join('\n')}\n${json}`;
}

function expectNoKey(text: string, keys: string[], where: string) {
	for (const form of forbiddenForms(keys)) {
		if (text.includes(form)) throw new Error(`${where}: found ${JSON.stringify(form)} in ${JSON.stringify(text.slice(Math.max(0, text.indexOf(form) - 200), text.indexOf(form) + 200))}`);
	}
}

/** Errors caught inside a run, before n8n touched them (what our node threw). */
const thrown: unknown[] = [];

/** Runs a node's picker inside a run, with n8n's real credentials and HTTP helpers, keeping what it throws. */
function pickerProbe(name: string, credential: string, search: (ctx: unknown) => Promise<unknown>): INodeType {
	return {
		description: {
			displayName: name,
			name,
			group: ['transform'],
			version: 1,
			description: 'Runs a picker search',
			defaults: { name },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: credential, required: true }],
			properties: [{ displayName: 'Identifier Type', name: 'identifierType', type: 'string', default: 'customUserId' }],
		},
		async execute(this: IExecuteFunctions) {
			const ctx = new Proxy(this, {
				get: (target, property, receiver) =>
					property === 'getCurrentNodeParameter'
						? (parameter: string) => target.getNodeParameter(parameter, 0)
						: Reflect.get(target, property, receiver),
			});
			try {
				return [[{ json: (await search(ctx)) as IDataObject, pairedItem: { item: 0 } }]];
			} catch (error) {
				thrown.push(error);
				throw error;
			}
		},
	};
}

const probes = {
	'test.cohortPicker': pickerProbe('cohortPicker', 'amplitudeCohortsApi', (ctx) => searchCohorts.call(ctx as never)),
	'test.appPicker': pickerProbe('appPicker', 'batchApi', (ctx) => new Batch().methods.listSearch.searchAudiences.call(ctx as never)),
	'test.projectPicker': pickerProbe('projectPicker', 'batchProfileApi', (ctx) =>
		new BatchProfile().methods.listSearch.searchAudiences.call(ctx as never),
	),
};

function workflow(type: string, parameters: INodeParameters, credential: string, node: Partial<INode> = {}) {
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
				credentials: { [credential]: { id: '1', name: 'keys' } },
				...node,
			},
		],
		connections: { Start: { main: [[{ node: 'Node', type: 'main' as const, index: 0 }]] } },
	};
}

let amp: AmplitudeSandbox;
let sb: BatchSandbox;
beforeAll(async () => {
	amp = await startAmplitudeSandbox({ apiKey: AMP_KEY, secretKey: AMP_SECRET, knobs: { exportDurationMs: 50 } });
	sb = await startBatchSandbox({ appKeys: [APP], projectKeys: [PROJECT], restApiKey: REST, knobs: { indexingDelayMs: 0 } });
});
afterAll(async () => {
	await amp.close();
	await sb.close();
});
beforeEach(() => {
	amp.faults.clear();
	amp.log.length = 0;
	sb.reset();
	thrown.length = 0;
});

const credentials = {
	amplitudeCohortsApi: { apiKey: AMP_KEY, secretKey: AMP_SECRET, region: 'custom', baseUrl: '' },
	batchApi: { apiKey: APP, restApiKey: REST, baseUrl: '' },
	batchProfileApi: { projectApiKey: PROJECT, restApiKey: REST, baseUrl: '' },
};

async function runEchoing(
	type: string,
	parameters: INodeParameters,
	credential: keyof typeof credentials,
	onError: 'stopWorkflow' | 'continueRegularOutput',
	triggerItems = [{ json: { userIds: ['a', 'b', 'c'], user_id: 'a' } }],
): Promise<WorkflowRunResult> {
	const baseUrl = credential === 'amplitudeCohortsApi' ? amp.url : sb.url;
	return await runWorkflow(workflow(type, parameters, credential, { onError }), {
		credentials: { [credential]: { ...credentials[credential], baseUrl } },
		extraNodeTypes: probes,
		triggerItems,
	});
}

/** The run failed (or, with Continue On Fail, output an error item) because of an echoing answer, and no key shows. */
function expectScrubbedFailure(result: WorkflowRunResult, keys: string[], echoes: () => number, onError: string) {
	expect(echoes()).toBeGreaterThan(0);
	if (onError === 'stopWorkflow') {
		expect(result.status).toBe('error');
		expect(result.error).toBeDefined();
	} else {
		expect(JSON.stringify(result.nodes.Node.items)).toMatch(/error/i);
	}
	expectNoKey(everything(result.error), keys, 'the run error');
	expectNoKey(everything(result.run), keys, 'the saved run');
	expectNoKey(everything(result.nodes), keys, 'the output items');
	for (const error of thrown) expectNoKey(everything(error), keys, 'the error the picker threw');
}

const AMPLITUDE_KEYS = [AMP_KEY, AMP_SECRET];
const BATCH_KEYS = [APP, PROJECT, REST];
const ON_ERROR = ['stopWorkflow', 'continueRegularOutput'] as const;

describe('Amplitude: an error body that echoes the API key and secret key', () => {
	const cohort = { __rl: true, mode: 'id', value: 'abc123' };
	const echoed = () => amp.log.filter((entry) => entry.fault === 'credential-echo').length;

	it('the sandbox echoes them (the fault is real)', async () => {
		amp.faults.set({ credentialEcho: { next: 1 } });
		const response = await fetch(`${amp.url}/api/3/cohorts`, { headers: { authorization: `Basic ${b64(`${AMP_KEY}:${AMP_SECRET}`)}` } });
		const body = await response.text();
		expect(response.status).toBe(401);
		expect(body).toContain(`Invalid credentials: ${AMP_KEY}:${AMP_SECRET}`);
		expect(body).toContain(b64(`${AMP_KEY}:${AMP_SECRET}`));
	});

	it.each([
		['Get cohort: listing cohorts', '/api/3/cohorts', 'compact', 401],
		['Get cohort: starting the export', '/api/5/cohorts/request/abc123', 'compact', 401],
		['Get cohort: starting the export, answered 404 (read by the export code)', '/api/5/cohorts/request/abc123', 'compact', 404],
		['Get cohort: checking the export', '/api/5/cohorts/request-status/', 'items', 401],
		['Get cohort: checking the export, answered 400 (read by the export code)', '/api/5/cohorts/request-status/', 'items', 400],
		['Get cohort: downloading the file', '/file', 'binary', 401],
	])('%s', async (_label, match, outputFormat, status) => {
		for (const onError of ON_ERROR) {
			amp.faults.set({ credentialEcho: { fraction: 1, match, status } });
			const result = await runEchoing(
				'n8n-nodes-amplitude-batch.amplitude',
				{ resource: 'cohort', operation: 'get', cohort, outputFormat, options: { pollIntervalSeconds: 0.05 } },
				'amplitudeCohortsApi',
				onError,
			);
			expectScrubbedFailure(result, AMPLITUDE_KEYS, echoed, onError);
		}
	});

	it('Get many cohorts', async () => {
		for (const onError of ON_ERROR) {
			amp.faults.set({ credentialEcho: { fraction: 1 } });
			const result = await runEchoing(
				'n8n-nodes-amplitude-batch.amplitude',
				{ resource: 'cohort', operation: 'getAll', returnAll: true },
				'amplitudeCohortsApi',
				onError,
			);
			expectScrubbedFailure(result, AMPLITUDE_KEYS, echoed, onError);
		}
	});

	it('the cohort picker', async () => {
		amp.faults.set({ credentialEcho: { fraction: 1 } });
		const result = await runEchoing('test.cohortPicker', {}, 'amplitudeCohortsApi', 'stopWorkflow');
		expect(thrown).toHaveLength(1);
		expectScrubbedFailure(result, AMPLITUDE_KEYS, echoed, 'stopWorkflow');
	});
});

describe('Batch: error bodies that echo the REST key, the app key and the project key', () => {
	const echoed = () => sb.log.filter((entry) => entry.fault === 'credential-echo').length;
	const audience = (name: string) => ({ __rl: true, mode: 'name', value: name });
	const sync = (operation: string, extra: IDataObject = {}) => ({
		resource: 'audience',
		operation,
		audience: audience('echo'),
		mode: 'replace',
		identifierSource: 'listField',
		listField: 'userIds',
		options: { maxRetries: 0 },
		...extra,
	});

	it('the sandbox echoes them (the fault is real)', async () => {
		sb.faults.set({ credentialEcho: { next: 1 } });
		const response = await fetch(`${sb.url}/1.0/${APP}/custom-audience`, { headers: { 'x-authorization': REST } });
		const body = await response.text();
		expect(response.status).toBe(401);
		expect(body).toContain(REST);
		expect(body).toContain(APP);
	});

	const cases: Array<[string, string, keyof typeof credentials, INodeParameters, string | undefined]> = [
		['app: upsert (view)', 'batch', 'batchApi', sync('upsert'), undefined],
		['project: upsert (the replace write)', 'batchProfile', 'batchProfileApi', sync('upsert'), '/audiences/replace'],
		['project: upsert (view)', 'batchProfile', 'batchProfileApi', sync('upsert'), '/audiences/view'],
		['app: remove members', 'batch', 'batchApi', sync('removeMembers', { identifierSource: 'items', identifier: '={{ $json.user_id }}' }), undefined],
		['project: remove members', 'batchProfile', 'batchProfileApi', sync('removeMembers', { identifierSource: 'items', identifier: '={{ $json.user_id }}' }), undefined],
		['app: get', 'batch', 'batchApi', { resource: 'audience', operation: 'get', audience: audience('echo'), options: { maxRetries: 0 } }, undefined],
		['project: get', 'batchProfile', 'batchProfileApi', { resource: 'audience', operation: 'get', audience: audience('echo'), options: { maxRetries: 0 } }, undefined],
		['app: get many', 'batch', 'batchApi', { resource: 'audience', operation: 'getAll', returnAll: true, options: { maxRetries: 0 } }, undefined],
		['project: get many', 'batchProfile', 'batchProfileApi', { resource: 'audience', operation: 'getAll', returnAll: true, options: { maxRetries: 0 } }, undefined],
		['app: delete', 'batch', 'batchApi', { resource: 'audience', operation: 'delete', audience: audience('echo'), options: { maxRetries: 0 } }, undefined],
		['project: delete', 'batchProfile', 'batchProfileApi', { resource: 'audience', operation: 'delete', audience: audience('echo'), options: { maxRetries: 0 } }, undefined],
	];

	it.each(cases)('%s', async (_label, node, credential, parameters, match) => {
		for (const onError of ON_ERROR) {
			sb.reset();
			sb.faults.set({ credentialEcho: { fraction: 1, match } });
			const result = await runEchoing(`n8n-nodes-amplitude-batch.${node}`, parameters, credential, onError);
			expectScrubbedFailure(result, BATCH_KEYS, echoed, onError);
		}
	});

	it.each([
		['the app audience picker', 'test.appPicker', 'batchApi'],
		['the project audience picker', 'test.projectPicker', 'batchProfileApi'],
	] as const)('%s', async (_label, type, credential) => {
		sb.faults.set({ credentialEcho: { fraction: 1 } });
		const result = await runEchoing(type, { identifierType: 'customUserId' }, credential, 'stopWorkflow');
		expect(thrown).toHaveLength(1);
		expectScrubbedFailure(result, BATCH_KEYS, echoed, 'stopWorkflow');
	});
});

describe('credential tests against an echoing API', () => {
	/**
	 * n8n runs a credential's test request itself; on an HTTP error, n8n 2.40.7 (CredentialsTester) shows the
	 * message of a `responseCode` rule for that status if the credential has one, else the reason phrase,
	 * else "Received HTTP status code: N" — never the body. So what reaches the screen is ours for 401/403/429.
	 */
	function shownByN8n(credential: { test: { rules?: unknown[] } }, status: number, statusText: string): string {
		const rule = (credential.test.rules as Array<{ type: string; properties: { value: number; message: string } }> | undefined)?.find(
			(candidate) => candidate.type === 'responseCode' && candidate.properties.value === status,
		);
		return rule?.properties.message ?? (statusText || `Received HTTP status code: ${status}`);
	}

	it.each([
		['Amplitude', new AmplitudeCohortsApi(), () => `${amp.url}/api/3/cohorts`, { authorization: `Basic ${b64(`${AMP_KEY}:${AMP_SECRET}`)}` }, AMPLITUDE_KEYS],
		['Batch', new BatchApi(), () => `${sb.url}/1.0/${APP}/custom-audience?limit=1`, { 'x-authorization': REST }, BATCH_KEYS],
		['Batch Profile', new BatchProfileApi(), () => `${sb.url}/2.11/audiences/list?limit=1`, { authorization: `Bearer ${REST}`, 'x-batch-project': PROJECT }, BATCH_KEYS],
	] as const)('%s: an echoed 401, 403 or 429 (body and reason phrase) shows our fixed text', async (_label, credential, url, headers, keys) => {
		for (const status of [401, 403, 429]) {
			amp.faults.set({ credentialEcho: { next: 1, status } });
			sb.faults.set({ credentialEcho: { next: 1, status } });
			const response = await fetch(url(), { headers });
			const body = await response.text();
			expect(response.status).toBe(status);
			expect(body).toContain(keys[keys.length - 1]);
			expect(response.statusText).toContain(keys[keys.length - 1]);
			const shown = shownByN8n(credential, response.status, response.statusText);
			expect(shown).toMatch(/Amplitude|Batch/);
			expectNoKey(shown, [...keys], 'what the credential test shows');
		}
	});
});
