/** The example workflows in examples/, and the one change a CLI run needs. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

export const EXAMPLES_DIR = path.resolve(__dirname, '../../examples');

export type ExampleWorkflow = IWorkflowBase & { id: string; name: string };

export function exampleFiles(): string[] {
	return readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort();
}

export function loadExample(file: string): ExampleWorkflow {
	return JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as ExampleWorkflow;
}

/**
 * `n8n execute` starts only from a Manual Trigger: swap a Schedule Trigger for one of the same name,
 * so connections and expressions that name the trigger keep working.
 */
export function withManualTrigger(workflow: ExampleWorkflow): ExampleWorkflow {
	const copy = structuredClone(workflow);
	copy.nodes = copy.nodes.map((node) =>
		node.type === 'n8n-nodes-base.scheduleTrigger'
			? { ...node, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} }
			: node,
	);
	return copy;
}

/** The sandbox cohorts (sandbox/amplitude DEFAULT_COHORTS) each example reads, by example. */
export const EXAMPLE_COHORT_IDS = {
	/** 5,000 members: downloaded through the S3 redirect. */
	profile: 'def456',
	/** 25 members, compact output. */
	app: 'abc123',
	/** 200 members. */
	alert: 'mno345',
	/** big-cohort-to-batch-profile.json: the same 5,000 members, handed over as a CSV file. */
	bigCohortCsv: 'def456',
} as const;

/** Points the example's notification (an HTTP Request node) at a test sink instead of the placeholder URL. */
export function withNotificationUrl(workflow: ExampleWorkflow, url: string): ExampleWorkflow {
	const copy = structuredClone(workflow);
	for (const node of copy.nodes) {
		if (node.type === 'n8n-nodes-base.httpRequest') node.parameters = { ...node.parameters, url };
	}
	return copy;
}
