/**
 * Which input items feed which audience: one sync per distinct audience, so `Get many cohorts → Get cohort →
 * Upsert` with the audience name mapped from each cohort fills every audience in one node run. Parameters
 * typed in once (not expressions) are read once: evaluating them per item would cost minutes at a million
 * members. Items of one audience must agree on the mode and the identifier type.
 */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { SyncMode } from '../../sync/types';
import { readAudienceName } from './audience-name';
import { readSyncMode } from './settings';

export interface AudienceGroup {
	name: string;
	mode: SyncMode;
	/** Input items of this audience, in input order. */
	itemIndexes: number[];
}

/** Parameters that must be the same for every item of one audience. */
const PER_AUDIENCE_PARAMETERS = ['identifierType'] as const;

export function groupItemsByAudience(
	ctx: IExecuteFunctions,
	operation: 'upsert' | 'removeMembers',
	itemCount: number,
): AudienceGroup[] {
	const count = Math.max(1, itemCount);
	const perItem = (parameter: string) => isExpression(ctx.getNode().parameters[parameter]);
	if (!perItem('audience') && !perItem('mode') && !PER_AUDIENCE_PARAMETERS.some(perItem)) {
		return [{ name: readAudienceName(ctx, 0), mode: readSyncMode(ctx, operation, 0), itemIndexes: range(count) }];
	}
	const groups = new Map<string, AudienceGroup & { fixed: Record<string, unknown> }>();
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		const name = readAudienceName(ctx, itemIndex);
		const mode = readSyncMode(ctx, operation, itemIndex);
		const fixed: Record<string, unknown> = { mode };
		for (const parameter of PER_AUDIENCE_PARAMETERS) fixed[parameter] = ctx.getNodeParameter(parameter, itemIndex, '');
		const group = groups.get(name);
		if (!group) {
			groups.set(name, { name, mode, itemIndexes: [itemIndex], fixed });
			continue;
		}
		for (const [parameter, value] of Object.entries(fixed)) {
			if (value === group.fixed[parameter]) continue;
			throw new NodeOperationError(
				ctx.getNode(),
				`Items ${group.itemIndexes[0]} and ${itemIndex} both go to audience "${name}" but with a different ${parameter} ` +
					`(${JSON.stringify(group.fixed[parameter])} and ${JSON.stringify(value)})`,
				{ itemIndex, description: `One audience is synced once per run, with one ${parameter}: make the items of "${name}" agree.` },
			);
		}
		group.itemIndexes.push(itemIndex);
	}
	return [...groups.values()].map(({ name, mode, itemIndexes }) => ({ name, mode, itemIndexes }));
}

/** A parameter holding an expression anywhere in it (a resource locator keeps its value inside). */
function isExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (value && typeof value === 'object') return Object.values(value as Record<string, unknown>).some(isExpression);
	return false;
}

function range(count: number): number[] {
	return Array.from({ length: count }, (_value, index) => index);
}
