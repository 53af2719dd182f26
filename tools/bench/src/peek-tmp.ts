import { Kafka, logLevel } from 'kafkajs';
import { RegistryCodecs, topicByName } from '@clearance/contracts';
async function main() {
  const codecs = new RegistryCodecs({ url: process.env.SCHEMA_REGISTRY_URL! });
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const c = kafka.consumer({ groupId: 'peek-' + Date.now() });
  await c.connect();
  await c.subscribe({ topic: process.argv[2], fromBeginning: true });
  let n = 0; const max = Number(process.argv[3] ?? 10); const key = process.argv[4];
  await new Promise<void>((resolve) => {
    void c.run({ eachMessage: async ({ message, partition }) => {
      if (n >= max) return;
      if (key && message.key?.toString() !== key) return;
      n++;
      const v = await codecs.decode(topicByName(process.argv[2]), message.value);
      console.log(partition, message.key?.toString(), JSON.stringify(v));
      if (n >= max) resolve();
    } });
  });
  await c.disconnect();
}
void main();
