/**
 * `npm run demo`: the main job, end to end, in under a minute. Runs examples/cohort-to-batch-profile.json
 * (Amplitude Get cohort → Batch Profile Upsert audience, Sync changes) through n8n's own engine three times:
 * a first full sync, a re-sync after the cohort changed, and a run that Skip If Unchanged stops before any
 * export (nothing changed), and prints what happened.
 *
 * Against the built-in sandboxes by default. With real keys in the environment it runs against the real
 * services instead (once per invocation: each run starts one of Amplitude's 500 exports a month):
 *   AMPLITUDE_API_KEY, AMPLITUDE_SECRET_KEY, AMPLITUDE_REGION (us | eu), AMPLITUDE_COHORT_ID,
 *   BATCH_REST_API_KEY, BATCH_PROJECT_KEY, BATCH_AUDIENCE (audience name), and DEMO_DRY_RUN=1 to write nothing.
 * The sync state of real runs is kept in .demo-state.json, so the next invocation sends only the changes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { DEFAULT_COHORTS, startAmplitudeSandbox, type AmplitudeSandbox } from '../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../sandbox/batch';
import { runWorkflow, type WorkflowRunResult } from '../test/harness/workflow-runner';
import { loadExample } from './n8n/examples';
import { sandboxCredentials } from './n8n/sandbox-credentials';

const EXAMPLE = 'cohort-to-batch-profile.json';
const STATE_FILE = path.resolve(__dirname, '../.demo-state.json');
const COHORT_CHURN = 0.02;

interface Target {
	credentials: Record<string, IDataObject>;
	cohortId: string;
	audience: string;
	dryRun: boolean;
	/** Seconds between export polls (the node's default suits Amplitude; the sandbox is faster). */
	pollIntervalSeconds?: number;
}

function realTarget(): Target | undefined {
	const env = process.env;
	const required = ['AMPLITUDE_API_KEY', 'AMPLITUDE_SECRET_KEY', 'AMPLITUDE_COHORT_ID', 'BATCH_REST_API_KEY', 'BATCH_PROJECT_KEY', 'BATCH_AUDIENCE'];
	const given = required.filter((name) => env[name]);
	if (given.length === 0) return undefined;
	const missing = required.filter((name) => !env[name]);
	if (missing.length > 0) throw new Error(`Real run: set ${missing.join(', ')} too (or none of them, for the sandboxes)`);
	return {
		credentials: {
			amplitudeCohortsApi: { apiKey: env.AMPLITUDE_API_KEY!, secretKey: env.AMPLITUDE_SECRET_KEY!, region: env.AMPLITUDE_REGION ?? 'us' },
			batchProfileApi: { projectApiKey: env.BATCH_PROJECT_KEY!, restApiKey: env.BATCH_REST_API_KEY! },
		},
		cohortId: env.AMPLITUDE_COHORT_ID!,
		audience: env.BATCH_AUDIENCE!,
		dryRun: env.DEMO_DRY_RUN === '1',
	};
}

/** The example workflow, pointed at the chosen cohort and audience. */
function demoWorkflow(target: Target) {
	const workflow = loadExample(EXAMPLE);
	for (const node of workflow.nodes) {
		if (node.name === 'Get cohort') {
			const options = { ...((node.parameters.options as INodeParameters) ?? {}) };
			if (target.pollIntervalSeconds) options.pollIntervalSeconds = target.pollIntervalSeconds;
			node.parameters = { ...node.parameters, cohort: { __rl: true, mode: 'id', value: target.cohortId }, options };
		}
		if (node.name === 'Upsert audience') {
			const options = { ...((node.parameters.options as INodeParameters) ?? {}), dryRun: target.dryRun };
			node.parameters = { ...node.parameters, audience: { __rl: true, mode: 'name', value: target.audience }, options };
		}
	}
	return workflow;
}

const formatNumber = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value ?? '-'));

async function syncOnce(label: string, target: Target, staticData: IDataObject, countRequests: () => number) {
	const requestsBefore = countRequests();
	const started = Date.now();
	console.log(`\n▶ ${label}`);
	const result: WorkflowRunResult = await runWorkflow(demoWorkflow(target), {
		credentials: target.credentials as never,
		mode: 'trigger', // a production run: n8n keeps static data (the Sync changes state) only for those
		staticData,
		onUiMessage: (node, message) => console.log(`  [${node}] ${message.map(String).join(' ')}`),
	});
	if (result.status !== 'success') {
		const failed = Object.entries(result.nodes).find(([, run]) => run.error);
		throw new Error(`${label} failed in "${failed?.[0]}": ${failed?.[1].error?.message ?? result.error?.message}`);
	}
	if (!result.nodes['Upsert audience']) {
		// Skip If Unchanged: no export, no items, the rest of the branch did not run; the hints say why.
		const runs = result.run.data.resultData.runData['Get cohort'] ?? [];
		const hints = (runs[runs.length - 1] as { hints?: Array<{ message: string }> } | undefined)?.hints ?? [];
		console.log(`  Get cohort: ${hints.map((hint) => hint.message).join(' ') || 'no items'}`);
		console.log(`  requests: ${countRequests() - requestsBefore >= 0 ? countRequests() - requestsBefore : '-'}; time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return result.staticData;
	}
	const members = result.nodes['Get cohort'].items[0].length;
	const report = result.nodes['Upsert audience'].items[0][0].json;
	console.log(`  cohort members exported (identified): ${formatNumber(members)}`);
	console.log(
		`  audience "${report.audience}": ${report.effectiveMode}${report.fallbackReason ? ` (${report.fallbackReason})` : ''}` +
			` — added ${formatNumber(report.added)}, removed ${formatNumber(report.removed)}, unchanged ${formatNumber(report.unchanged)}` +
			`, invalid ${formatNumber(report.invalid)}${report.dryRun ? ' [dry run: nothing written]' : ''}`,
	);
	const requests = countRequests() - requestsBefore;
	console.log(`  requests: ${requests >= 0 ? `${formatNumber(requests)} in all (Amplitude + Batch), ` : ''}${formatNumber(report.requests)} to Batch, ${formatNumber(report.retries)} retries`);
	console.log(`  time: ${((Date.now() - started) / 1000).toFixed(1)} s; indexing ${report.indexingState}`);
	return result.staticData;
}

async function runAgainstSandboxes() {
	const amplitude: AmplitudeSandbox = await startAmplitudeSandbox({ knobs: { exportDurationMs: 1500 } });
	const batch: BatchSandbox = await startBatchSandbox();
	try {
		const credentials = Object.fromEntries(
			sandboxCredentials(amplitude.url, batch.url).map((credential) => [credential.type, credential.data as IDataObject]),
		);
		const cohort = DEFAULT_COHORTS.find((spec) => spec.id === 'def456')!;
		const target: Target = { credentials, cohortId: cohort.id, audience: 'amplitude_trial_users', dryRun: false, pollIntervalSeconds: 0.5 };
		const countRequests = () => amplitude.log.length + batch.log.length;
		console.log(`Sandboxes: Amplitude ${amplitude.url}, Batch ${batch.url}`);
		console.log(`Cohort "${cohort.name}" (${formatNumber(cohort.size)} members) → Batch Profile audience "${target.audience}"`);

		const state = await syncOnce('Run 1: first sync (no state yet: a full Replace)', target, {}, countRequests);
		amplitude.setCohort({ ...cohort, revision: (cohort.revision ?? 0) + 1, churn: COHORT_CHURN });
		console.log(`\nThe cohort changes in Amplitude: ${COHORT_CHURN * 100}% of its members leave, as many new ones enter.`);
		const afterChange = await syncOnce('Run 2: re-sync (only who entered and who left)', target, state, countRequests);
		const exportsBefore = amplitude.exportsStarted;
		console.log('\nNothing changes in Amplitude (the cohort list shows the same lastComputed and size).');
		await syncOnce('Run 3: Skip If Unchanged (no export, nothing sent)', target, afterChange, countRequests);
		console.log(`  exports started: ${amplitude.exportsStarted - exportsBefore}`);

		const expected: string[] = [];
		for await (const member of amplitude.members(cohort.id)) if (member.user_id) expected.push(member.user_id);
		const actual = batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, target.audience);
		const same = actual.length === expected.length && expected.sort().every((id, index) => id === actual[index]);
		console.log(`\nBatch audience "${target.audience}" now holds ${formatNumber(actual.length)} ids: ${same ? 'exactly the cohort’s identified members ✔' : 'NOT the cohort’s members ✘'}`);
		if (!same) process.exitCode = 1;
	} finally {
		await Promise.all([amplitude.close(), batch.close()]);
	}
}

async function runAgainstRealServices(target: Target) {
	const state = existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as IDataObject) : {};
	console.log(`Real services: cohort ${target.cohortId} → Batch Profile audience "${target.audience}"${target.dryRun ? ' (dry run)' : ''}`);
	const next = await syncOnce(Object.keys(state).length ? 'Re-sync (state from the last run)' : 'First sync', target, state, () => -1);
	if (!target.dryRun) writeFileSync(STATE_FILE, JSON.stringify(next));
}

async function main() {
	const started = Date.now();
	const target = realTarget();
	if (target) await runAgainstRealServices(target);
	else await runAgainstSandboxes();
	console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main().catch((error: Error) => {
	console.error(`\n✘ ${error.message}`);
	process.exit(1);
});
