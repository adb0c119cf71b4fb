import type { IExecuteFunctions } from 'n8n-workflow';

import { executeDelete } from '../../../shared/audience/simple-operations';
import { batchProfileBackend } from '../../transport/backend';

export async function execute(this: IExecuteFunctions) {
	return await executeDelete(this, batchProfileBackend);
}
