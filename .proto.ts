import { createReadStream } from 'node:fs';
import { readCsvRowBatches } from './nodes/shared/csv/reader';
import { detachField } from './nodes/shared/csv/detach';
import { MemberCollector } from './nodes/shared/sync/member-collector';
async function oldPath() {
	const c = new MemberCollector(); const origin = { line: 0 };
	for await (const rows of readCsvRowBatches(createReadStream('/tmp/members.csv'))) for (const r of rows) { origin.line = r.line; c.add(detachField(r.fields[1]), undefined, origin); }
	return c.finish({ sorted: false }).ids.length;
}
async function bytePath() {
	const c = new MemberCollector(); const origin = { line: 0 }; let line = 1; let carry: Buffer | undefined; let header = true;
	for await (const chunk of createReadStream('/tmp/members.csv')) {
		const buf: Buffer = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
		const n = buf.length; let i = 0;
		for (;;) {
			const nl = buf.indexOf(10, i); if (nl < 0) break;
			if (header) { header = false; i = nl + 1; line++; continue; }
			let j = i; while (buf[j] !== 44) j++;
			const s = j + 2; let e = s; while (buf[e] !== 34) e++;
			origin.line = line++;
			c.add(buf.latin1Slice(s, e), undefined, origin);
			i = nl + 1;
		}
		carry = i < n ? buf.subarray(i) : undefined;
	}
	return c.finish({ sorted: false }).ids.length;
}
async function main() { for (let k = 0; k < 3; k++) { let t = Date.now(); const a = await oldPath(); const oldMs = Date.now() - t; t = Date.now(); const b = await bytePath(); console.log({ oldMs, byteMs: Date.now() - t, a, b }); } }
main();
