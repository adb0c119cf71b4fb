/** Format `items`: one n8n item per member, `{ amplitude_id, user_id, ...properties }`, for field mapping. */
import type { IDataObject, INodeExecutionData, IPairedItemData } from 'n8n-workflow';

import type { MemberRows } from '../helpers/members';
import { emptyCounts, type MemberCounts } from './counts';

export async function pushMemberItems(
	memberRows: AsyncIterable<MemberRows>,
	settings: { skipAnonymous: boolean; pairedItem: IPairedItemData },
	output: INodeExecutionData[],
): Promise<MemberCounts> {
	const counts = emptyCounts();
	for await (const { columns, rows } of memberRows) {
		for (const { fields } of rows) {
			counts.memberCount++;
			const userId = fields[columns.userId];
			if (userId === '') {
				counts.anonymousCount++;
				if (settings.skipAnonymous) continue;
			}
			const json: IDataObject = { amplitude_id: fields[columns.amplitudeId], user_id: userId };
			for (const property of columns.properties) json[property.name] = fields[property.index];
			// One pairedItem object per input item, shared: a million copies would only cost memory.
			output.push({ json, pairedItem: settings.pairedItem });
		}
	}
	return counts;
}
