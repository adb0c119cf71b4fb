/** Progress of a long export: to the person watching a manual run, and to n8n's log. */
import type { IExecuteFunctions } from 'n8n-workflow';

export class ProgressReporter {
	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly label: string,
	) {}

	say(message: string): void {
		const text = `Amplitude ${this.label}: ${message}`;
		this.ctx.logger.info(text);
		// Only shown in manual runs; n8n ignores it in production executions.
		this.ctx.sendMessageToUI(text);
	}
}
