import type { IExecuteFunctions } from 'n8n-workflow';

import { executeGet } from '../../../shared/audience/simple-operations';
import { batchBackend } from '../../transport/backend';

export async function execute(this: IExecuteFunctions) {
	return await executeGet(this, batchBackend);
}
