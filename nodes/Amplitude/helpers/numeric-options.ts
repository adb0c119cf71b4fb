/**
 * Get cohort's own numeric options (the retry, timeout and export-budget options validate themselves where
 * they are read), read the way the Batch nodes read theirs (a default when unset, clamped to
 * a sane range), with one more rule: a value an expression turned into NaN, text or a negative number is
 * an error naming the option, never a silent 0 (a poll every few milliseconds, no deadline, endless retries).
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

interface NumericOption {
	name: string;
	displayName: string;
	default: number;
	min: number;
	max: number;
	integer?: boolean;
}

const GET_COHORT_NUMBERS = {
	maxRetries: { name: 'maxRetries', displayName: 'Maximum Retries', default: 8, min: 0, max: 20, integer: true },
	maxWaitSeconds: { name: 'maxWaitSeconds', displayName: 'Maximum Wait (Seconds)', default: 600, min: 0, max: 86_400 },
	pollIntervalSeconds: { name: 'pollIntervalSeconds', displayName: 'Poll Interval (Seconds)', default: 5, min: 0.01, max: 3600 },
	downloadIdleTimeoutSeconds: {
		name: 'downloadIdleTimeoutSeconds',
		displayName: 'Download Idle Timeout (Seconds)',
		default: 60,
		min: 1,
		max: 3600,
	},
} satisfies Record<string, NumericOption>;

export type GetCohortNumbers = Record<keyof typeof GET_COHORT_NUMBERS, number>;

/** Get Many's Limit: a whole number from 1 to 10,000 (NaN, text or a negative number is an error). */
export function readGetManyLimit(ctx: IExecuteFunctions, itemIndex: number): number {
	const option = { name: 'limit', displayName: 'Limit', default: 50, min: 1, max: 10_000, integer: true };
	return readNumber(ctx, { limit: ctx.getNodeParameter('limit', itemIndex, 50) as IDataObject[string] }, option, itemIndex);
}

function readNumber(ctx: IExecuteFunctions, options: IDataObject, option: NumericOption, itemIndex: number): number {
	const raw = options[option.name];
	if (raw === undefined || raw === null || raw === '') return option.default;
	const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
	if (!Number.isFinite(value) || value < 0) {
		const shown = typeof raw === 'string' ? `"${raw.slice(0, 50)}"` : String(raw);
		throw new NodeOperationError(ctx.getNode(), `The option "${option.displayName}" must be a number of 0 or more, not ${shown}`, {
			itemIndex,
			description: `Check the expression that sets "${option.displayName}" (default ${option.default}).`,
		});
	}
	const clamped = Math.min(option.max, Math.max(option.min, value));
	return option.integer ? Math.round(clamped) : clamped;
}

/** Every numeric option of Get cohort, checked and clamped; throws on the first unusable one. */
export function readGetCohortNumbers(ctx: IExecuteFunctions, options: object, itemIndex: number): GetCohortNumbers {
	const numbers = {} as GetCohortNumbers;
	for (const [key, option] of Object.entries(GET_COHORT_NUMBERS)) {
		numbers[key as keyof GetCohortNumbers] = readNumber(ctx, options as IDataObject, option, itemIndex);
	}
	return numbers;
}
