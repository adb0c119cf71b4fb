/** Workflows that run our Batch nodes through n8n's engine against the Batch sandbox, and what tests check on them. */
import { Container } from '@n8n/di';
import { Logger } from '@n8n/backend-common';
import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { runWorkflow, type RunOptions, type WorkflowJson, type WorkflowRunResult } from '../harness/workflow-runner';
import type { BatchSandbox } from '../../sandbox/batch';

export const PACKAGE = 'n8n-nodes-amplitude-batch';

/** Short backoffs so retry tests stay quick (Retry-After still wins when the sandbox sends one). */
export const FAST_RETRIES = { maxRetries: 4, retryBaseDelayMs: 5 };

export function nodeWorkflow(type: 'batch' | 'batchProfile', parameters: INodeParameters, settings: Partial<INode> = {}): WorkflowJson {
	const credential = type === 'batch' ? 'batchApi' : 'batchProfileApi';
	return {
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Sync',
				type: `${PACKAGE}.${type}`,
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters,
				credentials: { [credential]: { id: '1', name: 'batch' } },
				...settings,
			},
		],
		connections: { Start: { main: [[{ node: 'Sync', type: 'main' as const, index: 0 }]] } },
	};
}

export function appCredentials(sb: BatchSandbox, overrides: IDataObject = {}) {
	return { batchApi: { apiKey: sb.appKeys[0], restApiKey: sb.restApiKey, baseUrl: sb.url, ...overrides } };
}

export function projectCredentials(sb: BatchSandbox, overrides: IDataObject = {}) {
	return { batchProfileApi: { projectApiKey: sb.projectKeys[0], restApiKey: sb.restApiKey, baseUrl: sb.url, ...overrides } };
}

export const audience = (name: string) => ({ __rl: true, mode: 'name', value: name });

export const idItems = (ids: Array<string | null | number>, extra: (id: unknown, i: number) => IDataObject = () => ({})) =>
	ids.map((user_id, i): INodeExecutionData => ({ json: { amplitude_id: 1000 + i, user_id, ...extra(user_id, i) } }));

export const ids = (count: number, prefix = 'user-') =>
	Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(7, '0')}`);

/** The single report item of a sync. */
export function reportOf(result: WorkflowRunResult): IDataObject {
	const items = result.nodes.Sync?.items[0] ?? [];
	if (result.status !== 'success' || items.length !== 1) {
		throw new Error(`Expected one report item, got status ${result.status}: ${result.error?.message ?? ''} ${result.error?.description ?? ''}`);
	}
	return items[0].json;
}

/** Every line logged through n8n's Logger during `run`, to check what reaches the logs. */
export async function withLogCapture<T>(run: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
	const original = Container.get(Logger);
	const lines: string[] = [];
	const record = (level: string) => (message: string, meta?: object) => {
		lines.push(`${level}: ${message} ${meta ? JSON.stringify(meta) : ''}`);
	};
	const capturing = {
		debug: record('debug'),
		info: record('info'),
		warn: record('warn'),
		error: record('error'),
		scoped: () => capturing,
	};
	Container.set(Logger, capturing as unknown as Logger);
	try {
		return { value: await run(), lines };
	} finally {
		Container.set(Logger, original);
	}
}

/** Everything of a run a person could see: outputs, error fields, editor messages, static data. */
export function visibleText(result: WorkflowRunResult): string {
	const error = result.error ?? result.nodes.Sync?.error;
	return JSON.stringify({
		nodes: Object.fromEntries(Object.entries(result.nodes).map(([name, run]) => [name, run.items])),
		error: error && {
			message: error.message,
			description: error.description,
			stack: error.stack,
			context: error.context,
			httpCode: error.httpCode,
			messages: (error as { messages?: unknown }).messages,
		},
		nodeError: result.nodes.Sync?.error && { message: result.nodes.Sync.error.message, description: result.nodes.Sync.error.description },
		ui: result.uiMessages,
		staticData: result.staticData,
	});
}

/** Write calls the sandbox received (what a sync actually sent). */
export function writesIn(sb: BatchSandbox) {
	return sb.log.filter((entry) => entry.method !== 'GET');
}

export function sentIds(sb: BatchSandbox, action?: 'add' | 'remove'): string[] {
	const out: string[] = [];
	for (const entry of writesIn(sb)) {
		const body = entry.body ? (JSON.parse(entry.body) as { ids?: Array<{ id: string; action?: string }> }) : {};
		for (const item of body.ids ?? []) if (!action || (item.action ?? 'add') === action) out.push(item.id);
	}
	return out.sort();
}

export type { RunOptions };
export { runWorkflow };
