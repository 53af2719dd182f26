import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const TASK_ASSIGNER_NAME = 'ClearanceTaskAssigner';
const VERSION = 1;

export interface MemberClaim {
  memberId: string;
  /** Tasks the member owned before this rebalance (from its subscription user data). */
  previousTasks: number[];
  /** Tasks whose local state the member keeps (standby copies followed from the changelogs). */
  localTasks?: number[];
}

/** Active tasks and standby tasks per member. */
export interface TaskAssignment {
  active: Map<string, number[]>;
  standby: Map<string, number[]>;
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

  // 2. hand out the rest to the members with the fewest tasks, respecting the quotas; a member
  //    holding the task's local state (a standby: little or nothing to restore) first
  const capacity = (id: string): number => {
    const count = result.get(id)!.length;
    if (count < minQuota) return 1;
    if (count === minQuota && extraSlots > 0) return 1;
    return 0;
  };
  const local = new Map(sorted.map((mb) => [mb.memberId, new Set(mb.localTasks ?? [])]));
  for (let task = 0; task < taskCount; task++) {
    if (taken.has(task)) continue;
    let best: string | undefined;
    for (const member of sorted) {
      if (capacity(member.memberId) === 0) continue;
      if (best === undefined) {
        best = member.memberId;
        continue;
      }
      const hasLocal = local.get(member.memberId)!.has(task);
      const bestLocal = local.get(best)!.has(task);
      if (hasLocal !== bestLocal) {
        if (hasLocal) best = member.memberId;
        continue;
      }
      if (result.get(member.memberId)!.length < result.get(best)!.length) best = member.memberId;
    }
    if (best === undefined) throw new Error('task assigner: no capacity left (bug)');
    if (result.get(best)!.length === minQuota) extraSlots--;
    result.get(best)!.push(task);
    taken.add(task);
  }
  for (const tasks of result.values()) tasks.sort((a, b) => a - b);
  return result;
}

/**
 * Active tasks (`assignTasks`), then `standbys` standby copies of every task on other members
 * (as Kafka Streams' num.standby.replicas): never on the task's active member nor twice on one
 * member; members that already hold the task's local state first (no catch-up), then those with
 * the fewest standbys, then by id. Fewer members than copies: fewer copies.
 */
export function assignWithStandbys(members: MemberClaim[], taskCount: number, standbys: number): TaskAssignment {
  const active = assignTasks(members, taskCount);
  const standby = new Map<string, number[]>();
  const ids = [...active.keys()];
  for (const id of ids) standby.set(id, []);
  if (standbys <= 0 || ids.length < 2) return { active, standby };
  const owner = new Map<number, string>();
  for (const [id, tasks] of active) for (const t of tasks) owner.set(t, id);
  const local = new Map(members.map((mb) => [mb.memberId, new Set([...(mb.localTasks ?? []), ...mb.previousTasks])]));
  for (let task = 0; task < taskCount; task++) {
    const holders = new Set<string>([owner.get(task)!]);
    for (let copy = 0; copy < standbys; copy++) {
      let best: string | undefined;
      for (const id of ids) {
        if (holders.has(id)) continue;
        if (best === undefined) {
          best = id;
          continue;
        }
        const hasLocal = local.get(id)?.has(task) === true;
        const bestLocal = local.get(best)?.has(task) === true;
        if (hasLocal !== bestLocal) {
          if (hasLocal) best = id;
          continue;
        }
        if (standby.get(id)!.length < standby.get(best)!.length) best = id;
      }
      if (best === undefined) break;
      holders.add(best);
      standby.get(best)!.push(task);
    }
  }
  return { active, standby };
}

/** What a member tells the leader: the tasks it owns, and the tasks whose local state it keeps. */
export function encodeUserData(tasks: number[], local: number[] = []): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, tasks, local }), 'utf8');
}

const numbers = (value: unknown): number[] =>
  Array.isArray(value) ? value.filter((t): t is number => typeof t === 'number') : [];

export function decodeUserData(userData: Buffer | null | undefined): number[] {
  return decodeMemberData(userData).tasks;
}

export function decodeMemberData(userData: Buffer | null | undefined): { tasks: number[]; local: number[] } {
  if (!userData || userData.length === 0) return { tasks: [], local: [] };
  try {
    const parsed = JSON.parse(userData.toString('utf8')) as { tasks?: unknown; local?: unknown };
    return { tasks: numbers(parsed.tasks), local: numbers(parsed.local) };
  } catch {
    return { tasks: [], local: [] };
  }
}

/** The standby tasks the leader gave a member (its assignment's user data). */
export function decodeStandbyTasks(userData: Buffer | null | undefined): number[] {
  if (!userData || userData.length === 0) return [];
  try {
    return numbers((JSON.parse(userData.toString('utf8')) as { standby?: unknown }).standby);
  } catch {
    return [];
  }
}

/**
 * The kafkajs `partitionAssigners` entry. `ownedTasks` and `localTasks` are read at every join
 * (the member's subscription carries them as user data); the leader assigns tasks for every
 * subscribed topic, and `standbys` standby copies of each (in each member's assignment user data).
 */
export function createTaskAssigner(
  ownedTasks: () => number[],
  localTasks: () => number[] = () => [],
  standbys = 0,
): PartitionAssigner {
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
        const data = decodeMemberData(metadata?.userData);
        return { memberId: member.memberId, previousTasks: data.tasks, localTasks: data.local };
      });
      const { active, standby } = assignWithStandbys(claims, taskCount, standbys);
      return [...active].map(([memberId, tasks]) => {
        const byTopic: Record<string, number[]> = {};
        for (const topic of topics)
          byTopic[topic] = tasks.filter((t) => partitionsByTopic.get(topic)!.has(t));
        return {
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: VERSION,
            assignment: byTopic,
            userData: Buffer.from(JSON.stringify({ v: VERSION, standby: standby.get(memberId) ?? [] }), 'utf8'),
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
          userData: encodeUserData(ownedTasks(), localTasks()),
        }),
      };
    },
  });
}
