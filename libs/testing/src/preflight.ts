/**
 * Topic names are fixed, so another clearance engine running against the same broker (`npm
 * start`, a leaked service of an earlier run) consumes this run's documents too: its matcher
 * puts a second list on clearance.manifest.v1 for every parcel, its risk a second decision, its
 * lifecycle a second set of receipts, and this run's lifecycle takes whichever decision comes
 * first. Nothing on those records tells the two engines apart, so the test refuses to run then.
 */
import { AssignerProtocol, type Admin } from 'kafkajs';

/** The streams runtime's partition assigner (libs/streams TASK_ASSIGNER_NAME): a group using it is a stream processor. */
const STREAMS_ASSIGNER = 'ClearanceTaskAssigner';

export interface ForeignConsumer {
  groupId: string;
  members: number;
  topics: string[];
}

/**
 * Stream processors (groups of the streams runtime, which write outputs) with live members
 * subscribed to any of `topics` (the inputs of the stages the test runs), other than the run's
 * own groups. Plain consumers (projectors, other tests' readers) only read and do not count.
 */
export async function foreignConsumers(
  admin: Admin,
  topics: ReadonlyArray<string>,
  own: ReadonlyArray<string>,
): Promise<ForeignConsumer[]> {
  const watched = new Set(topics);
  const { groups } = await admin.listGroups();
  const candidates = groups.filter(
    (g) => !own.includes(g.groupId) && (g.protocolType === 'consumer' || g.protocolType === ''),
  );
  if (candidates.length === 0) return [];
  const described = await admin.describeGroups(candidates.map((g) => g.groupId));
  const out: ForeignConsumer[] = [];
  for (const g of described.groups) {
    if (g.members.length === 0 || g.protocol !== STREAMS_ASSIGNER) continue;
    const subscribed = new Set<string>();
    for (const m of g.members) {
      try {
        for (const t of AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [])
          subscribed.add(t);
      } catch {
        // not the standard consumer protocol metadata: cannot tell, ignore
      }
    }
    const hit = [...subscribed].filter((t) => watched.has(t)).sort();
    if (hit.length > 0) out.push({ groupId: g.groupId, members: g.members.length, topics: hit });
  }
  return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
}
