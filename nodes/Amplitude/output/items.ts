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
	for await (const { columns, fields } of memberRows) {
		for (let row = 0; row < fields.length; row += columns.width) {
			counts.memberCount++;
			const userId = fields[row + columns.userId];
			if (userId === '') {
				counts.anonymousCount++;
				if (settings.skipAnonymous) continue;
			}
			const json: IDataObject = { amplitude_id: fields[row + columns.amplitudeId], user_id: userId };
			for (const property of columns.properties) json[property.name] = fields[row + property.index];
			// One pairedItem object per input item, shared: a million copies would only cost memory.
			output.push({ json, pairedItem: settings.pairedItem });
		}
	}
	return counts;
}
