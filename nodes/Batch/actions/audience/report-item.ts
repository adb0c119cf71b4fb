/**
 * The report as an n8n item. n8n saves every production execution with each node's output, so long id
 * lists stay out of the JSON: at most 1,000 ids of `unappliedIds` there, and the full list (and, for a
 * dry run, every planned change) in a CSV file in the item's binary data, which n8n keeps in its binary
 * data storage. An execution hint says so when a list is long.
 */
import type { IBinaryData, IBinaryKeyData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { formatCsvLine } from '../../../shared/csv';
import type { PlannedChunk } from '../../sync/plan';
import type { SyncReport } from '../../sync/report';

const MAX_IDS_IN_JSON = 1000;

export interface ReportItem {
	json: IDataObject;
	binary?: IBinaryKeyData;
}

/** Above this many ids in a report's files, the execution shows a hint about what it stores. */
const HINT_ABOVE_IDS = 10_000;

export async function reportItem(
	ctx: IExecuteFunctions,
	report: SyncReport,
	plannedChunks: PlannedChunk[] | undefined,
): Promise<ReportItem> {
	const binary: Record<string, IBinaryData> = {};
	const json = { ...report } as unknown as IDataObject;
	const unapplied = report.unappliedIds;
	json.unappliedIdsCount = unapplied.length;
	if (unapplied.length > MAX_IDS_IN_JSON) {
		json.unappliedIds = unapplied.slice(0, MAX_IDS_IN_JSON);
		binary.unappliedIds = await csvFile(ctx, `${report.audience}-unapplied-ids.csv`, ['id'], unapplied.map((id) => [id]));
		json.notes = [...report.notes, `unappliedIds shows the first ${MAX_IDS_IN_JSON} of ${unapplied.length} ids: all of them are in the binary field "unappliedIds".`];
	}
	const planned = plannedChunks?.reduce((sum, chunk) => sum + chunk.ids.length, 0) ?? 0;
	if (plannedChunks && planned > (report.preview?.add.length ?? 0) + (report.preview?.remove.length ?? 0)) {
		const rows: string[][] = [];
		for (const { action, ids } of plannedChunks) for (let index = 0; index < ids.length; index++) rows.push([action, ids.get(index)]);
		binary.preview = await csvFile(ctx, `${report.audience}-dry-run.csv`, ['action', 'id'], rows);
	}
	const idsInFiles = (unapplied.length > MAX_IDS_IN_JSON ? unapplied.length : 0) + (binary.preview ? planned : 0);
	if (idsInFiles > HINT_ABOVE_IDS && typeof ctx.addExecutionHints === 'function') {
		ctx.addExecutionHints({
			type: 'info',
			location: 'outputPane',
			message:
				`The report of audience "${report.audience}" lists ${idsInFiles} ids: they are in its binary fields (n8n's binary ` +
				'data storage), not in the saved execution\'s JSON.',
		});
	}
	return Object.keys(binary).length > 0 ? { json, binary } : { json };
}

async function csvFile(ctx: IExecuteFunctions, fileName: string, header: string[], rows: string[][]): Promise<IBinaryData> {
	const parts: string[] = [formatCsvLine(header)];
	for (const row of rows) parts.push(formatCsvLine(row));
	return await ctx.helpers.prepareBinaryData(Buffer.from(parts.join('')), fileName, 'text/csv');
}
