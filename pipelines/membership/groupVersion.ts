/**
 * One version of a group's membership (SEMANTICS.md §2): from `effectiveFrom` (event
 * time, epoch ms) on, the group has these members, or, when `deleted`, no longer
 * exists. Several versions of one mRID make its history.
 */
export interface GroupMember {
  deviceId: string;
  /** W, > 0 when given. */
  ratedPower?: number;
  /** Wh, > 0 when given; storage only. */
  ratedEnergy?: number;
}

export interface GroupVersion {
  groupId: string;
  effectiveFrom: number;
  name?: string;
  deleted: boolean;
  /** Empty when deleted. */
  members: GroupMember[];
}
