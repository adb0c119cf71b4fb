/**
 * Progress of a long run (an export, an audience sync): shown to the person watching a manual run (n8n
 * ignores sendMessageToUI in production executions) and logged, with every key scrubbed.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { scrubText } from './secrets';

export class ProgressReporter {
	constructor(
		private readonly ctx: IExecuteFunctions,
		/** What the messages are about: "Amplitude cohort abc", "Batch audience \"vip\"". */
		private readonly subject: string,
		private readonly secrets: string[] = [],
	) {}

	say(message: string, level: 'info' | 'warn' = 'info'): void {
		const text = scrubText(`${this.subject}: ${message}`, this.secrets);
		if (level === 'warn') this.ctx.logger.warn(text);
		else this.ctx.logger.info(text);
		this.ctx.sendMessageToUI(text);
	}
}
