import { LocalCodecs, orderKey, participantTopics, Topics, type Receipt, type RegisteredParticipant } from '@clearance/contracts';
import * as D from '@clearance/domain';
import { TestDriver, silentLogger } from '@clearance/streams';
import { intakeProcessor } from './processor';

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
const config = { applicationId: 'intake', groupId: 'intake', partitions: 3 };

/** given the registered participants (the intake's inputs are their input topics) */
const given = (...participants: RegisteredParticipant[]) =>
  new TestDriver(intakeProcessor({ codecs, config, logger: silentLogger }, participants), { partitions: 3 });

describe('intake: a participant files only its own documents', () => {
  const order = D.sampleExportOrder();
  const platform = registered('PLATFORM', order.ebpCode);
  const other = registered('PLATFORM', 'OTHERPLAT1');
  const input = (p: RegisteredParticipant) => participantTopics(p.role, p.code).inputs[0].topic;

  it('forwards an order its platform files to ceb.order.v1, keyed by the order key, with its timestamp', async () => {
    const d = given(platform, other);
    await d.pipe(input(platform), Buffer.from('whatever key'), order, { timestamp: T0 + 7 });
    const out = await d.readOutput(Topics.order.name);
    expect(out).toHaveLength(1);
    expect(out[0].key).toBe(orderKey(order));
    expect(out[0].value).toEqual(order);
    expect(out[0].timestamp).toBe(T0 + 7);
    expect(await d.readOutput(Topics.receipt.name)).toEqual([]);
  });

  it("refuses an order filed under another platform's code: DLQ and a 100 receipt to the sender, nothing forwarded", async () => {
    const d = given(platform, other);
    await d.pipe(input(other), null, order, { timestamp: T0 });
    expect(await d.readOutput(Topics.order.name)).toEqual([]);
    const receipts = (await d.readOutput(Topics.receipt.name)).map((r) => r.value as Receipt);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ participant: 'EBP', participantCode: 'OTHERPLAT1', returnStatus: '100', docGuid: order.guid });
    expect(receipts[0].reasons.map((r) => r.code)).toEqual(['SENDER_MISMATCH']);
    const dlq = d.readDeadLetters(input(other));
    expect(dlq.map((x) => [x.kind, x.code])).toEqual([['rejected', 'SENDER_MISMATCH']]);
  });

  it("forwards a list its filer (agent) files to ceb.list.v1, and refuses one naming another filer", async () => {
    const list = D.sampleExportFiledList(undefined, { agentCode: 'AGT0000001' });
    const agent = registered('AGENT', 'AGT0000001');
    const otherAgent = registered('AGENT', 'AGT0000002');
    const d = given(platform, agent, otherAgent);
    await d.pipe(input(agent), null, list, { timestamp: T0 });
    await d.pipe(input(otherAgent), null, { ...list, guid: D.sampleGuid('list-2') }, { timestamp: T0 + 1 });
    const out = await d.readOutput(Topics.list.name);
    expect(out.map((r) => [r.key, r.value])).toEqual([[orderKey(list), list]]);
    const receipts = (await d.readOutput(Topics.receipt.name)).map((r) => r.value as Receipt);
    expect(receipts.map((r) => [r.participant, r.participantCode, r.docType, r.returnStatus])).toEqual([
      ['EBC', 'AGT0000002', 'LIST', '100'],
    ]);
    expect(D.receiptTargets(receipts[0])).toEqual([{ role: 'AGENT', code: 'AGT0000002', kind: 'receipt' }]);
  });

  it('answers bytes that are not an order with a 100 receipt to the participant, on the DLQ', async () => {
    const d = given(platform);
    await d.pipeRaw(input(platform), Buffer.from(orderKey(order)), Buffer.from('not avro at all'), { timestamp: T0 });
    const receipts = (await d.readOutput(Topics.receipt.name)).map((r) => r.value as Receipt);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ participant: 'EBP', participantCode: order.ebpCode, returnStatus: '100', caseKey: orderKey(order) });
    expect(receipts[0].reasons.map((r) => r.code)).toEqual(['UNDECODABLE']);
    expect(d.readDeadLetters(input(platform))).toHaveLength(1);
    expect(await d.readOutput(Topics.order.name)).toEqual([]);
  });

  it('reads every input topic of every registered participant, and only those', () => {
    const carrier = registered('CARRIER', 'CARR000001');
    const def = intakeProcessor({ codecs, config, logger: silentLogger }, [platform, carrier]);
    expect(Object.keys(def.inputs).sort()).toEqual(
      [input(platform), ...participantTopics('CARRIER', 'CARR000001').inputs.map((i) => i.topic)].sort(),
    );
  });
});
