// Run by .github/workflows/release.yml before `npm publish`: fails when the pushed tag is not package.json's
// version, or when package.json still carries the placeholders it was written with (repository URL,
// homepage, author), which must not reach npm. On GitHub Actions the repository URL must also be the
// repository running the workflow: npm's provenance check rejects anything else at publish time anyway.
const fs = require('fs');
const path = require('path');

/** The values package.json was written with, before the project had a home. */
const PLACEHOLDERS = ['github.com/n8n-nodes-amplitude-batch/n8n-nodes-amplitude-batch', 'n8n-nodes-amplitude-batch contributors', '@n8n-nodes-amplitude-batch.dev'];

/** Problems as sentences; none means the release may go on. `env`: GITHUB_REF_NAME, GITHUB_REPOSITORY. */
function releaseProblems(manifest, env) {
	const problems = [];
	if (env.GITHUB_REF_NAME && env.GITHUB_REF_NAME !== `v${manifest.version}`) {
		problems.push(`tag ${env.GITHUB_REF_NAME} is not v${manifest.version}, package.json's version`);
	}
	const author = typeof manifest.author === 'string' ? manifest.author : `${manifest.author?.name ?? ''} <${manifest.author?.email ?? ''}>`;
	const fields = { 'repository.url': manifest.repository?.url ?? '', homepage: manifest.homepage ?? '', author };
	for (const [field, value] of Object.entries(fields)) {
		if (!value.replace(/[<> ]/g, '')) problems.push(`package.json ${field} is empty`);
		else if (PLACEHOLDERS.some((placeholder) => value.includes(placeholder))) problems.push(`package.json ${field} is still a placeholder: ${value}`);
	}
	if (env.GITHUB_REPOSITORY) {
		const expected = `github.com/${env.GITHUB_REPOSITORY}`;
		const url = fields['repository.url'].replace(/^git\+/, '').replace(/\.git$/, '');
		if (!url.endsWith(expected)) problems.push(`package.json repository.url ${fields['repository.url']} is not https://${expected} (provenance needs it)`);
	}
	return problems;
}

module.exports = { releaseProblems, PLACEHOLDERS };

if (require.main === module) {
	const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
	const problems = releaseProblems(manifest, process.env);
	if (problems.length > 0) {
		console.error(`Not publishing:\n- ${problems.join('\n- ')}\nSee README, "Publishing".`);
		process.exit(1);
	}
	console.log(`release metadata: v${manifest.version}, ${manifest.repository.url}`);
}
