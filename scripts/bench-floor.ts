/**
 * The floor of `npm run bench`: the HTTP work of one cohort sync done with plain Node and nothing else
 * (built-ins only: no n8n, no project code), so the benchmark can say what the n8n run costs on top.
 *
 * Amplitude: list cohorts, start the export, poll its status, ask for the file, follow the 302 to the
 * S3 link without our Authorization header, gunzip, parse the quoted CSV, keep the non-empty user ids once.
 * Batch (Audiences API 2.x), the calls the Batch Profile node makes:
 *   replace      view → create if missing → replace with the first 10,000 ids → update-add the rest
 *   syncChanges  view; with a state file and an audience of the same size: update-add who entered and
 *                update-remove who left (one phase); otherwise as replace. Then the state file is written.
 * Writes go `concurrency` at a time.
 *
 * Run by scripts/bench.ts with one JSON argument (FloorConfig); prints `FLOOR-RESULT {json}`.
 * The driver compiles this file to plain JavaScript first, so no TypeScript loader weighs on its RSS.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { createGunzip } from 'node:zlib';

export interface FloorConfig {
	amplitudeUrl: string;
	amplitudeApiKey: string;
	amplitudeSecretKey: string;
	cohortId: string;
	pollIntervalMs: number;
	batchUrl: string;
	projectKey: string;
	restApiKey: string;
	audience: string;
	mode: 'replace' | 'syncChanges';
	concurrency: number;
	/** Sync changes only: where the ids of the last run are kept (one per line). */
	stateFile?: string;
}

export interface FloorResult {
	wallMs: number;
	/** CPU time of this process during the run (user + system, all threads). */
	cpuMs: number;
	exportMs: number;
	downloadMs: number;
	sendMs: number;
	members: number;
	unique: number;
	effectiveMode: 'replace' | 'syncChanges';
	writes: number;
	/** Ids sent in replace and add calls, and in remove calls. */
	added: number;
	removed: number;
	baselineRssMb: number;
	peakRssMb: number;
}

const MAX_IDS_PER_CALL = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** VmHWM: the process's true peak resident set, in MB. */
function peakRssMb(): number {
	const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
	return match ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

/** Answers are read loosely: this script looks only at the few fields it needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonAnswer = any;

async function getJson(url: string, headers: Record<string, string>, accept: number[] = [200]): Promise<{ status: number; body: JsonAnswer }> {
	const response = await fetch(url, { headers });
	const body = await response.json().catch(() => undefined);
	if (!accept.includes(response.status)) throw new Error(`GET ${url} answered ${response.status}: ${JSON.stringify(body)}`);
	return { status: response.status, body };
}

async function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<void> {
	const response = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const text = await response.text();
	if (response.status >= 300) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
}

/** A GET whose body is handed over as a stream; redirects are not followed (the caller decides). */
function openGet(url: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
	return new Promise((resolve, reject) => {
		http.get(url, { headers }, resolve).on('error', reject);
	});
}

/**
 * Streams the user_id column out of the export CSV: fields are double-quoted, `""` is a quote, a quoted
 * field may hold commas and newlines. Only the id column's text is ever built.
 */
class UserIdColumnReader {
	private column = -1;
	private headerFields: string[] | undefined = [];
	private field = '';
	private fieldIndex = 0;
	/** 0: at field start or unquoted, 1: inside quotes, 2: just saw a quote inside quotes. */
	private state = 0;
	/** Data rows read (the header excluded). */
	rows = 0;

	constructor(private readonly onId: (id: string) => void) {}

	push(text: string): void {
		const length = text.length;
		let at = 0;
		while (at < length) {
			if (this.state === 1) {
				const quote = text.indexOf('"', at);
				const end = quote === -1 ? length : quote;
				if (this.keeps()) this.field += text.slice(at, end);
				at = end;
				if (quote !== -1) {
					this.state = 2;
					at++;
				}
				continue;
			}
			const code = text.charCodeAt(at++);
			if (this.state === 2) {
				this.state = 0;
				if (code === 34) {
					if (this.keeps()) this.field += '"';
					this.state = 1;
					continue;
				}
			}
			if (code === 34) this.state = 1;
			else if (code === 44) this.endField();
			else if (code === 10) this.endRow();
			else if (code !== 13 && this.keeps()) this.field += text[at - 1];
		}
	}

	end(): void {
		if (this.fieldIndex > 0 || this.field !== '') this.endRow();
	}

	private keeps(): boolean {
		return this.headerFields !== undefined || this.fieldIndex === this.column;
	}

	private endField(): void {
		if (this.headerFields) this.headerFields.push(this.field);
		else if (this.fieldIndex === this.column && this.field !== '') this.onId(this.field);
		this.field = '';
		this.fieldIndex++;
	}

	private endRow(): void {
		this.endField();
		if (this.headerFields) {
			this.column = this.headerFields.indexOf('user_id');
			if (this.column < 0) throw new Error(`no user_id column in ${this.headerFields.join(',')}`);
			this.headerFields = undefined;
		} else this.rows++;
		this.fieldIndex = 0;
	}
}

async function downloadUserIds(config: FloorConfig, auth: Record<string, string>, requestId: string): Promise<{ ids: Set<string>; members: number }> {
	const fileUrl = `${config.amplitudeUrl}/api/5/cohorts/request/${encodeURIComponent(requestId)}/file`;
	let url = fileUrl;
	let response = await openGet(url, auth);
	if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400) {
		response.resume();
		url = new URL(String(response.headers.location), fileUrl).toString();
		// The pre-signed S3 link refuses a second auth scheme: no Authorization header here.
		response = await openGet(url, {});
	}
	if (response.statusCode !== 200) throw new Error(`download answered ${response.statusCode}`);
	const gzipped = response.headers['content-encoding'] === 'gzip' || new URL(url).pathname.endsWith('.gz');
	const body = gzipped ? response.pipe(createGunzip()) : response;
	body.setEncoding('utf8');
	const ids = new Set<string>();
	const reader = new UserIdColumnReader((id) => ids.add(id));
	for await (const text of body as AsyncIterable<string>) reader.push(text);
	reader.end();
	return { ids, members: reader.rows };
}

/** Runs the chunks `concurrency` at a time. */
async function sendChunks(chunks: Array<() => Promise<void>>, concurrency: number): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < chunks.length) await chunks[next++]();
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
}

function chunked(ids: string[]): string[][] {
	const chunks: string[][] = [];
	for (let start = 0; start < ids.length; start += MAX_IDS_PER_CALL) chunks.push(ids.slice(start, start + MAX_IDS_PER_CALL));
	return chunks;
}

/** The ids the last Sync changes run left, if any. */
function readState(config: FloorConfig): string[] | undefined {
	if (config.mode !== 'syncChanges' || !config.stateFile || !existsSync(config.stateFile)) return undefined;
	return readFileSync(config.stateFile, 'utf8')
		.split('\n')
		.filter((id) => id !== '');
}

export async function runFloor(config: FloorConfig): Promise<FloorResult> {
	const baselineRssMb = process.memoryUsage.rss() / 2 ** 20;
	const started = Date.now();
	const cpuAtStart = process.cpuUsage();
	const basic = Buffer.from(`${config.amplitudeApiKey}:${config.amplitudeSecretKey}`).toString('base64');
	const auth = { authorization: `Basic ${basic}` };
	const amplitude = `${config.amplitudeUrl}/api`;

	// The node checks that the cohort exists (and reads its name) before starting the metered export.
	const listed = await getJson(`${amplitude}/3/cohorts`, auth);
	if (!(listed.body.cohorts as Array<{ id: string }>).some((cohort) => String(cohort.id) === config.cohortId)) {
		throw new Error(`no cohort ${config.cohortId}`);
	}
	const startedExport = await getJson(`${amplitude}/5/cohorts/request/${encodeURIComponent(config.cohortId)}`, auth, [200, 202]);
	const requestId = String(startedExport.body.request_id);
	for (;;) {
		const status = await getJson(`${amplitude}/5/cohorts/request-status/${encodeURIComponent(requestId)}`, auth, [200, 202]);
		if (status.status === 200 && status.body.async_status === 'JOB COMPLETED') break;
		if (status.status === 200 && status.body.async_status !== 'JOB INPROGRESS') throw new Error(`export ${status.body.async_status}`);
		await sleep(config.pollIntervalMs);
	}
	const exportMs = Date.now() - started;
	const { ids, members } = await downloadUserIds(config, auth, requestId);
	const downloadMs = Date.now() - started - exportMs;

	const batchHeaders = { authorization: `Bearer ${config.restApiKey}`, 'x-batch-project': config.projectKey };
	const audiences = `${config.batchUrl}/2.11/audiences`;
	const name = config.audience;
	const view = await getJson(`${audiences}/view?name=${encodeURIComponent(name)}`, batchHeaders, [200, 404]);
	let writes = 0;
	let added = 0;
	let removed = 0;
	const send = (route: string, body: unknown) => async () => {
		await postJson(`${audiences}/${route}`, batchHeaders, body);
		writes++;
	};
	const replace = (ids: string[]) => async () => {
		await send('replace', { name, ids: ids.map((id) => ({ id })) })();
		added += ids.length;
	};
	const update = (action: 'add' | 'remove', ids: string[]) => async () => {
		await send('update', { name, ids: ids.map((id) => ({ action, id })) })();
		if (action === 'add') added += ids.length;
		else removed += ids.length;
	};
	if (view.status === 404) await send('create', { name, type: 'custom_ids' })();

	const previous = readState(config);
	const usable = view.status === 200 && previous !== undefined && view.body.nb_ids === previous.length;
	if (usable) {
		const before = new Set(previous);
		const entered: string[] = [];
		for (const id of ids) if (!before.delete(id)) entered.push(id);
		const left = [...before];
		const adds = chunked(entered).map((chunk) => update('add', chunk));
		const removes = chunked(left).map((chunk) => update('remove', chunk));
		await sendChunks([...adds, ...removes], config.concurrency);
	} else {
		const all = [...ids];
		const [first, ...rest] = chunked(all);
		// Replace must land before the adds that complete it, or it would wipe them.
		await replace(first)();
		await sendChunks(rest.map((chunk) => update('add', chunk)), config.concurrency);
	}
	if (config.mode === 'syncChanges' && config.stateFile) writeFileSync(config.stateFile, [...ids].join('\n'));
	const wallMs = Date.now() - started;
	const cpu = process.cpuUsage(cpuAtStart);
	return {
		wallMs,
		cpuMs: Math.round((cpu.user + cpu.system) / 1000),
		exportMs,
		downloadMs,
		sendMs: wallMs - exportMs - downloadMs,
		members,
		unique: ids.size,
		effectiveMode: usable ? 'syncChanges' : 'replace',
		writes,
		added,
		removed,
		baselineRssMb: Math.round(baselineRssMb),
		peakRssMb: Math.round(peakRssMb()),
	};
}

if (require.main === module) {
	runFloor(JSON.parse(process.argv[2]) as FloorConfig).then(
		(result) => {
			process.stdout.write(`FLOOR-RESULT ${JSON.stringify(result)}\n`);
			process.exit(0);
		},
		(error: unknown) => {
			process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
			process.exit(1);
		},
	);
}
