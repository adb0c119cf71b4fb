/** The real-n8n bench's ratios: over the median floor run, and over the floor runs around each n8n run. */
import type { RealN8nRun } from '../../scripts/bench/real-n8n';
import { realRows } from '../../scripts/bench/real-n8n-report';

const run = (side: 'floor' | 'n8n', syncMs: number): RealN8nRun =>
	({ side, syncMs, size: 2_000_000, label: side === 'floor' ? 'floor (plain Node)' : 'n8n start, CSV File', peakRssMb: 600, idleRssMb: 400 }) as RealN8nRun;

describe('realRows', () => {
	it('gives each n8n run its ratio to the median floor and to the mean of the floors run just before and after it', () => {
		// The machine slows down over the rounds: floor 10 s, then 14 s, then 20 s.
		const rows = realRows([run('floor', 10_000), run('n8n', 12_000), run('n8n', 13_000), run('floor', 14_000), run('n8n', 15_000), run('floor', 20_000)]);
		expect(rows.map((row) => row.side)).toEqual(['floor', 'n8n', 'n8n', 'n8n']);
		expect(rows[0].syncMs).toBe(14_000);
		expect(rows.slice(1).map((row) => row.ratio)).toEqual([12 / 14, 13 / 14, 15 / 14]);
		expect(rows.slice(1).map((row) => row.nearbyRatio)).toEqual([12 / 12, 13 / 12, 15 / 17]);
	});
});
