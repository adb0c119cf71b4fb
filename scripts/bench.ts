/**
 * End-to-end benchmark: an Amplitude cohort synced into a Batch Profile audience through n8n's engine
 * (Get cohort → Upsert, Replace), against a floor doing the same HTTP work in plain Node
 * (scripts/bench-floor.ts); then Sync changes after a 1% membership change.
 *
 *   npm run bench                                  # 1M and 2M: items (1M only), compact (list), compactText, binary, binaryUserId
 *   npm run bench -- --quick                       # 100k, for a fast check
 *   npm run bench -- --sizes 2000000 --cases compact,binary
 *   npm run bench -- --repeat 5                    # runs per case (default 3), reported by the median
 *   npm run bench -- --write                       # also write bench-results.md (not committed)
 *   npm run bench -- --cpu-prof /tmp/prof          # V8 CPU profiles of every measured process (n8n's too)
 *   npm run bench -- --no-resync
 *   npm run bench -- --real-n8n                    # in a real `n8n start`: published schedule, saved executions
 *   npm run bench -- --real-n8n --quick            # the same at 100,000 members (the e2e test's check)
 *   npm run bench -- --real-n8n --gc-trace /tmp/gc # also n8n's V8 GC trace per run (--trace-gc --trace-incremental-marking)
 *   npm run bench -- --cases compactText           # the compact item with its user IDs as one text (Get cohort 1.1's default)
 *
 * --real-n8n (scripts/bench/real-n8n.ts): each output format at each size in a fresh `n8n start` (the pinned
 * n8n of scripts/n8n/install.sh), against the plain-Node floor on n8n's Node in the same run; sync time from
 * the sandboxes' logs, CPU time, n8n's idle and peak RSS, and what one saved execution adds to n8n's database and
 * binary data folder.
 *
 * Both sandboxes run in this process; each size's export file is stored in the Amplitude sandbox before
 * the runs, as S3 holds a finished export, so no run's figures include the sandbox generating and gzipping
 * it on the same cores. Every measurement is a fresh child process, so its peak RSS
 * (VmHWM) is that of "the n8n process" alone (n8n's engine, our nodes, ts-node for their sources),
 * or of the floor alone (plain node, built-ins only). Every run's final audience is checked against the
 * cohort: the two sides do the same work or the benchmark stops.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

import { expectedAudience } from './bench/audience-check';
import type { ChildOptions } from './bench/children';
import { CONCURRENCY, EXPORT_DURATION_MS, POLL_INTERVAL_MS, startEnvironment } from './bench/environment';
import { cohortIdOf, measureSize, type SyncRow } from './bench/full-sync';
import { phaseTable, resyncSection, syncTable, targetSummary } from './bench/report';
import { prepareRealN8n, realFloorRun, realN8nRun, type RealN8nRun } from './bench/real-n8n';
import { bytesPerItem, realRows, realTable, realTargets } from './bench/real-n8n-report';
import { measureResync, type ResyncResult } from './bench/resync';
import { HANDOVERS, type Handover } from './bench/workflow';

/** One item per member is for small cohorts: it is measured up to this size. */
const ITEMS_MAX_SIZE = 1_000_000;

interface Flags {
	sizes: number[];
	cases: Handover[];
	write: boolean;
	resync: boolean;
	repeat: number;
	cpuProfileDir?: string;
	/** --real-n8n only: V8's GC trace of each n8n run, written to this folder. */
	gcTraceDir?: string;
	realN8n: boolean;
}

function readFlags(argv: string[]): Flags {
	const value = (name: string) => {
		const at = argv.indexOf(`--${name}`);
		return at !== -1 ? argv[at + 1] : undefined;
	};
	const quick = argv.includes('--quick');
	const realN8n = argv.includes('--real-n8n');
	const sizes = (value('sizes') ?? (quick ? '100000' : '1000000,2000000')).split(',').map(Number);
	if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 2_000_000)) throw new Error('--sizes: whole numbers up to 2000000');
	const cases = (value('cases') ?? 'items,compact,compactText,binary,binaryUserId').split(',') as Handover[];
	if (cases.some((handover) => !HANDOVERS.includes(handover))) throw new Error(`--cases: ${HANDOVERS.join(', ')}`);
	// A real-n8n case takes a minute or more: one round unless asked.
	const repeat = Number(value('repeat') ?? (quick || realN8n ? 1 : 3));
	if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9) throw new Error('--repeat: a whole number from 1 to 9');
	const cpuProfileDir = value('cpu-prof');
	const gcTraceDir = value('gc-trace');
	return {
		sizes,
		cases,
		write: argv.includes('--write'),
		resync: !argv.includes('--no-resync'),
		repeat,
		cpuProfileDir: cpuProfileDir ? path.resolve(cpuProfileDir) : undefined,
		gcTraceDir: gcTraceDir ? path.resolve(gcTraceDir) : undefined,
		realN8n,
	};
}

function commandLine(argv: string[]): string {
	return `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
}

const say = (text: string) => process.stderr.write(`${text}\n`);

function writeResults(text: string, flags: Flags): void {
	process.stdout.write(`\n${text}`);
	if (flags.write) {
		const file = path.resolve(__dirname, '..', 'bench-results.md');
		writeFileSync(file, `# Benchmark results\n\n${text}`);
		say(`Written to ${file}`);
	}
}

const mb = (value: number | undefined) => `${Math.round(value ?? 0)} MB`;

/**
 * --real-n8n: each output format in a fresh `n8n start`, a floor run before each (this machine's speed drifts
 * over minutes: each n8n run is compared with the floors just before and after it too), and a closing floor
 * per size.
 */
async function mainRealN8n(argv: string[], flags: Flags): Promise<void> {
	const env = await startEnvironment();
	const runs: RealN8nRun[] = [];
	let n8nVersion = '';
	let nodeVersion = '';
	const report = (run: RealN8nRun) =>
		say(
			`  ${run.label}: sync ${(run.syncMs / 1000).toFixed(1)} s (Amplitude ${(run.amplitudeMs / 1000).toFixed(1)}, Batch ${(run.batchMs / 1000).toFixed(1)}), CPU ${(run.cpuMs / 1000).toFixed(1)} s` +
				(run.side === 'n8n'
					? `, execution ${((run.executionMs ?? 0) / 1000).toFixed(1)} s, RSS idle ${mb(run.idleRssMb)} peak ${mb(run.peakRssMb)}, ` +
						`database +${((run.dbGrowthBytes ?? 0) / 1e6).toFixed(2)} MB, binary data +${((run.binaryGrowthBytes ?? 0) / 1e6).toFixed(2)} MB`
					: `, peak RSS ${mb(run.floorPeakRssMb)}`),
		);
	try {
		const ctx = await prepareRealN8n(env, flags.sizes, flags.cases, say, { cpuProfileDir: flags.cpuProfileDir, gcTraceDir: flags.gcTraceDir });
		n8nVersion = ctx.runtime.n8nVersion;
		nodeVersion = execFileSync(path.join(ctx.runtime.nodeBinDir, 'node'), ['-p', 'process.version'], { encoding: 'utf8' }).trim();
		for (const size of flags.sizes) {
			env.amplitude.setCohort({ id: cohortIdOf(size), name: `Benchmark ${size}`, size });
			// Stored as a finished export leaves it on S3, so the sandbox's CPU is not in any run's figures.
			await env.amplitude.storeExportFile(cohortIdOf(size));
			const expected = await expectedAudience(env.amplitude, cohortIdOf(size));
			say(`${size.toLocaleString('en-US')} members (${expected.size.toLocaleString('en-US')} identified): ${flags.cases.join(', ')} in n8n start, each after a floor run`);
			for (let round = 1; round <= flags.repeat; round++) {
				for (const output of flags.cases) {
					report(runs[runs.push(await realFloorRun(ctx, size, expected)) - 1]);
					report(runs[runs.push(await realN8nRun(ctx, size, output, expected)) - 1]);
				}
			}
			report(runs[runs.push(await realFloorRun(ctx, size, expected)) - 1]);
		}
	} finally {
		await env.close();
		rmSync(env.workDir, { recursive: true, force: true });
	}
	const rows = realRows(runs);
	const resetNote = rows.some((row) => row.side === 'n8n' && row.peakSinceIdle === false)
		? ' (the kernel refused to reset the peak: it counts from n8n\'s start)'
		: '';
	const uncollected = rows.filter((row) => row.side === 'n8n' && row.idleCollected === false).length;
	const idleNote = uncollected > 0 ? ` (in ${uncollected} case(s) it did not come within a minute: idle is the settled RSS there)` : '';
	const lines = [
		`Command: \`${commandLine(argv)}\``,
		'',
		`n8n ${n8nVersion} (\`n8n start\`, SQLite, default execution saving and binary data mode) on Node ${nodeVersion}, ` +
			`${new Date().toISOString().slice(0, 10)}; ${cpus().length} cores, shared with the sandboxes (in the bench's own process; the export file stored beforehand, as S3 holds a finished export). ` +
			'Schedule Trigger → Get cohort → Batch Profile Upsert (Replace), published once n8n is idle; one production execution per ' +
			'case, each in a fresh n8n. Sync s: first Amplitude request to the end of the last Batch write, from the sandboxes\' logs ' +
			'(the same for the floor, plain Node on n8n\'s Node, run before each n8n run and after the last; its peak RSS in brackets); ' +
			'× floor: over the median floor run (the lower middle); × floors around it: over the mean of the floor runs just before and after it. ' +
			'Amplitude s: first Amplitude request to the end of the download, Batch s: first Batch request to the end of the last write. ' +
			'Execution s: the execution\'s startedAt to stoppedAt in n8n\'s database. CPU s: user + system time of all its threads, ' +
			'n8n\'s main process from the publish to the execution\'s end, the floor\'s process for its run. Idle RSS: n8n\'s main process once settled after ' +
			`its start-up garbage collection${idleNote}. Peak RSS: its VmHWM, reset once idle${resetNote}. Database growth: pages in use in n8n's SQLite database (WAL included) after the execution minus before; ` +
			'execution data: the saved execution\'s row. Binary data: n8n\'s binary data folder (`~/.n8n/storage`). 1 MB = 10^6 bytes.',
		'',
		...realTable(rows),
		'',
		`\\* the targets at 2,000,000 members: compact and CSV File ≤ 1.3× the floor and ≤ 600 MB above n8n's idle RSS; CSV File ≤ 1 MB of database per execution.`,
		'',
		...realTargets(rows),
		...bytesPerItem(rows),
	];
	writeResults(`${lines.join('\n')}\n`, flags);
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const flags = readFlags(argv);
	if (flags.realN8n) return await mainRealN8n(argv, flags);
	const options: ChildOptions = { cpuProfileDir: flags.cpuProfileDir };
	const env = await startEnvironment();
	const rows: SyncRow[] = [];
	let resync: ResyncResult | undefined;
	try {
		for (const size of flags.sizes) {
			env.amplitude.setCohort({ id: cohortIdOf(size), name: `Benchmark ${size}`, size });
			// Stored as a finished export leaves it on S3, so the sandbox's CPU is not in any run's figures.
			await env.amplitude.storeExportFile(cohortIdOf(size));
			const expected = await expectedAudience(env.amplitude, cohortIdOf(size));
			const handovers = flags.cases.filter((handover) => handover !== 'items' || size <= ITEMS_MAX_SIZE);
			say(`${size.toLocaleString('en-US')} members (${expected.size.toLocaleString('en-US')} identified): floor, then ${handovers.join(', ')}`);
			const measured = await measureSize(env, size, handovers, expected, flags.repeat, options, (run, round) =>
				say(
					`  ${flags.repeat > 1 ? `round ${round}, ` : ''}${run.label}: ${(run.wallMs / 1000).toFixed(1)} s, ` +
						`CPU ${(run.cpuMs / 1000).toFixed(1)} s, peak RSS ${run.peakRssMb} MB, ${run.requests.total} requests`,
				),
			);
			rows.push(...measured);
		}
		if (flags.resync) {
			const size = Math.max(...flags.sizes);
			say(`Sync changes at ${size.toLocaleString('en-US')} members, before and after a 1% change`);
			resync = await measureResync(env, size, 'compact', options);
		}
	} finally {
		await env.close();
		rmSync(env.workDir, { recursive: true, force: true });
	}

	const lines = [
		`Command: \`${commandLine(argv)}\``,
		'',
		`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Sandboxes in the driver process; each run in its own process. ` +
			`Export ready after ${EXPORT_DURATION_MS} ms, polled every ${POLL_INTERVAL_MS} ms, Batch indexing at once, ` +
			`${CONCURRENCY} concurrent writes of up to 10,000 ids, Replace; anonymous members skipped. ` +
			`Each case run ${flags.repeat} time${flags.repeat > 1 ? 's, in interleaved rounds; wall time, CPU and phases are those of the median run, peak RSS the highest of the runs' : ''}. ` +
			'Peak RSS is VmHWM of the measured process; CPU is its user + system time (all threads, GC included); ' +
			'"RSS at start" is the n8n process with its engine and nodes loaded (compiled JavaScript, as n8n loads the package), before the run.',
		'',
		...syncTable(rows),
		'',
		'\\* the targets: ≤ 1.3× the floor and ≤ 600 MB peak RSS at 2,000,000 members, compact or binary.',
		'',
		...targetSummary(rows),
		'',
		...phaseTable(rows),
		...(resync ? ['', ...resyncSection(resync)] : []),
	];
	writeResults(`${lines.join('\n')}\n`, flags);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	},
);
