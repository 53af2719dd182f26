/**
 * A keyed counter as a service spec, for the integration tests: the smallest processor with a
 * store, an output and a DLQ path. Its topics and name come from the environment, so the same
 * module runs in-process and as the entry of stream threads (where it starts the thread's part).
 */
import { z } from 'zod';
import { defineProcessor, numberSerde, stringSerde } from '@clearance/streams';
import type { StreamsServiceSpec } from '../bootstrap';
import { runStreamsServiceMain } from '../bootstrap';
import { streamThreadIndex } from '../threads';

export function counter(input: string, output: string, name: string) {
  return defineProcessor({
    name,
    inputs: { [input]: { key: stringSerde, value: numberSerde } },
    outputs: { [output]: { key: stringSerde, value: numberSerde } },
    stores: { counts: { value: numberSerde } },
    process(record, ctx) {
      const store = ctx.store('counts');
      const next = (store.get(record.key) ?? 0) + record.value;
      store.put(record.key, next);
      ctx.emit(output, record.key, next);
    },
  });
}

const counterConfig = z.object({
  COUNTER_INPUT: z.string().min(1),
  COUNTER_OUTPUT: z.string().min(1),
  COUNTER_NAME: z.string().min(1),
});

export const counterService: StreamsServiceSpec<z.infer<typeof counterConfig>> = {
  name: 'nest-streams-test',
  config: counterConfig,
  definitions: ({ config }) => [counter(config.COUNTER_INPUT, config.COUNTER_OUTPUT, config.COUNTER_NAME)],
};

if (streamThreadIndex() !== undefined) runStreamsServiceMain(counterService);
