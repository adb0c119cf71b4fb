/**
 * Batch Profile's Upsert no longer shows 0.1.0's "Audience Type" dropdown (one option, Customer User ID:
 * nothing to choose). Workflows saved with it keep working: the value is not read, audiences are still
 * created as Customer User ID audiences.
 */
import { BatchProfile } from '../../nodes/Batch/BatchProfile.node';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { FAST_RETRIES, audience, idItems, nodeWorkflow, projectCredentials, reportOf, runWorkflow } from './batch-workflow-helpers';

describe('Batch Profile: no Audience Type dropdown', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox();
	});
	afterAll(() => sb.close());

	it('the node has no audienceType parameter', () => {
		const names = new BatchProfile().description.properties.map((property) => property.name);
		expect(names).not.toContain('audienceType');
		expect(names).toContain('displayName');
	});

	it('a workflow saved with audienceType still creates a Customer User ID audience', async () => {
		const saved = nodeWorkflow('batchProfile', {
			resource: 'audience',
			operation: 'upsert',
			audience: audience('saved_with_type'),
			audienceType: 'custom_ids',
			displayName: 'Saved by 0.1.0',
			options: FAST_RETRIES,
		});
		const report = reportOf(await runWorkflow(saved, { credentials: projectCredentials(sb), triggerItems: idItems(['u1', 'u2']) }));
		expect(report).toMatchObject({ success: true, audienceCreated: true, added: 2 });
		expect(sb.projectAudience(sb.projectKeys[0], 'saved_with_type')).toMatchObject({ type: 'custom_ids' });
		expect(sb.projectAudienceIds(sb.projectKeys[0], 'saved_with_type')).toEqual(['u1', 'u2']);
	});
});
