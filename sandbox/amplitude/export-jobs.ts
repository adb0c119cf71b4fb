/**
 * Asynchronous cohort exports (endpoints 2-4): each start is metered, takes a snapshot of the
 * cohort, and becomes ready `exportDurationMs` later (the knob's value when it started).
 */
import { randomBytes } from 'node:crypto';

import type { CohortSnapshot } from './cohorts';

export interface ExportJob {
	requestId: string;
	cohortId: string;
	apiKey: string;
	/** `props=1` was sent. */
	props: boolean;
	/** Every `propKeys` value, in order, as received. */
	propKeys: string[];
	/** The query string as received (to see what a client really sent, e.g. `propKeys[]`). */
	query: string;
	startedAt: number;
	readyAt: number;
	/** Set once a poll reported a failure: the job never completes. */
	failedStatus?: string;
	snapshot: CohortSnapshot;
}

const TEN_MINUTES_MS = 10 * 60 * 1000;

export type ExportLimitVerdict = { allowed: true } | { allowed: false; reason: string };

export class ExportJobs {
	/** In start order. */
	readonly jobs: ExportJob[] = [];

	private readonly byRequestId = new Map<string, ExportJob>();

	get started(): number {
		return this.jobs.length;
	}

	/** Amplitude's single-cohort limits (0 = not enforced). */
	/** `busy`: exports other tools are running on the same project, counted against `parallel`. */
	checkLimits(apiKey: string, now: number, perTenMinutes: number, parallel: number, busy = 0): ExportLimitVerdict {
		const mine = this.jobs.filter((job) => job.apiKey === apiKey);
		if (perTenMinutes > 0 && mine.filter((job) => now - job.startedAt < TEN_MINUTES_MS).length >= perTenMinutes) {
			return { allowed: false, reason: `Exceeded the limit of ${perTenMinutes} cohort requests per 10 minutes for this project.` };
		}
		if (parallel > 0 && mine.filter((job) => !job.failedStatus && job.readyAt > now).length + busy >= parallel) {
			return { allowed: false, reason: `Exceeded the limit of ${parallel} parallel cohort requests for this project.` };
		}
		return { allowed: true };
	}

	start(fields: Omit<ExportJob, 'requestId'>): ExportJob {
		let requestId: string;
		do requestId = randomBytes(5).toString('base64url').slice(0, 6);
		while (this.byRequestId.has(requestId));
		const job: ExportJob = { requestId, ...fields };
		this.jobs.push(job);
		this.byRequestId.set(requestId, job);
		return job;
	}

	get(requestId: string): ExportJob | undefined {
		return this.byRequestId.get(requestId);
	}
}
