import { GroupVersion } from '../../membership/groupVersion';
import { MembershipState } from '../../membership/membershipState';
import { ApiSource, GroupFilter, GroupSummary, Page } from './apiSource';

/**
 * The group half of an {@link ApiSource}, read from the pipeline's own MembershipState
 * (fed from `der.groups`, a groups file or IEC requests): the group list and each
 * group's history.
 *
 * "Now" is the wall clock: a group is listed from its first `effectiveFrom` that has
 * passed until a deletion that has.
 */
export class GroupCatalog implements Pick<ApiSource, 'groups' | 'groupHistory'> {
  constructor(
    private readonly membership: Pick<MembershipState, 'groupIds' | 'history'>,
    private readonly now: () => number = Date.now,
  ) {}

  async groups(filter: GroupFilter, offset: number, limit: number): Promise<Page<GroupSummary>> {
    const now = this.now();
    const text = filter.text?.toLowerCase();
    const matches: GroupSummary[] = [];
    for (const groupId of this.membership.groupIds()) {
      const current = inForce(this.membership.history(groupId), now);
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
    return this.membership.history(groupId);
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
