import type { IExecuteFunctions } from 'n8n-workflow';

import { executeSync } from '../../../shared/audience/run-sync';
import { batchProfileBackend } from '../../transport/backend';

export async function execute(this: IExecuteFunctions) {
	return await executeSync(this, 'removeMembers', batchProfileBackend);
}
