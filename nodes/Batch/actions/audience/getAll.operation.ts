import type { IExecuteFunctions } from 'n8n-workflow';

import { executeGetAll } from '../../../shared/audience/simple-operations';
import { batchBackend } from '../../transport/backend';

export async function execute(this: IExecuteFunctions) {
	return await executeGetAll(this, batchBackend);
}
