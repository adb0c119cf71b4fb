/**
 * Export files as S3 holds them: stored once, then served as bytes. A download of a file not stored yet
 * is generated row by row (and stored as it goes); later exports of the unchanged cohort, with the same
 * properties, header style and compression, get the stored bytes. The bytes are the same either way.
 *
 * Why: the sandbox shares its machine with the client it serves. Generating and gzipping a 2,000,000-member
 * export takes it about 4 s of CPU per download, which on a small machine is taken from the client being
 * measured; Amplitude writes the file once, on its own servers.
 */
import type { ExportJob } from './export-jobs';

/** Enough for the benchmark's cohorts (one size at a time) without holding many big files. */
const MAX_FILES = 2;

export class StoredFiles {
	private readonly files = new Map<string, Buffer>();

	/** Export files generated so far (stored or not): what a download served from storage does not add to. */
	generated = 0;

	/** The stored bytes for this file, if any (the most recently used are kept). */
	get(key: string | undefined): Buffer | undefined {
		if (key === undefined) return undefined;
		const bytes = this.files.get(key);
		if (bytes) {
			this.files.delete(key);
			this.files.set(key, bytes);
		}
		return bytes;
	}

	store(key: string | undefined, bytes: Buffer): void {
		if (key === undefined) return;
		this.files.delete(key);
		this.files.set(key, bytes);
		while (this.files.size > MAX_FILES) this.files.delete(this.files.keys().next().value!);
	}
}

/**
 * What makes an export file's bytes: the cohort's content, the properties exported, the header style and
 * the compression. Undefined for a cohort whose content has no key (uploaded ids): its file is never stored.
 */
export function storedFileKey(job: ExportJob, properties: readonly string[], headerStyle: string, gzip: string): string | undefined {
	const content = job.snapshot.contentKey;
	return content === undefined ? undefined : JSON.stringify([content, properties, headerStyle, gzip]);
}
