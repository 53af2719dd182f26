import { AssignerProtocol } from 'kafkajs';
import {
  assignTasks,
  assignWithStandbys,
  createTaskAssigner,
  decodeMemberData,
  decodeStandbyTasks,
  decodeUserData,
  encodeUserData,
  TASK_ASSIGNER_NAME,
} from './assigner';

function check(assignment: Map<string, number[]>, taskCount: number): void {
  const all = [...assignment.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual([...Array(taskCount).keys()]);
  const sizes = [...assignment.values()].map((t) => t.length);
  if (sizes.length > 0) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

describe('task assigner', () => {
  it('assigns every task exactly once, balanced', () => {
    for (const [members, tasks] of [
      [1, 12],
      [2, 12],
      [5, 12],
      [12, 12],
      [13, 12],
      [3, 1],
      [4, 0],
    ] as const) {
      const claims = Array.from({ length: members }, (_, i) => ({ memberId: `m${i}`, previousTasks: [] }));
      check(assignTasks(claims, tasks), tasks);
    }
  });

  it('is sticky: a joining member takes tasks only from over-quota members', () => {
    const before = assignTasks([{ memberId: 'a', previousTasks: [] }], 12);
    expect(before.get('a')).toHaveLength(12);
    const after = assignTasks(
      [
        { memberId: 'a', previousTasks: before.get('a')! },
        { memberId: 'b', previousTasks: [] },
      ],
      12,
    );
    check(after, 12);
    expect(after.get('a')!.every((t) => before.get('a')!.includes(t))).toBe(true);
    // a third member: a and b each give up two, nobody else moves
    const third = assignTasks(
      [
        { memberId: 'a', previousTasks: after.get('a')! },
        { memberId: 'b', previousTasks: after.get('b')! },
        { memberId: 'c', previousTasks: [] },
      ],
      12,
    );
    check(third, 12);
    expect(third.get('a')!.every((t) => after.get('a')!.includes(t))).toBe(true);
    expect(third.get('b')!.every((t) => after.get('b')!.includes(t))).toBe(true);
    // a member leaves: the survivors keep theirs and split the orphans
    const leave = assignTasks(
      [
        { memberId: 'b', previousTasks: third.get('b')! },
        { memberId: 'c', previousTasks: third.get('c')! },
      ],
      12,
    );
    check(leave, 12);
    expect(third.get('b')!.every((t) => leave.get('b')!.includes(t))).toBe(true);
    expect(third.get('c')!.every((t) => leave.get('c')!.includes(t))).toBe(true);
  });

  it('resolves double claims and ignores out-of-range tasks', () => {
    const a = assignTasks(
      [
        { memberId: 'x', previousTasks: [0, 1, 2, 99] },
        { memberId: 'y', previousTasks: [1, 2, 3] },
      ],
      4,
    );
    check(a, 4);
  });

  it('is deterministic and balanced on random inputs', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 300; round++) {
      const tasks = Math.floor(rnd() * 30);
      const members = 1 + Math.floor(rnd() * 8);
      const claims = Array.from({ length: members }, (_, i) => ({
        memberId: `m${Math.floor(rnd() * 1000)}-${i}`,
        previousTasks: Array.from({ length: Math.floor(rnd() * 10) }, () => Math.floor(rnd() * (tasks + 2))),
      }));
      const one = assignTasks(claims, tasks);
      check(one, tasks);
      expect([...assignTasks([...claims].reverse(), tasks)]).toEqual([...one]);
    }
  });

  it('works as a kafkajs assigner: whole tasks across co-partitioned topics, user data round trip', async () => {
    expect(decodeUserData(encodeUserData([3, 1]))).toEqual([3, 1]);
    expect(decodeUserData(Buffer.from('garbage'))).toEqual([]);
    const cluster = {
      findTopicPartitionMetadata: () => [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId })),
    };
    const factory = createTaskAssigner(() => [0, 1, 2]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const assigner = factory({ cluster: cluster as any, groupId: 'g', logger: {} as any });
    expect(assigner.name).toBe(TASK_ASSIGNER_NAME);
    const meta = assigner.protocol({ topics: ['a', 'b'] });
    const members = [
      { memberId: 'm1', memberMetadata: meta.metadata },
      {
        memberId: 'm2',
        memberMetadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics: ['a', 'b'],
          userData: encodeUserData([]),
        }),
      },
    ];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = await assigner.assign({ members: members as any, topics: ['a', 'b'] });
    const decoded = Object.fromEntries(
      result.map((r) => [
        r.memberId,
        AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!.assignment,
      ]),
    );
    expect(decoded.m1).toEqual({ a: [0, 1, 2], b: [0, 1, 2] });
    expect(decoded.m2).toEqual({ a: [3, 4, 5], b: [3, 4, 5] });
  });

  it('given standbys, places the copies of each task on other members, balanced, each once', () => {
    for (const [members, tasks, copies] of [
      [2, 12, 1],
      [3, 12, 1],
      [3, 12, 2],
      [4, 7, 1],
      [2, 12, 2], // only one other member: one copy
      [1, 12, 1], // alone: none
    ] as const) {
      const claims = Array.from({ length: members }, (_, i) => ({ memberId: `m${i}`, previousTasks: [] }));
      const { active, standby } = assignWithStandbys(claims, tasks, copies);
      check(active, tasks);
      const expectedCopies = Math.min(copies, members - 1);
      for (let t = 0; t < tasks; t++) {
        const holders = [...standby].filter(([, ts]) => ts.includes(t)).map(([id]) => id);
        expect(holders).toHaveLength(expectedCopies);
        expect(new Set(holders).size).toBe(holders.length);
        const owner = [...active].find(([, ts]) => ts.includes(t))![0];
        expect(holders).not.toContain(owner);
      }
      const sizes = [...standby.values()].map((ts) => ts.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('when an owner is gone, gives its tasks to the members holding their standby copies', () => {
    // m0 owned 0-3 and is gone; m1 followed 0 and 1, m2 followed 2 and 3 (and owned 4-7 / 8-11)
    const claims = [
      { memberId: 'm1', previousTasks: [4, 5, 6, 7], localTasks: [0, 1] },
      { memberId: 'm2', previousTasks: [8, 9, 10, 11], localTasks: [2, 3] },
    ];
    const { active, standby } = assignWithStandbys(claims, 12, 1);
    expect(active.get('m1')).toEqual([0, 1, 4, 5, 6, 7]);
    expect(active.get('m2')).toEqual([2, 3, 8, 9, 10, 11]);
    // the standbys go where the local state is (a member's previously owned tasks count)
    expect(standby.get('m1')).toEqual([2, 3, 8, 9, 10, 11]);
    expect(standby.get('m2')).toEqual([0, 1, 4, 5, 6, 7]);
  });

  it('carries standby tasks through the kafkajs assignment user data', async () => {
    expect(decodeMemberData(encodeUserData([1], [2, 3]))).toEqual({ tasks: [1], local: [2, 3] });
    expect(decodeStandbyTasks(Buffer.from('nonsense'))).toEqual([]);
    const cluster = {
      findTopicPartitionMetadata: () => [0, 1, 2, 3].map((partitionId) => ({ partitionId })),
    };
    const factory = createTaskAssigner(
      () => [0, 1],
      () => [2, 3],
      1,
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const assigner = factory({ cluster: cluster as any, groupId: 'g', logger: {} as any });
    const meta = assigner.protocol({ topics: ['a'] });
    const other = AssignerProtocol.MemberMetadata.encode({
      version: 1,
      topics: ['a'],
      userData: encodeUserData([2, 3], [0, 1]),
    });
    const members = [
      { memberId: 'm1', memberMetadata: meta.metadata },
      { memberId: 'm2', memberMetadata: other },
    ];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = await assigner.assign({ members: members as any, topics: ['a'] });
    const decoded = Object.fromEntries(
      result.map((r) => {
        const a = AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!;
        return [r.memberId, { active: a.assignment.a, standby: decodeStandbyTasks(a.userData) }];
      }),
    );
    expect(decoded).toEqual({
      m1: { active: [0, 1], standby: [2, 3] },
      m2: { active: [2, 3], standby: [0, 1] },
    });
  });
});
