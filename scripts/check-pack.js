// Fails when `npm pack` would ship anything but dist/, README, LICENSE and package.json.
const input = require('fs').readFileSync(0, 'utf8');
const [pack] = JSON.parse(input);
const allowed = /^(dist\/.+|README\.md|LICENSE|package\.json)$/;
const unexpected = pack.files.map((file) => file.path).filter((path) => !allowed.test(path));
if (unexpected.length > 0) {
	console.error(`npm pack would ship files it must not: ${unexpected.join(', ')}`);
	process.exit(1);
}
console.log(`npm pack: ${pack.files.length} files, ${pack.size} bytes, only dist/, README.md, LICENSE, package.json`);
