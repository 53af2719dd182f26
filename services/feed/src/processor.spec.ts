import {
  LocalCodecs,
  participantTopics,
  Topics,
  type Decision,
  type Receipt,
  type RegisteredParticipant,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { TestDriver, silentLogger } from '@clearance/streams';
import { feedProcessor } from './processor';

const codecs = new LocalCodecs();
const T0 = D.SAMPLE_MATCH_TIME;
const registered = (role: RegisteredParticipant['role'], code: string): RegisteredParticipant => ({
  code,
  role,
  principal: `${role.toLowerCase()}-${code}`,
  partitions: 3,
  registeredAt: T0,
  apiKeySha256: null,
});

/** given the registered participants */
async function given(...participants: RegisteredParticipant[]) {
  const d = new TestDriver(feedProcessor({ codecs, config: { applicationId: 'feed', groupId: 'feed' }, logger: silentLogger }), {
    partitions: 2,
  });
  for (const p of participants) await d.pipeGlobal('participants', `${p.role}:${p.code}`, p);
  return d;
}

const receipt = (participant: Receipt['participant'], code: string): Receipt =>
  D.buildReceipt({
    to: { participant, code, docType: 'ORDER', docGuid: null },
    ref: { caseKey: 'P1:ORD-1', ebpCode: 'P1', orderNo: 'ORD-1', logisticsCode: null, logisticsNo: null, invtNo: null },
    returnStatus: '2',
    at: T0,
    returnInfo: 'accepted',
  });

const decision = (carrier: string, platform: string): Decision => ({
  guid: 'd-1',
  waybillKey: `${carrier}:LN1`,
  orderKey: `${platform}:ORD-1`,
  invtNo: 'INV-1',
  outcome: 'RELEASE',
  returnStatus: '800',
  score: 0,
  ruleSetVersion: 'v1',
  rulesFired: [],
  decidedAt: T0,
  lastDocumentTime: T0,
  manifest: D.sampleExportManifest(),
});

describe('feed: each participant gets its own records, byte for byte, and nobody else does', () => {
  it('copies a receipt to its addressee’s receipt feed with the same key, bytes and timestamp', async () => {
    const d = await given(registered('PLATFORM', 'P1'), registered('PLATFORM', 'P2'));
    const r = receipt('EBP', 'P1');
    await d.pipe(Topics.receipt.name, 'P1:ORD-1', { bytes: await codecs.encode(Topics.receipt, r), value: r }, { timestamp: T0 + 5 });
    const feed = participantTopics('PLATFORM', 'P1').feeds.receipt!;
    const out = d.rawRecords(feed);
    expect(out).toHaveLength(1);
    expect(out[0].key?.toString()).toBe('P1:ORD-1');
    expect(out[0].value).toEqual(await codecs.encode(Topics.receipt, r));
    expect(out[0].timestamp).toBe(T0 + 5);
    expect(out[0].partition).toBeLessThan(3);
    expect(d.rawRecords(participantTopics('PLATFORM', 'P2').feeds.receipt!)).toHaveLength(0);
  });

  it("sends a decision to its carrier's and its platform's decision feeds", async () => {
    const d = await given(registered('CARRIER', 'C1'), registered('PLATFORM', 'P1'), registered('CARRIER', 'C2'));
    const v = decision('C1', 'P1');
    await d.pipe(Topics.decision.name, v.waybillKey, { bytes: await codecs.encode(Topics.decision, v), value: v });
    expect(d.rawRecords(participantTopics('CARRIER', 'C1').feeds.decision!)).toHaveLength(1);
    expect(d.rawRecords(participantTopics('PLATFORM', 'P1').feeds.decision!)).toHaveLength(1);
    expect(d.rawRecords(participantTopics('CARRIER', 'C2').feeds.decision!)).toHaveLength(0);
  });

  it('writes nothing for an enterprise that is not registered, nor after it is removed', async () => {
    const d = await given(registered('CARRIER', 'C1'));
    const v = decision('C9', 'P9');
    await d.pipe(Topics.decision.name, v.waybillKey, { bytes: await codecs.encode(Topics.decision, v), value: v });
    await d.pipeGlobal('participants', 'CARRIER:C1', null);
    const mine = decision('C1', 'P9');
    await d.pipe(Topics.decision.name, mine.waybillKey, { bytes: await codecs.encode(Topics.decision, mine), value: mine });
    expect(d.rawRecords(participantTopics('CARRIER', 'C1').feeds.decision!)).toHaveLength(0);
    expect(d.rawRecords(participantTopics('CARRIER', 'C9').feeds.decision!)).toHaveLength(0);
  });
});
