// Copies what tsc does not emit next to the compiled files in dist/: the node and credential icons, and
// each node's codex file (<Node>.node.json: categories, documentation links), which n8n's loader reads
// beside <Node>.node.js. Globs, not lists: a new node's icons and codex are copied without editing this.
const { src, dest, task, parallel } = require('gulp');

task('build:icons', () =>
	src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(dest('dist')),
);

task('build:codex', () => src(['nodes/**/*.node.json'], { base: '.' }).pipe(dest('dist')));

task('build:assets', parallel('build:icons', 'build:codex'));
