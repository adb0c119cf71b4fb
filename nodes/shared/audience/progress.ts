/** Progress of a long sync: shown to a manual run (sendMessageToUI) and logged, keys scrubbed. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { scrubText } from '../secrets';
import { describeEvent, type SyncEventListener } from '../sync/events';

export function progressListener(ctx: IExecuteFunctions, audienceName: string, secrets: string[]): SyncEventListener {
	return (event) => {
		const text = scrubText(`Batch audience "${audienceName}": ${describeEvent(event)}`, secrets);
		if (event.type === 'retry' || event.type === 'chunkFailed') ctx.logger.warn(text);
		else ctx.logger.info(text);
		ctx.sendMessageToUI(text);
	};
}
