import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const TASK_ASSIGNER_NAME = 'ClearanceTaskAssigner';
const VERSION = 1;

export interface MemberClaim {
  memberId: string;
  /** Tasks the member owned before this rebalance (from its subscription user data). */
  previousTasks: number[];
}

/**
 * Assigns whole tasks (task p = partition p of every co-partitioned input) to members:
 *  - balanced: every member gets floor(n/m) or ceil(n/m) tasks;
 *  - sticky: a member keeps the tasks it owned (up to its quota) so restores stay rare;
 *  - deterministic: same input, same output (members sorted by id, tasks by number).
 * A task claimed by two members (after a zombie episode) goes to the first claimant by id.
 */
export function assignTasks(members: MemberClaim[], taskCount: number): Map<string, number[]> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const result = new Map<string, number[]>();
  for (const m of sorted) result.set(m.memberId, []);
  const m = sorted.length;
  if (m === 0 || taskCount <= 0) return result;
  const minQuota = Math.floor(taskCount / m);
  let extraSlots = taskCount % m; // members that may hold minQuota + 1
  const taken = new Set<number>();

  // 1. keep previously owned tasks, up to the quota; members with most prior tasks first for the extra slots
  const byPrior = [...sorted].sort(
    (a, b) => b.previousTasks.length - a.previousTasks.length || (a.memberId < b.memberId ? -1 : 1),
  );
  for (const member of byPrior) {
    const keep = [...new Set(member.previousTasks)]
      .filter((t) => Number.isInteger(t) && t >= 0 && t < taskCount && !taken.has(t))
      .sort((a, b) => a - b);
    let limit = minQuota;
    if (keep.length > minQuota && extraSlots > 0) {
      limit = minQuota + 1;
      extraSlots--;
    }
    const kept = keep.slice(0, limit);
    for (const t of kept) taken.add(t);
    result.get(member.memberId)!.push(...kept);
  }

  // 2. hand out the rest to the members with the fewest tasks, respecting the quotas
  const capacity = (id: string): number => {
    const count = result.get(id)!.length;
    if (count < minQuota) return 1;
    if (count === minQuota && extraSlots > 0) return 1;
    return 0;
  };
  for (let task = 0; task < taskCount; task++) {
    if (taken.has(task)) continue;
    let best: string | undefined;
    for (const member of sorted) {
      if (capacity(member.memberId) === 0) continue;
      if (best === undefined || result.get(member.memberId)!.length < result.get(best)!.length)
        best = member.memberId;
    }
    if (best === undefined) throw new Error('task assigner: no capacity left (bug)');
    if (result.get(best)!.length === minQuota) extraSlots--;
    result.get(best)!.push(task);
    taken.add(task);
  }
  for (const tasks of result.values()) tasks.sort((a, b) => a - b);
  return result;
}

export function encodeUserData(tasks: number[]): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, tasks }), 'utf8');
}

export function decodeUserData(userData: Buffer | null | undefined): number[] {
  if (!userData || userData.length === 0) return [];
  try {
    const parsed = JSON.parse(userData.toString('utf8')) as { tasks?: unknown };
    return Array.isArray(parsed.tasks) ? parsed.tasks.filter((t): t is number => typeof t === 'number') : [];
  } catch {
    return [];
  }
}

/**
 * The kafkajs `partitionAssigners` entry. `ownedTasks` is read at every join (the member's
 * subscription carries it as user data); the leader assigns tasks for every subscribed topic.
 */
export function createTaskAssigner(ownedTasks: () => number[]): PartitionAssigner {
  return ({ cluster }) => ({
    name: TASK_ASSIGNER_NAME,
    version: VERSION,
    async assign({ members, topics }) {
      let taskCount = 0;
      const partitionsByTopic = new Map<string, Set<number>>();
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        partitionsByTopic.set(topic, new Set(partitions));
        taskCount = Math.max(taskCount, partitions.length === 0 ? 0 : Math.max(...partitions) + 1);
      }
      const claims = members.map((member) => {
        const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
        return { memberId: member.memberId, previousTasks: decodeUserData(metadata?.userData) };
      });
      const assignment = assignTasks(claims, taskCount);
      return [...assignment].map(([memberId, tasks]) => {
        const byTopic: Record<string, number[]> = {};
        for (const topic of topics)
          byTopic[topic] = tasks.filter((t) => partitionsByTopic.get(topic)!.has(t));
        return {
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: VERSION,
            assignment: byTopic,
            userData: Buffer.alloc(0),
          }),
        };
      });
    },
    protocol({ topics }) {
      return {
        name: TASK_ASSIGNER_NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: VERSION,
          topics,
          userData: encodeUserData(ownedTasks()),
        }),
      };
    },
  });
}
