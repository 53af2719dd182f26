/**
 * Parse speed of parseCebMessage on this machine (one core):
 *   node -r @swc-node/register libs/ceb-xml/bench/parse-bench.ts
 * A 100-node CEB303 (two goods lines per order, extension fields included, ~100 KB) and a
 * single-node one; prints messages and nodes per second for each.
 */
import { sampleExportOrder, sampleGuid } from '@clearance/domain';
import { parseCebMessage, toCebXml, type FiledDoc } from '../src/index';

const baseTransfer = {
  copCode: 'EBP0000001',
  copName: 'Sample Platform',
  dxpMode: 'DXP',
  dxpId: 'DXP0000001',
  note: null,
};
const orders = (n: number): FiledDoc[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'ORDER' as const,
    doc: sampleExportOrder({ guid: sampleGuid(`bench-${i}`), orderNo: `SO-${100000 + i}` }),
  }));

function measure(label: string, xml: Buffer, nodes: number, seconds = 3): void {
  for (let i = 0; i < 50; i++) parseCebMessage(xml); // warm up
  let count = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(seconds * 1e9);
  let now = start;
  while (now < until) {
    const m = parseCebMessage(xml);
    if (!m.nodes.every((x) => x.ok)) throw new Error('a node was refused');
    count++;
    if (count % 10 === 0) now = process.hrtime.bigint();
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = count / s;
  console.log(
    `${label}: ${(xml.length / 1024).toFixed(1)} KB, ${perSecond.toFixed(0)} messages/s, ` +
      `${(perSecond * nodes).toFixed(0)} nodes/s, ${((s / count) * 1000).toFixed(3)} ms/message`,
  );
}

measure('CEB303 x100 nodes', Buffer.from(toCebXml(orders(100), baseTransfer), 'utf8'), 100);
measure('CEB303 x1 node', Buffer.from(toCebXml(orders(1), baseTransfer), 'utf8'), 1);
