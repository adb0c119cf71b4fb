/**
 * `npm run n8n`: a real n8n editor with this package installed as a community package, the sandboxes
 * running, sandbox credentials created and the example workflows imported. Open the printed URL.
 *   npm run n8n -- --port 5678
 */
import { parseArgs } from 'node:util';

import { OWNER, launchEditor } from './launch';

async function main() {
	const { values } = parseArgs({ options: { port: { type: 'string', default: '5678' } } });
	console.log('Starting n8n (the first run installs it into a cache folder: several minutes)...');
	const editor = await launchEditor({ port: Number(values.port) });
	console.log(`
n8n editor:        ${editor.url}
  log in as        ${OWNER.email} / ${OWNER.password}
Amplitude sandbox: ${editor.amplitude.url}
Batch sandbox:     ${editor.batch.url}
Notifications:     ${editor.sink.url}
Example workflows: ${Object.entries(editor.workflowIds)
		.map(([file, id]) => `\n  ${editor.url}/workflow/${id}  (${file})`)
		.join('')}
Credentials "Amplitude sandbox", "Batch sandbox app" and "Batch sandbox project" point at the sandboxes.
Press Ctrl+C to stop.`);
	const stop = async () => {
		await editor.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
