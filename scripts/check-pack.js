// Checks what `npm pack` would ship: `npm pack --dry-run --json | node scripts/check-pack.js`.
// Fails when the tarball holds anything but dist/, README, LICENSE and package.json, or when a node or
// credential listed in package.json's `n8n` section is missing from it, or misses its icon(s) (light and
// dark, read from its compiled description, or from its source before a build), or, for a node, its codex
// file (<Node>.node.json beside <Node>.node.js: n8n reads categories and documentation links from it).
const fs = require('fs');
const path = require('path');

const ALLOWED = /^(dist\/.+|README\.md|LICENSE|package\.json)$/;

/** `file:x.svg` icons of a description field: a string or `{ light, dark }`; other icon kinds ship nothing. */
function iconFiles(icon) {
	const values = typeof icon === 'string' ? [icon] : icon && typeof icon === 'object' ? Object.values(icon) : [];
	return values.filter((value) => typeof value === 'string' && value.startsWith('file:')).map((value) => value.slice(5));
}

/** The icon field of a compiled node or credential (dist/...js): what n8n itself reads. */
function iconFromCompiled(file) {
	const exported = require(file);
	for (const value of Object.values(exported)) {
		if (typeof value !== 'function') continue;
		const instance = new value();
		const icon = instance.description ? instance.description.icon : instance.icon;
		if (icon !== undefined) return icon;
	}
	return undefined;
}

/** The icon field read from the TypeScript source (before a build): `icon: '...'` or `icon = { light, dark }`. */
function iconFromSource(file) {
	const source = fs.readFileSync(file, 'utf8');
	const match = /\bicon\s*(?::\s*\w+\s*)?[:=]\s*(\{[^}]*\}|'[^']*'|"[^"]*")/.exec(source);
	if (!match) return undefined;
	const strings = [...match[1].matchAll(/(\w+)\s*:\s*['"]([^'"]+)['"]/g)];
	if (strings.length > 0) return Object.fromEntries(strings.map(([, key, value]) => [key, value]));
	return match[1].slice(1, -1);
}

/** Icon of a `dist/...js` entry of package.json, from the compiled file if built, else from its source. */
function iconOf(root, distPath) {
	const compiled = path.join(root, distPath);
	if (fs.existsSync(compiled)) return iconFromCompiled(compiled);
	const source = path.join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
	return fs.existsSync(source) ? iconFromSource(source) : undefined;
}

/**
 * Problems with a pack listing (`npm pack --dry-run --json`'s first entry), as sentences; none means it
 * may ship. `iconOf(distPath)` gives the icon field of a listed node or credential.
 */
function packProblems(pack, manifest, iconOf) {
	const shipped = new Set(pack.files.map((file) => file.path));
	const problems = [];
	const unexpected = [...shipped].filter((file) => !ALLOWED.test(file));
	if (unexpected.length > 0) problems.push(`npm pack would ship files it must not: ${unexpected.join(', ')}`);
	const n8n = manifest.n8n || {};
	const entries = [
		...(n8n.nodes || []).map((file) => ({ kind: 'node', file })),
		...(n8n.credentials || []).map((file) => ({ kind: 'credential', file })),
	];
	if ((n8n.nodes || []).length === 0) problems.push('package.json lists no node under n8n.nodes');
	for (const { kind, file } of entries) {
		if (!shipped.has(file)) {
			problems.push(`${kind} ${file} (package.json n8n.${kind}s) is not in the package`);
			continue;
		}
		const icons = iconFiles(iconOf(file));
		if (icons.length === 0) problems.push(`${kind} ${file} has no file icon in its description`);
		for (const icon of icons) {
			const iconPath = path.posix.normalize(path.posix.join(path.posix.dirname(file), icon));
			if (!shipped.has(iconPath)) problems.push(`${kind} ${file}: its icon ${iconPath} is not in the package`);
		}
		if (kind === 'node') {
			const codex = file.replace(/\.js$/, '.json');
			if (!shipped.has(codex)) problems.push(`node ${file}: its codex ${codex} is not in the package`);
		}
	}
	return problems;
}

module.exports = { packProblems, iconOf, iconFromSource, iconFiles };

if (require.main === module) {
	const root = path.resolve(__dirname, '..');
	const [pack] = JSON.parse(fs.readFileSync(0, 'utf8'));
	const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const problems = packProblems(pack, manifest, (file) => iconOf(root, file));
	if (problems.length > 0) {
		console.error(problems.join('\n'));
		process.exit(1);
	}
	const nodes = (manifest.n8n.nodes || []).length;
	console.log(
		`npm pack: ${pack.files.length} files, ${pack.size} bytes, only dist/, README.md, LICENSE, package.json; ` +
			`${nodes} nodes with their icons and codex files, ${(manifest.n8n.credentials || []).length} credentials with their icons`,
	);
}
