/**
 * `npm run bench -- --real-n8n --quick` runs to the end and prints a sane table: the floor and the three
 * output formats (the compact one in both its forms, a list and a text; the CSV File with both its CSV
 * Columns), each in a real `n8n start` with a published schedule, at 100,000 members. Figures are not judged here (performance is the bench's job);
 * what is checked is that each one was really measured: times, RSS, and where each format's data went (the
 * database for per-member and compact outputs, the binary data folder for the CSV File).
 */
import { spawnSync } from 'node:child_process';

import { REPO_ROOT } from '../../scripts/n8n/runtime';

jest.setTimeout(25 * 60 * 1000);

interface Row {
	cells: string[];
	label: string;
	number(column: string): number;
	bytes(column: string): number;
}

/** The table's rows, cells read by column name. */
function tableRows(output: string): Row[] {
	const lines = output.split('\n').filter((line) => line.startsWith('| '));
	const header = lines[0].split('|').slice(1, -1).map((cell) => cell.trim());
	// (The separator line, |---|, is not among them.)
	return lines.slice(1).map((line) => {
		const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
		const cell = (column: string) => {
			const at = header.indexOf(column);
			if (at < 0) throw new Error(`no column "${column}" in ${header.join(', ')}`);
			return cells[at];
		};
		return {
			cells,
			label: cells[0],
			number: (column) => Number(cell(column).replace(/[,×+()]/g, '')),
			bytes: (column) => {
				const match = /^(-?[\d.]+) (KB|MB)$/.exec(cell(column));
				if (!match) throw new Error(`"${cell(column)}" in column "${column}" is not a size`);
				return Number(match[1]) * (match[2] === 'KB' ? 1e3 : 1e6);
			},
		};
	});
}

describe('npm run bench -- --real-n8n --quick', () => {
	it('measures the floor and the three outputs in a real n8n start, with sane figures', () => {
		const run = spawnSync('npm', ['run', 'bench', '--silent', '--', '--real-n8n', '--quick'], {
			cwd: REPO_ROOT,
			encoding: 'utf8',
			maxBuffer: 64 * 1024 * 1024,
			env: { ...process.env, NODE_ENV: 'production' },
		});
		expect({ status: run.status, stderr: run.stderr.slice(-3000) }).toMatchObject({ status: 0 });
		const rows = tableRows(run.stdout);
		expect(rows.map((row) => row.label)).toEqual([
			expect.stringMatching(/^floor \(plain Node\)/),
			'n8n start, One Item per Member',
			'n8n start, One Item With All User IDs, as a list',
			'n8n start, One Item With All User IDs, as text (the default)',
			'n8n start, CSV File',
			'n8n start, CSV File, user ID only',
		]);
		const [floor, ...n8n] = rows;
		const identified = floor.number('ids synced');
		// About 10% of the sandbox's members are anonymous: left out by every side.
		expect(floor.number('members')).toBe(100_000);
		expect(identified).toBeGreaterThan(85_000);
		expect(identified).toBeLessThan(95_000);
		expect(floor.number('sync s')).toBeGreaterThan(0);
		expect(floor.number('CPU s')).toBeGreaterThan(0);
		for (const row of n8n) {
			expect(row.number('ids synced')).toBe(identified);
			expect(row.number('sync s')).toBeGreaterThan(0);
			// The execution holds the sync and is timed by n8n's own clock (which counts in seconds with one decimal).
			expect(row.number('execution s')).toBeGreaterThanOrEqual(row.number('sync s') - 0.2);
			expect(row.number('× floor')).toBeCloseTo(row.number('sync s') / floor.number('sync s'), 0);
			expect(row.number('n8n idle RSS MB')).toBeGreaterThan(100);
			expect(row.number('n8n peak RSS MB')).toBeGreaterThanOrEqual(row.number('n8n idle RSS MB') - 5);
			expect(row.number('requests')).toBeGreaterThan(10);
			expect(row.number('CPU s')).toBeGreaterThan(0.1);
		}
		const [items, compact, compactText, csv, csvUserIds] = n8n;
		// One item per member: each one saved in the database (over 100 bytes each), nothing in binary data.
		expect(items.bytes('n8n database growth')).toBeGreaterThan(identified * 100);
		expect(items.bytes('binary data growth')).toBe(0);
		// All ids in one item: the ids alone (about 17 bytes each in JSON) are saved.
		expect(compact.bytes('n8n database growth')).toBeGreaterThan(identified * 15);
		expect(compact.bytes('n8n database growth')).toBeLessThan(items.bytes('n8n database growth'));
		// As one text: the ids and a newline each (about 12 bytes), saved as one string, less than the list.
		expect(compactText.bytes('n8n database growth')).toBeGreaterThan(identified * 10);
		expect(compactText.bytes('n8n database growth')).toBeLessThan(compact.bytes('n8n database growth'));
		// The CSV File: a few KB in the database, the file (about 35 bytes a member) in the binary data folder.
		expect(csv.bytes('n8n database growth')).toBeLessThan(100_000);
		expect(csv.bytes('binary data growth')).toBeGreaterThan(identified * 20);
		// With CSV Columns "User ID Only": the same few KB, and a file of about 20 bytes a member.
		expect(csvUserIds.bytes('n8n database growth')).toBeLessThan(100_000);
		expect(csvUserIds.bytes('binary data growth')).toBeGreaterThan(identified * 15);
		expect(csvUserIds.bytes('binary data growth')).toBeLessThan(csv.bytes('binary data growth') * 0.7);
		expect(run.stdout).toMatch(/bytes of database per item/);
	});
});
