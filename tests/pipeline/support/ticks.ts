/**
 * Stream time is per task (one partition number across the co-partitioned document topics) and
 * only moves with records. To make every open case of the run reach its match deadline, one
 * valid order is produced to every partition, timestamped after the window: the matcher's
 * punctuator then sees the stream time pass every deadline.
 */
import { partitionForKey } from '@clearance/streams';
import type { GeneratedParcel } from '@clearance/generator';

/**
 * One parcel per partition whose order key lands on it under Kafka's default (murmur2)
 * partitioner, taken from `spare` (parcels that are not part of the scenario).
 */
export function tickParcels(spare: ReadonlyArray<GeneratedParcel>, partitions: number): GeneratedParcel[] {
  const byPartition = new Map<number, GeneratedParcel>();
  for (const p of spare) {
    const partition = partitionForKey(Buffer.from(p.orderKey, 'utf8'), partitions);
    if (!byPartition.has(partition)) byPartition.set(partition, p);
    if (byPartition.size === partitions) break;
  }
  if (byPartition.size < partitions) {
    const missing = Array.from({ length: partitions }, (_, i) => i).filter((i) => !byPartition.has(i));
    throw new Error(
      `no spare parcel lands on partition(s) ${missing.join(', ')} of ${partitions}: generate more spares`,
    );
  }
  return [...byPartition].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}
