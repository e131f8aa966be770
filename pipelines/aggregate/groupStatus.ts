/**
 * A group's status for one window, one emitted version of it, in the canonical JSON
 * form of SEMANTICS.md §4. Field order is fixed (it is the order of `toCanonicalJson`),
 * so equal statuses are equal bytes.
 */
export interface GroupStatus {
  groupId: string;
  windowStart: number;
  windowEnd: number;
  /** 1 when first emitted (`created`), +1 per `changed`. */
  version: number;
  members: number;
  reporting: number;
  fresh: number;
  stale: number;
  silent: number;
  connected: number;
  activePower: number;
  reactivePower: number | null;
  maxActivePower: number | null;
  minActivePower: number | null;
  headroomUp: number | null;
  headroomDown: number | null;
  stateOfCharge: number | null;
  storedEnergy: number | null;
  voltageMin: number | null;
  voltageMax: number | null;
}

const FIELDS: readonly (keyof GroupStatus)[] = [
  'groupId',
  'windowStart',
  'windowEnd',
  'version',
  'members',
  'reporting',
  'fresh',
  'stale',
  'silent',
  'connected',
  'activePower',
  'reactivePower',
  'maxActivePower',
  'minActivePower',
  'headroomUp',
  'headroomDown',
  'stateOfCharge',
  'storedEnergy',
  'voltageMin',
  'voltageMax',
];

export function toCanonicalJson(status: GroupStatus): string {
  const ordered: Record<string, unknown> = {};
  for (const field of FIELDS) ordered[field] = status[field];
  return JSON.stringify(ordered);
}
