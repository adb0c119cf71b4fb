/** A small, fixed catalogue covering the cases a node must handle out of the box. */
import type { CohortSpec } from './config';

export const DEFAULT_COHORTS: CohortSpec[] = [
	{ id: 'abc123', name: 'Power users (small)', size: 25, description: 'Active 5+ days in the last week' },
	{
		id: 'def456',
		name: 'Trial users (medium)',
		size: 5000,
		description: 'Large enough to be served through the S3 redirect',
		syncMetadata: [
			{ target: 'braze', frequency: 'hourly', last_successful: '2024-05-30T16:09:58.848454-07:00', last_failure: null, params: { user_id: 'analytics@example.com' } },
		],
	},
	{ id: 'ghi789', name: 'Churned 2023 (archived)', size: 40, archived: true, description: null },
	{ id: 'jkl012', name: 'Visitors, half anonymous', size: 60, anonymousRatio: 0.5, description: 'Many members have no user_id' },
	{ id: 'mno345', name: 'Weekly actives (changes every revision)', size: 200, revision: 1, churn: 0.1, description: null },
];
