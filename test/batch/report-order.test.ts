/**
 * The Upsert report's field order in the output item, as n8n's table view shows it (one column per key, in
 * key order): the outcome first, long texts and lists last, every field name kept.
 */
import { orderReportFields } from '../../nodes/Batch/sync/report-order';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { FAST_RETRIES, audience, idItems, nodeWorkflow, projectCredentials, reportOf, runWorkflow } from './batch-workflow-helpers';

const FIRST = ['success', 'added', 'removed', 'unchanged', 'invalid'];
const LONG = ['error', 'fallbackReason', 'notes', 'invalidSamples', 'indexingTokens', 'preview', 'chunkDetails', 'unappliedIds'];

describe('orderReportFields', () => {
	it('puts the outcome first, keeps the rest (unknown fields included) in their order, and long texts last', () => {
		const report = { audience: 'a', notes: ['n'], mode: 'add', invalid: 1, chunkDetails: [], somethingNew: 7, success: true, fallbackReason: 'why', added: 2 };
		const ordered = orderReportFields(report);
		expect(Object.keys(ordered)).toEqual(['success', 'added', 'invalid', 'audience', 'mode', 'somethingNew', 'fallbackReason', 'notes', 'chunkDetails']);
		expect(ordered).toEqual(report);
		expect(Object.keys(report)[0]).toBe('audience');
	});
});

describe('Upsert report item: field order for the table view', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 50 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const run = async (options: Record<string, unknown>) =>
		reportOf(
			await runWorkflow(
				nodeWorkflow('batchProfile', {
					resource: 'audience',
					operation: 'upsert',
					audience: audience('ordered'),
					mode: 'replace',
					options: { ...FAST_RETRIES, ...options },
				}),
				{ credentials: projectCredentials(sb), triggerItems: idItems(['u1', 'u2', '', 'u3']) },
			),
		);

	function expectOrdered(keys: string[]) {
		expect(keys.slice(0, FIRST.length)).toEqual(FIRST);
		const longPresent = LONG.filter((key) => keys.includes(key));
		expect(longPresent.length).toBeGreaterThanOrEqual(3);
		expect(keys.slice(keys.length - longPresent.length)).toEqual(longPresent);
	}

	it('a run: success, added, removed, unchanged, invalid first; notes, chunk details, unapplied ids last', async () => {
		const report = await run({});
		expect(report).toMatchObject({ success: true, added: 3, invalid: 1 });
		expectOrdered(Object.keys(report));
		expect(Object.keys(report)).toEqual(expect.arrayContaining(['audience', 'mode', 'effectiveMode', 'received', 'requests', 'durationMs']));
	});

	it('a dry run: the preview is among the long texts at the end', async () => {
		const report = await run({ dryRun: true });
		expect(report).toMatchObject({ dryRun: true, success: true });
		expectOrdered(Object.keys(report));
		expect(Object.keys(report)).toContain('preview');
	});
});
