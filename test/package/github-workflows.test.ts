/**
 * The GitHub workflows, parsed as YAML (GitHub reads them the same way): CI runs .ci/run, the n8n 1.x
 * end-to-end job may fail without failing CI, and a version tag publishes to npm with provenance, which
 * needs the OIDC token permission. Also the guard the release runs before publishing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const { releaseProblems } = require('../../scripts/check-release-metadata.js') as {
	releaseProblems(manifest: unknown, env: Record<string, string | undefined>): string[];
};

interface Step {
	name?: string;
	uses?: string;
	run?: string;
	env?: Record<string, string>;
	with?: Record<string, unknown>;
}
interface Job {
	needs?: string | string[];
	permissions?: Record<string, string>;
	'continue-on-error'?: boolean;
	steps: Step[];
}
interface Workflow {
	on: Record<string, unknown>;
	permissions?: Record<string, string>;
	jobs: Record<string, Job>;
}

const workflow = (name: string) => parse(readFileSync(path.join(ROOT, '.github/workflows', name), 'utf8')) as Workflow;
const runs = (job: Job) => job.steps.map((step) => step.run ?? '').filter(Boolean);

describe('CI workflow', () => {
	const ci = workflow('ci.yml');

	it('runs .ci/run on pushes and pull requests, with read-only permissions', () => {
		expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
		expect(ci.permissions).toEqual({ contents: 'read' });
		const gating = Object.values(ci.jobs).filter((job) => !job['continue-on-error']);
		expect(gating.flatMap(runs)).toContain('.ci/run');
	});

	it('runs the n8n 1.x end-to-end tests in a separate job that is allowed to fail', () => {
		const e2e = Object.values(ci.jobs).filter((job) => job.steps.some((step) => step.env?.N8N_VERSION === '1.123.81'));
		expect(e2e).toHaveLength(1);
		expect(e2e[0]['continue-on-error']).toBe(true);
		const step = e2e[0].steps.find((candidate) => candidate.env?.N8N_VERSION)!;
		expect(step).toMatchObject({ run: 'npm run test:e2e', env: { N8N_VERSION: '1.123.81', N8N_NODE: 'system' } });
	});
});

describe('release workflow', () => {
	const release = workflow('release.yml');
	const publishJobs = Object.entries(release.jobs).filter(([, job]) => runs(job).some((run) => run.startsWith('npm publish')));

	it('runs on version tags only', () => {
		expect(release.on).toEqual({ push: { tags: ['v*'] } });
	});

	it('publishes with provenance, publicly, with the OIDC token permission and the npm token secret', () => {
		expect(publishJobs).toHaveLength(1);
		const [, publish] = publishJobs[0];
		const step = publish.steps.find((candidate) => candidate.run?.startsWith('npm publish'))!;
		expect(step.run!.split(/\s+/)).toEqual(['npm', 'publish', '--provenance', '--access', 'public']);
		expect(step.env).toEqual({ NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' });
		expect(publish.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
		expect(release.permissions).toEqual({ contents: 'read' });
		const setupNode = publish.steps.find((candidate) => candidate.uses?.startsWith('actions/setup-node'));
		expect(setupNode?.with).toMatchObject({ 'registry-url': 'https://registry.npmjs.org' });
	});

	it('publishes only after npm ci, a build and the whole test run, and checks the metadata first', () => {
		const [, publish] = publishJobs[0];
		const commands = runs(publish);
		const order = ['node scripts/check-release-metadata.js', 'npm ci --no-audit --no-fund', 'npm run build', 'npm publish --provenance --access public'];
		expect(order.map((command) => commands.indexOf(command))).toEqual([...order.map((command) => commands.indexOf(command))].sort((a, b) => a - b));
		expect(order.every((command) => commands.includes(command))).toBe(true);
		const needs = ([] as string[]).concat(publish.needs ?? []);
		expect(needs.flatMap((name) => runs(release.jobs[name]))).toContain('.ci/run');
	});
});

describe('check-release-metadata', () => {
	const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
	const real = {
		...manifest,
		homepage: 'https://github.com/acme/n8n-nodes-amplitude-batch#readme',
		author: { name: 'Acme Growth Team', email: 'growth@acme.example' },
		repository: { type: 'git', url: 'git+https://github.com/acme/n8n-nodes-amplitude-batch.git' },
	};

	it("refuses today's placeholder repository URL, homepage and author", () => {
		const problems = releaseProblems(manifest, { GITHUB_REF_NAME: `v${manifest.version}` });
		expect(problems.map((problem) => problem.split(' is ')[0])).toEqual(['package.json repository.url', 'package.json homepage', 'package.json author']);
	});

	it('accepts real metadata on the matching tag and repository, and refuses another tag or repository', () => {
		expect(releaseProblems(real, { GITHUB_REF_NAME: `v${manifest.version}`, GITHUB_REPOSITORY: 'acme/n8n-nodes-amplitude-batch' })).toEqual([]);
		expect(releaseProblems(real, { GITHUB_REF_NAME: 'v9.9.9' })).toEqual([`tag v9.9.9 is not v${manifest.version}, package.json's version`]);
		expect(releaseProblems(real, { GITHUB_REPOSITORY: 'someone-else/fork' })).toEqual([
			'package.json repository.url git+https://github.com/acme/n8n-nodes-amplitude-batch.git is not https://github.com/someone-else/fork (provenance needs it)',
		]);
	});
});
