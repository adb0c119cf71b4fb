// `npm run lint:n8n`: n8n's own `n8n-node lint` (from @n8n/node-cli, strict mode) on the package's sources.
//
// Why not `npx n8n-node lint` at the repository root: it runs `eslint .` with eslint.config.mjs, which
// strict mode requires to be n8n's default file word for word, and that default ignores only dist/. It
// would lint test/, sandbox/ and scripts/ too, dev-only code that never ships and rightly uses what node
// code may not (process, timers, node: imports, console). So this copies what the package is built from
// (package.json, eslint.config.mjs, tsconfig.json, credentials/, nodes/) into a temporary folder, with
// node_modules linked, and runs the unmodified `n8n-node lint` there. Paths in its output are mapped back.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-node-lint-'));
try {
	for (const entry of ['package.json', 'eslint.config.mjs', 'tsconfig.json', 'credentials', 'nodes']) {
		fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
	}
	fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
	const bin = path.join(root, 'node_modules/.bin/n8n-node');
	const result = spawnSync(bin, ['lint'], { cwd: stage, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
	const mapped = (text) => (text || '').split(stage).join(root);
	process.stdout.write(mapped(result.stdout));
	process.stderr.write(mapped(result.stderr));
	if (result.error) throw result.error;
	process.exitCode = result.status === null ? 1 : result.status;
	if (result.status === 0) console.log(`n8n-node lint (strict): credentials/ and nodes/ pass`);
} finally {
	fs.rmSync(stage, { recursive: true, force: true });
}
