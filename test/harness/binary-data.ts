/**
 * Binary data the way a default n8n stores it: in files, referenced by id, read back as streams. (The
 * harness otherwise keeps binary data in memory.) Call before the first workflow run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function useFilesystemBinaryData(): Promise<string> {
	const { Container } = await import('@n8n/di');
	const { BinaryDataConfig, BinaryDataService } = await import('n8n-core');
	const config = Container.get(BinaryDataConfig);
	config.mode = 'filesystem';
	config.localStoragePath = mkdtempSync(path.join(tmpdir(), 'n8n-binary-'));
	await Container.get(BinaryDataService).init();
	return config.localStoragePath;
}
