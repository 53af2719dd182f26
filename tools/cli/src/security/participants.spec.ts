import { participantPrincipal } from '@clearance/contracts';
import { participantManifests } from './k8s-users';
import { participantAcls, participantTopicList } from './participants';

describe('a participant’s grants', () => {
  it('lets a carrier write its own input topics and read its own feeds, nothing else', () => {
    const rules = participantAcls('CARRIER', '3301966L02');
    expect(rules).toHaveLength(4);
    expect(rules).toEqual(expect.arrayContaining([
      { resourceType: 'GROUP', name: 'carrier-3301966l02', patternType: 'LITERAL', operations: ['READ', 'DESCRIBE'] },
      { resourceType: 'GROUP', name: 'carrier-3301966l02.', patternType: 'PREFIXED', operations: ['READ', 'DESCRIBE'] },
      { resourceType: 'TOPIC', name: 'feed.carrier.3301966L02.', patternType: 'PREFIXED', operations: ['READ', 'DESCRIBE'] },
      { resourceType: 'TOPIC', name: 'in.carrier.3301966L02.', patternType: 'PREFIXED', operations: ['WRITE', 'DESCRIBE'] },
    ]));
  });

  it('keeps one enterprise’s prefix from matching another’s (the trailing dot)', () => {
    const rules = participantAcls('PLATFORM', 'P1');
    const prefixes = rules.filter((r) => r.patternType === 'PREFIXED').map((r) => r.name);
    for (const p of prefixes) expect('in.platform.P10.order.v1'.startsWith(p)).toBe(false);
  });

  it('lists its topics: inputs and feeds with its partition count, one-partition DLQs', () => {
    expect(participantTopicList('PAYER', 'Y1', 3)).toEqual([
      { name: 'in.payer.Y1.payment.v1', partitions: 3 },
      { name: 'in.payer.Y1.payment.v1.dlq', partitions: 1 },
      { name: 'feed.payer.Y1.receipt.v1', partitions: 3 },
    ]);
  });

  it('renders a Strimzi KafkaUser with those ACLs and a KafkaTopic per topic', () => {
    const yaml = participantManifests(
      {
        principal: participantPrincipal('PAYER', 'Y1'),
        role: 'PAYER',
        code: 'Y1',
        rules: participantAcls('PAYER', 'Y1'),
        topics: participantTopicList('PAYER', 'Y1', 3),
      },
      { cluster: 'clearance', replicas: 3 },
    );
    expect(yaml).toContain('kind: KafkaUser\nmetadata:\n  name: payer-y1\n');
    expect(yaml).toContain('- resource: { type: topic, name: in.payer.Y1., patternType: prefix }\n        operations: [Write, Describe]');
    expect(yaml.match(/kind: KafkaTopic/g)).toHaveLength(3);
    expect(yaml).toContain('  topicName: in.payer.Y1.payment.v1.dlq\n  partitions: 1\n  replicas: 3');
  });
});
