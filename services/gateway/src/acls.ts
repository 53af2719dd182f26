import { PARTICIPANT_INPUT_PREFIX, Topics } from '@clearance/contracts';
import type { AclRule } from '@clearance/streams';

/**
 * The gateway principal's ACLs: write every participant's input topics (`in.`: it publishes a
 * participant's nodes to that participant's own topics, after checking the caller's API key and
 * sender codes; the intake checks the sender again), read the participant registry through its
 * throwaway consumer groups `<applicationId>.global.<uuid>`. Nothing else: not the shared topics,
 * not the feeds (returns come from Postgres).
 */
export function gatewayAcls(applicationId = 'gateway'): AclRule[] {
  return [
    {
      resourceType: 'TOPIC',
      name: PARTICIPANT_INPUT_PREFIX,
      patternType: 'PREFIXED',
      operations: ['WRITE', 'DESCRIBE'],
    },
    {
      resourceType: 'TOPIC',
      name: Topics.participant.name,
      patternType: 'LITERAL',
      operations: ['READ', 'DESCRIBE'],
    },
    {
      resourceType: 'GROUP',
      name: `${applicationId}.`,
      patternType: 'PREFIXED',
      operations: ['READ', 'DESCRIBE'],
    },
  ];
}
