/**
 * `npm run sandbox`: starts the Amplitude and Batch sandboxes and prints their addresses and credentials.
 * Fault knobs from the command line, e.g.
 *   npm run sandbox -- --amplitude-port 8101 --batch-port 8102 --rate-limit-fraction 0.05 --latency-ms 20
 *   npm run sandbox -- --cohort big:Big cohort:2000000 --export-ms 30000 --gzip magic-only
 */
import { parseArgs } from 'node:util';

import { describeAmplitudeSandbox, startAmplitudeSandbox, DEFAULT_COHORTS, type CohortSpec } from './amplitude';
import { describeBatchSandbox, startBatchSandbox } from './batch';
import type { FaultPlan, RetryAfterStyle } from './shared/faults';

const HELP = `Usage: npm run sandbox -- [options]
  --amplitude-port N          Amplitude sandbox port (default: a free port)
  --batch-port N              Batch sandbox port (default: a free port)
  --host H                    listen address (default 127.0.0.1)
  --cohort ID:NAME:SIZE       add a generated cohort (repeatable; size up to 2000000)
  --export-ms N               how long an export stays "JOB INPROGRESS" (default 1000)
  --gzip header|magic-only|none
  --expire-s3-links N         the next N pre-signed S3 links are already expired
  --reset-downloads N         cut the next N downloads mid-body (connection reset)
  --cut-downloads N           the next N downloads end cleanly after --cut-at-percent of their bytes
                              (a gzip body then lacks its trailer)
  --cut-at-percent P          default 50
  --cut-at-line-end           cut the CSV at a line end and encode it whole: a short, well-formed file
  --stall-downloads N         the next N downloads send --stall-at-percent of their bytes, then nothing
  --stall-at-percent P        default 50
  --download-framing chunked|content-length|close
                              close: no Content-Length, no chunks, the socket closing ends the body
  --indexing-ms N             how long Batch indexing stays IN_PROGRESS (default 200)
  --rate-limit-next N         answer 429 to the next N requests (both sandboxes)
  --rate-limit-fraction F     answer 429 to a fraction F of requests
  --retry-after N             seconds announced in Retry-After (default 1)
  --retry-after-style seconds|date|none
  --storm N:S                 a throttling storm: the next N requests answer 429 with Retry-After: S seconds
                              (same as --rate-limit-next N --retry-after S)
  --server-errors-next N      answer 5xx to the next N requests
  --server-errors-fraction F  answer 5xx to a fraction F of requests
  --server-error-status S     500, 502, 503 or 504 (default 500)
  --latency-ms N              added before every answer (above a node's Request Timeout: a timed-out call)
  --echo-credentials-next N   the next N requests get an error whose body echoes the credentials they carried
                              (Amplitude: "Invalid credentials: <key>:<secret>" and the Basic header; Batch: the
                              REST, app and project keys and the auth headers)
  --echo-credentials-status S status of those answers (default 401)
  --concurrency-limit N       concurrent requests per project before a 429 (Amplitude: 5, the default)
  --busy-requests N           requests other tools keep in flight on the project (count against the limit)
  --parallel-exports N        exports running at once per project before a 429 (Amplitude: 4; default 0, off)
  --busy-exports N            exports other tools keep running on the project (count against that limit)
  --exports-per-10-minutes N  export requests per 10 minutes before a 429 (Amplitude: 60; default 0, off)
  --recompute-every S         recompute every cohort every S seconds (new lastComputed; cohorts with churn change members)
  --help`;

function faultPlan(values: Record<string, string | boolean | string[] | undefined>): FaultPlan {
	const number = (name: string) => (values[name] === undefined ? undefined : Number(values[name]));
	const plan: FaultPlan = {};
	if (typeof values.storm === 'string') {
		const [next, seconds] = values.storm.split(':').map(Number);
		if (!Number.isInteger(next) || !(seconds >= 0)) throw new Error(`--storm expects N:SECONDS, got "${values.storm}"`);
		values['rate-limit-next'] = String(next);
		values['retry-after'] = String(seconds);
	}
	if (values['echo-credentials-next'] !== undefined) {
		plan.credentialEcho = { next: number('echo-credentials-next'), status: number('echo-credentials-status') };
	}
	if (values['rate-limit-next'] !== undefined || values['rate-limit-fraction'] !== undefined) {
		plan.rateLimit = {
			next: number('rate-limit-next'),
			fraction: number('rate-limit-fraction'),
			retryAfterSeconds: number('retry-after'),
			retryAfterStyle: values['retry-after-style'] as RetryAfterStyle | undefined,
		};
	}
	if (values['server-errors-next'] !== undefined || values['server-errors-fraction'] !== undefined) {
		plan.serverErrors = {
			next: number('server-errors-next'),
			fraction: number('server-errors-fraction'),
			status: number('server-error-status'),
		};
	}
	if (values['latency-ms'] !== undefined) plan.latencyMs = number('latency-ms');
	return plan;
}

function parseCohort(text: string): CohortSpec {
	const [id, name, size] = text.split(':');
	if (!id || !name || !Number.isInteger(Number(size))) throw new Error(`--cohort expects ID:NAME:SIZE, got "${text}"`);
	return { id, name, size: Number(size) };
}

async function main() {
	const { values } = parseArgs({
		options: {
			'amplitude-port': { type: 'string' },
			'batch-port': { type: 'string' },
			host: { type: 'string', default: '127.0.0.1' },
			cohort: { type: 'string', multiple: true },
			'export-ms': { type: 'string' },
			gzip: { type: 'string' },
			'expire-s3-links': { type: 'string' },
			'reset-downloads': { type: 'string' },
			'cut-downloads': { type: 'string' },
			'cut-at-percent': { type: 'string' },
			'cut-at-line-end': { type: 'boolean' },
			'stall-downloads': { type: 'string' },
			'stall-at-percent': { type: 'string' },
			'download-framing': { type: 'string' },
			'indexing-ms': { type: 'string' },
			'rate-limit-next': { type: 'string' },
			'rate-limit-fraction': { type: 'string' },
			'retry-after': { type: 'string' },
			'retry-after-style': { type: 'string' },
			'server-errors-next': { type: 'string' },
			'server-errors-fraction': { type: 'string' },
			'server-error-status': { type: 'string' },
			'latency-ms': { type: 'string' },
			storm: { type: 'string' },
			'echo-credentials-next': { type: 'string' },
			'echo-credentials-status': { type: 'string' },
			'recompute-every': { type: 'string' },
			'concurrency-limit': { type: 'string' },
			'busy-requests': { type: 'string' },
			'parallel-exports': { type: 'string' },
			'busy-exports': { type: 'string' },
			'exports-per-10-minutes': { type: 'string' },
			help: { type: 'boolean' },
		},
	});
	if (values.help) {
		console.log(HELP);
		return;
	}

	const amplitude = await startAmplitudeSandbox({
		port: Number(values['amplitude-port'] ?? 0),
		host: values.host,
		cohorts: [...DEFAULT_COHORTS, ...(values.cohort ?? []).map(parseCohort)],
	});
	if (values['export-ms']) amplitude.knobs.exportDurationMs = Number(values['export-ms']);
	if (values.gzip) amplitude.knobs.gzip = values.gzip as typeof amplitude.knobs.gzip;
	if (values['expire-s3-links']) amplitude.knobs.expireNextS3Links = Number(values['expire-s3-links']);
	if (values['reset-downloads']) amplitude.knobs.resetNextDownloads = Number(values['reset-downloads']);
	if (values['cut-downloads']) amplitude.knobs.cutNextDownloads = Number(values['cut-downloads']);
	if (values['cut-at-percent']) amplitude.knobs.cutAtPercent = Number(values['cut-at-percent']);
	if (values['cut-at-line-end']) amplitude.knobs.cutAtLineEnd = true;
	if (values['stall-downloads']) amplitude.knobs.stallNextDownloads = Number(values['stall-downloads']);
	if (values['stall-at-percent']) amplitude.knobs.stallAtPercent = Number(values['stall-at-percent']);
	if (values['download-framing']) {
		const framing = values['download-framing'];
		if (framing !== 'chunked' && framing !== 'content-length' && framing !== 'close') {
			throw new Error(`--download-framing expects chunked, content-length or close, got "${framing}"`);
		}
		amplitude.knobs.downloadFraming = framing;
	}

	const limits = [
		['concurrency-limit', 'concurrencyLimit'],
		['busy-requests', 'busyRequests'],
		['parallel-exports', 'parallelExportLimit'],
		['busy-exports', 'busyExports'],
		['exports-per-10-minutes', 'exportRequestsPer10Minutes'],
	] as const;
	for (const [flag, knob] of limits) {
		const text = values[flag];
		if (text === undefined) continue;
		if (!Number.isInteger(Number(text)) || Number(text) < 0) throw new Error(`--${flag} expects a whole number, got "${text}"`);
		amplitude.knobs[knob] = Number(text);
	}

	const recomputeSeconds = Number(values['recompute-every'] ?? 0);
	if (values['recompute-every'] !== undefined && !(recomputeSeconds > 0)) throw new Error('--recompute-every expects a number of seconds above 0');
	const recomputeTimer =
		recomputeSeconds > 0
			? setInterval(() => console.log(`Amplitude sandbox: recomputed ${amplitude.recompute().join(', ')}`), recomputeSeconds * 1000)
			: undefined;

	const batch = await startBatchSandbox({ port: Number(values['batch-port'] ?? 0), host: values.host });
	if (values['indexing-ms']) batch.knobs.indexingDelayMs = Number(values['indexing-ms']);

	const plan = faultPlan(values);
	amplitude.faults.set(plan);
	batch.faults.set(plan);

	console.log(['Amplitude sandbox', ...describeAmplitudeSandbox(amplitude).map((line) => `  ${line}`)].join('\n'));
	console.log(['Batch sandbox', ...describeBatchSandbox(batch).map((line) => `  ${line}`)].join('\n'));
	if (Object.keys(plan).length > 0) console.log(`Faults: ${JSON.stringify(plan)}`);
	console.log('Press Ctrl+C to stop.');

	const stop = async () => {
		if (recomputeTimer) clearInterval(recomputeTimer);
		await Promise.all([amplitude.close(), batch.close()]);
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(error.message);
	process.exit(1);
});
