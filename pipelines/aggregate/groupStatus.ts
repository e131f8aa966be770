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

/**
 * Every field, in the canonical order. Why an object literal: one made field by field
 * from a list of names is a dictionary to V8, and stringifying a thousand of them at a
 * window close cost more than building the IEC messages.
 */
export function toCanonicalJson(status: GroupStatus): string {
  return JSON.stringify({
    groupId: status.groupId,
    windowStart: status.windowStart,
    windowEnd: status.windowEnd,
    version: status.version,
    members: status.members,
    reporting: status.reporting,
    fresh: status.fresh,
    stale: status.stale,
    silent: status.silent,
    connected: status.connected,
    activePower: status.activePower,
    reactivePower: status.reactivePower,
    maxActivePower: status.maxActivePower,
    minActivePower: status.minActivePower,
    headroomUp: status.headroomUp,
    headroomDown: status.headroomDown,
    stateOfCharge: status.stateOfCharge,
    storedEnergy: status.storedEnergy,
    voltageMin: status.voltageMin,
    voltageMax: status.voltageMax,
  } satisfies Record<keyof GroupStatus, unknown>);
}
