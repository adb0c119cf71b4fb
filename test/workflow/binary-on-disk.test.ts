/**
 * The binary hand-over as a default n8n runs it: the Amplitude node's CSV goes to a file (by id), and the
 * Batch Profile node reads it back as a stream of pieces, through the byte-level column reader.
 */
import type { IDataObject } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { benchWorkflow } from '../../scripts/bench/workflow';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { useFilesystemBinaryData } from '../harness/binary-data';
import { runWorkflow } from '../harness/workflow-runner';

const COHORT = 'disk30k';

async function storedText(id: string): Promise<string> {
	const { Container } = await import('@n8n/di');
	const { BinaryDataService } = await import('n8n-core');
	const parts: Buffer[] = [];
	for await (const part of await Container.get(BinaryDataService).getAsStream(id)) parts.push(part as Buffer);
	return Buffer.concat(parts).toString();
}
const AUDIENCE = 'from_disk';

describe('binary CSV stored on disk', () => {
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let credentials: Record<string, IDataObject>;

	beforeAll(async () => {
		await useFilesystemBinaryData();
		// 30,000 members: about 1 MB of CSV, read back from the file in many pieces.
		amplitude = await startAmplitudeSandbox({ cohorts: [{ id: COHORT, name: 'On disk', size: 30_000 }], knobs: { exportDurationMs: 100 } });
		batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
		credentials = Object.fromEntries(sandboxCredentials(amplitude.url, batch.url).map((c) => [c.type, c.data]));
	});
	afterAll(() => Promise.all([amplitude.close(), batch.close()]));

	it.each(['binary', 'binaryUserId'] as const)('syncs every identified member from the stored file (%s)', async (handover) => {
		const workflow = benchWorkflow({ handover, cohortId: COHORT, audience: AUDIENCE, mode: 'replace', concurrency: 2, pollIntervalSeconds: 0.1 });
		const result = await runWorkflow(workflow, { credentials: credentials as never, mode: 'trigger' });
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');

		const file = result.nodes['Get cohort'].items[0][0].binary!.data;
		expect(file.id).toMatch(/^filesystem/);
		expect(file.data).not.toMatch(/user-/);
		const stored = (await storedText(file.id!)).split('\n');
		expect(stored[0]).toBe(handover === 'binary' ? '"amplitude_id","user_id"' : '"user_id"');
		expect(stored[1]).toMatch(handover === 'binary' ? /^"\d+","user-\d+"$/ : /^"user-\d+"$/);

		const identified: string[] = [];
		for await (const member of amplitude.members(COHORT)) if (member.user_id) identified.push(member.user_id);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCE)).toEqual(identified.sort());
		expect(result.nodes['Upsert audience'].items[0][0].json).toMatchObject({ success: true, unique: identified.length, invalid: 0 });
	});
});
