/** What every route needs, and the wrapper that turns thrown problems into the family's error answer. */
import type http from 'node:http';

import type { BatchCredentials } from './auth';
import type { BatchKnobs } from './config';
import { BatchError, batchErrors, sendBatchError, type ApiFamily } from './errors';
import type { AudienceStore } from './store';
import { InvalidRequest } from './validation';
import type { WriteGate } from './write-gate';
import type { RouteHandler, SandboxRequest } from '../shared/server';

export interface BatchContext {
	store: AudienceStore;
	knobs: BatchKnobs;
	credentials: BatchCredentials;
	writes: WriteGate;
}

/** Invalid requests are API_MISUSE (403) in the Custom Audience API, and 400s in the Audiences API. */
function errorFor(family: ApiFamily, problem: InvalidRequest): BatchError {
	if (family === 'custom-audience') return batchErrors.apiMisuse(problem.message);
	return problem.kind === 'missing' ? batchErrors.missingParameter(problem.message) : batchErrors.malformedParameter(problem.message);
}

export function batchRoute(
	family: ApiFamily,
	context: BatchContext,
	handler: (req: SandboxRequest, res: http.ServerResponse) => void,
): RouteHandler {
	return (req, res) => {
		try {
			handler(req, res);
		} catch (problem) {
			if (problem instanceof InvalidRequest) sendBatchError(res, family, errorFor(family, problem), context.knobs.errorBodyStyle);
			else if (problem instanceof BatchError) sendBatchError(res, family, problem, context.knobs.errorBodyStyle);
			else throw problem;
		}
	};
}

/**
 * Runs one write call under `failWritesAfter`: refused once the budget is spent, counted when it succeeds.
 * Handlers are synchronous, so two writes can never both pass the check on the last unit of budget.
 */
export function guardedWrite<T>(context: BatchContext, write: () => T): T {
	const rejection = context.writes.rejection();
	if (rejection) throw rejection;
	const result = write();
	context.writes.succeeded();
	return result;
}
