import { MembershipSnapshot } from '../membership/membershipState';
import { TelemetryReading } from '../telemetryReading';
import { PartialAggregate, addMember, emptyPartial } from './partialAggregate';

/**
 * The last readings of one device: the latest valid reading of each window that may
 * still be emitted or re-emitted, and one `base` reading, the latest of all windows
 * already closed for good. Bounded by the number of open windows, whatever the
 * device's reporting rate.
 */
interface DeviceReadings {
  base: TelemetryReading | undefined;
  /** Window end → the latest reading inside that window. */
  open: Map<number, TelemetryReading>;
}

/**
 * The first aggregation stage, for one source partition: it keeps the last readings of
 * the devices whose readings come through that partition, and computes what they
 * contribute to each group's status for a window (SEMANTICS.md §4).
 */
export class PartialStage {
  private readonly devices = new Map<string, DeviceReadings>();

  constructor(
    readonly partition: number,
    private readonly windowEndOf: (ts: number) => number,
    private readonly stalenessMs: number,
  ) {}

  get deviceCount(): number {
    return this.devices.size;
  }

  /**
   * Takes a valid, non-late reading. Of two readings with the same `ts`, the one that
   * arrives last wins, hence `>=`.
   */
  add(reading: TelemetryReading): void {
    let device = this.devices.get(reading.deviceId);
    if (!device) this.devices.set(reading.deviceId, (device = { base: undefined, open: new Map() }));
    const end = this.windowEndOf(reading.ts);
    const current = device.open.get(end);
    if (current === undefined || reading.ts >= current.ts) device.open.set(end, reading);
  }

  /** The partials of every group with a member on this partition, for the window ending at `windowEnd`. */
  partials(windowEnd: number, snapshot: MembershipSnapshot, watermark: number): PartialAggregate[] {
    const partials = new Map<string, PartialAggregate>();
    for (const [deviceId, device] of this.devices) {
      const memberships = snapshot.groupsOfDevice(deviceId);
      if (memberships.length === 0) continue;
      const last = lastBefore(device, windowEnd);
      if (!last) continue;
      const reporting = device.open.has(windowEnd);
      for (const { groupId, member } of memberships) {
        let partial = partials.get(groupId);
        if (!partial)
          partials.set(groupId, (partial = emptyPartial(this.partition, watermark, groupId, windowEnd)));
        addMember(partial, last, reporting, member.ratedEnergy, this.stalenessMs);
      }
    }
    return [...partials.values()];
  }

  /** The partial of one group, recomputed from its members (after a reading within the allowed lateness). */
  partialOf(
    groupId: string,
    windowEnd: number,
    snapshot: MembershipSnapshot,
    watermark: number,
  ): PartialAggregate {
    const partial = emptyPartial(this.partition, watermark, groupId, windowEnd);
    for (const member of snapshot.groups.get(groupId)?.members ?? []) {
      const device = this.devices.get(member.deviceId);
      const last = device && lastBefore(device, windowEnd);
      if (last) addMember(partial, last, device.open.has(windowEnd), member.ratedEnergy, this.stalenessMs);
    }
    return partial;
  }

  /** The end of the earliest window at or after `windowEnd` holding a reading of this partition. */
  nextReadingWindowEnd(windowEnd: number): number {
    let next = Infinity;
    for (const device of this.devices.values()) {
      for (const end of device.open.keys()) if (end >= windowEnd && end < next) next = end;
    }
    return next;
  }

  /** Windows ending at or before `windowEnd` are closed for good: keep only their latest reading. */
  close(windowEnd: number): void {
    for (const device of this.devices.values()) {
      for (const [end, reading] of device.open) {
        if (end > windowEnd) continue;
        if (device.base === undefined || reading.ts >= device.base.ts) device.base = reading;
        device.open.delete(end);
      }
    }
  }
}

/** The device's reading with the largest `ts < windowEnd` among those it has kept. */
function lastBefore(device: DeviceReadings, windowEnd: number): TelemetryReading | undefined {
  let best: TelemetryReading | undefined;
  let bestEnd = -Infinity;
  for (const [end, reading] of device.open) {
    if (end <= windowEnd && end > bestEnd) {
      best = reading;
      bestEnd = end;
    }
  }
  return best ?? device.base;
}
