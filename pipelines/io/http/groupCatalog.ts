import { GroupVersion } from '../../membership/groupVersion';
import { ApiSource, GroupFilter, GroupSummary, Page } from './apiSource';

/**
 * The group half of an {@link ApiSource}, in memory: fed the same versions as the
 * pipeline's MembershipState (from `der.groups` or a groups file), it answers the
 * group list and each group's history. MembershipState answers "which version holds
 * for a window" and keeps no history a reader may walk; this keeps it.
 *
 * "Now" is the wall clock: a group is listed from its first `effectiveFrom` that has
 * passed until a deletion that has.
 */
export class GroupCatalog implements Pick<ApiSource, 'groups' | 'groupHistory'> {
  private readonly histories = new Map<string, GroupVersion[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Same rule as MembershipState.apply: one version per (groupId, effectiveFrom), the last one wins. */
  apply(version: GroupVersion): void {
    const history = this.histories.get(version.groupId) ?? [];
    const kept = history.filter((v) => v.effectiveFrom !== version.effectiveFrom);
    kept.push(version);
    kept.sort((a, b) => a.effectiveFrom - b.effectiveFrom);
    this.histories.set(version.groupId, kept);
  }

  async groups(filter: GroupFilter, offset: number, limit: number): Promise<Page<GroupSummary>> {
    const now = this.now();
    const text = filter.text?.toLowerCase();
    const matches: GroupSummary[] = [];
    for (const groupId of [...this.histories.keys()].sort()) {
      const current = inForce(this.histories.get(groupId)!, now);
      if (current === undefined) continue;
      if (
        text !== undefined &&
        !groupId.toLowerCase().includes(text) &&
        !(current.name ?? '').toLowerCase().includes(text)
      ) {
        continue;
      }
      if (filter.deviceId !== undefined && !current.members.some((m) => m.deviceId === filter.deviceId)) {
        continue;
      }
      matches.push({
        groupId,
        ...(current.name === undefined ? {} : { name: current.name }),
        effectiveFrom: current.effectiveFrom,
        memberCount: current.members.length,
      });
    }
    return { total: matches.length, items: matches.slice(offset, offset + limit) };
  }

  async groupHistory(groupId: string): Promise<readonly GroupVersion[]> {
    return this.histories.get(groupId) ?? [];
  }
}

/** The version with the largest `effectiveFrom <= now`, unless it is a deletion. */
export function inForce(history: readonly GroupVersion[], now: number): GroupVersion | undefined {
  let current: GroupVersion | undefined;
  for (const version of history) {
    if (version.effectiveFrom > now) break;
    current = version;
  }
  return current?.deleted ? undefined : current;
}
