/** Our package's node and credential classes, by the type names n8n gives them. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { ICredentialType, INodeType, IVersionedNodeType } from 'n8n-workflow';

const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};

/**
 * `dist/nodes/Batch/Batch.node.js` → an instance of the class its source exports (none if not written):
 * the TypeScript source under ts-node, or the JavaScript beside it where the harness itself was compiled.
 */
function loadClass<T>(distPath: string): T | undefined {
	const base = path.join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, ''));
	// The extension is explicit: beside `X.node.ts` sits the node's codex, `X.node.json`.
	const source = [`${base}.ts`, `${base}.js`].find((file) => existsSync(file));
	if (!source) return undefined;
	const className = path.basename(base).split('.')[0];
	const exported = (require(source) as Record<string, new () => T>)[className];
	if (!exported) throw new Error(`${source} does not export ${className}`);
	return new exported();
}

export function packageNodeTypes(): Record<string, INodeType | IVersionedNodeType> {
	const types: Record<string, INodeType | IVersionedNodeType> = {};
	for (const file of manifest.n8n.nodes) {
		const node = loadClass<INodeType | IVersionedNodeType>(file);
		if (node) types[`${manifest.name}.${node.description.name}`] = node;
	}
	return types;
}

export function packageCredentialTypes(): Record<string, ICredentialType> {
	const types: Record<string, ICredentialType> = {};
	for (const file of manifest.n8n.credentials) {
		const credential = loadClass<ICredentialType>(file);
		if (credential) types[credential.name] = credential;
	}
	return types;
}
