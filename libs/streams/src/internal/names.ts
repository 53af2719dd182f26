/** @internal topic and id naming shared by the runtime and the test driver. */
export const changelogTopic = (applicationId: string, store: string): string =>
  `${applicationId}.${store}.changelog`;
export const checkpointTopic = (applicationId: string): string => `${applicationId}.__checkpoint.changelog`;
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;
export const transactionalId = (applicationId: string, task: number): string => `${applicationId}-${task}`;

export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  kind: 'dlq.kind',
  code: 'dlq.code',
  topic: 'dlq.topic',
  partition: 'dlq.partition',
  offset: 'dlq.offset',
  timestamp: 'dlq.timestamp',
  app: 'dlq.app',
} as const;
