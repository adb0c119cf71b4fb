/**
 * End-to-end benchmark: an Amplitude cohort synced into a Batch Profile audience through n8n's engine
 * (Get cohort → Upsert, Replace), against a floor doing the same HTTP work in plain Node
 * (scripts/bench-floor.ts); then Sync changes after a 1% membership change.
 *
 *   npm run bench                                  # 1M and 2M: items (1M only), compact, binary
 *   npm run bench -- --quick                       # 100k, for a fast check
 *   npm run bench -- --sizes 2000000 --cases compact,binary
 *   npm run bench -- --repeat 5                    # runs per case (default 3), reported by the median
 *   npm run bench -- --write                       # also write bench-results.md (not committed)
 *   npm run bench -- --cpu-prof /tmp/prof          # V8 CPU profiles of every measured process
 *   npm run bench -- --no-resync
 *
 * Both sandboxes run in this process. Every measurement is a fresh child process, so its peak RSS
 * (VmHWM) is that of "the n8n process" alone (n8n's engine, our nodes, ts-node for their sources),
 * or of the floor alone (plain node, built-ins only). Every run's final audience is checked against the
 * cohort: the two sides do the same work or the benchmark stops.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { expectedAudience } from './bench/audience-check';
import type { ChildOptions } from './bench/children';
import { CONCURRENCY, EXPORT_DURATION_MS, POLL_INTERVAL_MS, startEnvironment } from './bench/environment';
import { cohortIdOf, measureSize, type SyncRow } from './bench/full-sync';
import { phaseTable, resyncSection, syncTable, targetSummary } from './bench/report';
import { measureResync, type ResyncResult } from './bench/resync';
import type { Handover } from './bench/workflow';

/** One item per member is for small cohorts: it is measured up to this size. */
const ITEMS_MAX_SIZE = 1_000_000;

interface Flags {
	sizes: number[];
	cases: Handover[];
	write: boolean;
	resync: boolean;
	repeat: number;
	cpuProfileDir?: string;
}

function readFlags(argv: string[]): Flags {
	const value = (name: string) => {
		const at = argv.indexOf(`--${name}`);
		return at !== -1 ? argv[at + 1] : undefined;
	};
	const quick = argv.includes('--quick');
	const sizes = (value('sizes') ?? (quick ? '100000' : '1000000,2000000')).split(',').map(Number);
	if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 2_000_000)) throw new Error('--sizes: whole numbers up to 2000000');
	const cases = (value('cases') ?? 'items,compact,binary').split(',') as Handover[];
	if (cases.some((handover) => !['items', 'compact', 'binary'].includes(handover))) throw new Error('--cases: items, compact, binary');
	const repeat = Number(value('repeat') ?? (quick ? 1 : 3));
	if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9) throw new Error('--repeat: a whole number from 1 to 9');
	const cpuProfileDir = value('cpu-prof');
	return {
		sizes,
		cases,
		write: argv.includes('--write'),
		resync: !argv.includes('--no-resync'),
		repeat,
		cpuProfileDir: cpuProfileDir ? path.resolve(cpuProfileDir) : undefined,
	};
}

function commandLine(argv: string[]): string {
	return `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const flags = readFlags(argv);
	const options: ChildOptions = { cpuProfileDir: flags.cpuProfileDir };
	const env = await startEnvironment();
	const rows: SyncRow[] = [];
	let resync: ResyncResult | undefined;
	const say = (text: string) => process.stderr.write(`${text}\n`);
	try {
		for (const size of flags.sizes) {
			env.amplitude.setCohort({ id: cohortIdOf(size), name: `Benchmark ${size}`, size });
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
	const text = `${lines.join('\n')}\n`;
	process.stdout.write(`\n${text}`);
	if (flags.write) {
		const file = path.resolve(__dirname, '..', 'bench-results.md');
		writeFileSync(file, `# Benchmark results\n\n${text}`);
		say(`Written to ${file}`);
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	},
);
