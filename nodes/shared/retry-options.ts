/** The Retry Time Budget option, the same on Get cohort and on the Batch operations but for the service named. */
import type { INodeProperties } from 'n8n-workflow';

export function retryTimeBudgetOption(service: 'Amplitude' | 'Batch'): INodeProperties {
	return {
		displayName: 'Retry Time Budget (Seconds)',
		name: 'retryTimeBudgetSeconds',
		type: 'number',
		default: 300,
		typeOptions: { minValue: 0 },
		description: `How long this run may spend in all waiting out rate limits (429): they are retried, at least as long as ${service} asks and longer while they persist, until this time is used up`,
	};
}
