import { PARTICIPANT_INPUT_PREFIX, RegistryCodecs, Topics, type RegisteredParticipant } from '@clearance/contracts';
import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { mergeAcls, runtimeAcls, silentLogger } from '@clearance/streams';
import { intakeConfigSchema, type IntakeConfig } from './config';
import { intakeProcessor } from './processor';

/**
 * The intake service for libs/nest-streams: its inputs are the registered participants' input
 * topics, so it runs as a reconfiguring runtime that follows `ref.participant.v1` (a registration
 * or removal restarts the processor on the new set of topics; records wait in the topics meanwhile).
 */
export const intakeService: StreamsServiceSpec<IntakeConfig> = {
  name: 'intake',
  config: intakeConfigSchema,
  definitions: () => [],
  reconfiguring: ({ codecs, config, logger }) => [
    {
      name: config.applicationId,
      groupId: config.groupId,
      // a new participant's input topic is read from its start, whatever AUTO_OFFSET_RESET says:
      // the topic was created empty at its registration, and none of its documents may be skipped
      autoOffsetReset: 'earliest',
      source: { topic: Topics.participant.name, value: codecs.serde(Topics.participant) },
      build: (table) => {
        const all = [...table.values()] as RegisteredParticipant[];
        const participants = all.filter((p) => p.partitions === config.partitions);
        for (const p of all.filter((x) => x.partitions !== config.partitions))
          logger.error(
            { participant: p.principal, partitions: p.partitions, expected: config.partitions },
            'participant left out: its input topics have another partition count than PARTICIPANT_PARTITIONS (re-register it with that count)',
          );
        return participants.length === 0 ? undefined : intakeProcessor({ codecs, config, logger }, participants);
      },
    },
  ],
  acls: (config) => {
    // the processor with no participant: its fixed topics, group and transactional ids (no I/O)
    const codecs = new RegistryCodecs({ url: 'http://unused' });
    const base = runtimeAcls(intakeProcessor({ codecs, config, logger: silentLogger }, []), {
      applicationId: config.applicationId,
      groupId: config.groupId,
    });
    return mergeAcls([
      ...base,
      // every participant's input topic (read) and its DLQ (created and written on the first refusal)
      { resourceType: 'TOPIC', name: PARTICIPANT_INPUT_PREFIX, patternType: 'PREFIXED', operations: ['READ', 'WRITE', 'CREATE', 'DESCRIBE'] },
      // the registry of participants it follows (group `<group>.config.*`, covered by `<group>.`)
      { resourceType: 'TOPIC', name: Topics.participant.name, patternType: 'LITERAL', operations: ['READ', 'DESCRIBE'] },
    ]);
  },
  groupId: (_definition, config) => config.groupId,
};
