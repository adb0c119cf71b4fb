/**
 * What Get cohort remembers between runs: per project, how many exports this workflow started this
 * month; per node and cohort, the listing it saw at its last complete export. Everything goes through
 * ExportRecordStore so the backing store (today n8n's workflow static data) can be swapped in one place.
 * Keys hold a truncated SHA-256 of the API key, never the key.
 */
import { createHash } from 'crypto';

/** The cohort as the free listing showed it when its export completed. */
export interface CohortExportRecord {
	/** ISO date, or null when Amplitude gave none. */
	lastComputed: string | null;
	size: number;
	/** ISO date of the end of the export. */
	exportedAt: string;
}

/** Exports started in one UTC month ("2026-12"). */
export interface MonthlyExportCount {
	month: string;
	count: number;
}

export interface ExportRecordStore {
	monthlyCount(project: string): MonthlyExportCount | undefined;
	saveMonthlyCount(project: string, count: MonthlyExportCount): void;
	cohortRecord(project: string, cohortId: string): CohortExportRecord | undefined;
	saveCohortRecord(project: string, cohortId: string, record: CohortExportRecord): void;
}

/** Stable, non-reversible name of an Amplitude project: its API key hashed. */
export function projectKeyOf(apiKey: string): string {
	return createHash('sha256').update(`amplitude\n${apiKey}`).digest('hex').slice(0, 16);
}

export const COUNTS_KEY = 'amplitudeExportCounts';
export const RECORDS_KEY = 'amplitudeCohortExports';

type StaticDataObject = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readCount(value: unknown): MonthlyExportCount | undefined {
	if (!isObject(value) || typeof value.month !== 'string' || !Number.isInteger(value.count)) return undefined;
	return { month: value.month, count: Math.max(0, value.count as number) };
}

function readRecord(value: unknown): CohortExportRecord | undefined {
	if (!isObject(value) || typeof value.exportedAt !== 'string' || typeof value.size !== 'number') return undefined;
	if (value.lastComputed !== null && typeof value.lastComputed !== 'string') return undefined;
	return { lastComputed: value.lastComputed as string | null, size: value.size, exportedAt: value.exportedAt };
}

/**
 * n8n's static data (`getWorkflowStaticData`): counts in the workflow's global data (one budget per
 * workflow and project), cohort records in the node's own data (two Get cohort nodes on one cohort each
 * keep their own). Writes replace a top-level entry: n8n notices changes only at that level, and saves
 * static data after production executions only.
 */
export function staticDataExportStore(globalData: StaticDataObject, nodeData: StaticDataObject): ExportRecordStore {
	const entries = (data: StaticDataObject, key: string): Record<string, unknown> =>
		isObject(data[key]) ? (data[key] as Record<string, unknown>) : {};
	return {
		monthlyCount: (project) => readCount(entries(globalData, COUNTS_KEY)[project]),
		saveMonthlyCount: (project, count) => {
			globalData[COUNTS_KEY] = { ...entries(globalData, COUNTS_KEY), [project]: { ...count } };
		},
		cohortRecord: (project, cohortId) => readRecord(entries(nodeData, RECORDS_KEY)[`${project}:${cohortId}`]),
		saveCohortRecord: (project, cohortId, record) => {
			nodeData[RECORDS_KEY] = { ...entries(nodeData, RECORDS_KEY), [`${project}:${cohortId}`]: { ...record } };
		},
	};
}

/** A store in plain memory (tests, simulations). */
export function memoryExportStore(): ExportRecordStore & { global: StaticDataObject; node: StaticDataObject } {
	const globalData: StaticDataObject = {};
	const nodeData: StaticDataObject = {};
	return { ...staticDataExportStore(globalData, nodeData), global: globalData, node: nodeData };
}
