import { DerstreamError } from '../errors';
import { GroupRun } from './partialsMerge';

/** A `der.group-runs` record no derstream wrote: the topic is internal, so this is a bug, not bad input. */
export class GroupRunRecordError extends DerstreamError {
  constructor(detail: string) {
    super('GROUP_RUN_RECORD_INVALID', `group runs changelog: ${detail}`, false);
  }
}

/**
 * A group's run as the value of its record on the compacted `der.group-runs` (key = the
 * group's mRID): `{"groupId", "from", "through"}`. JSON, unlike the other internal
 * topics: a merge writes one a group a window it emits, as many as statuses, so its size
 * costs nothing measurable, and the topic stays readable with a console consumer.
 */
export function encodeGroupRun(run: GroupRun): Buffer {
  return Buffer.from(JSON.stringify({ groupId: run.groupId, from: run.from, through: run.through }));
}

/**
 * The run of record `key`, `value`. Anything but a run of that group whose bounds are
 * whole milliseconds, `from` ≤ `through`, is refused: a restore that took it would resume
 * groups on windows they never had.
 */
export function decodeGroupRun(key: string, value: Buffer): GroupRun {
  let record: unknown;
  try {
    record = JSON.parse(value.toString());
  } catch {
    throw new GroupRunRecordError(`record of group ${key} is not JSON`);
  }
  const { groupId, from, through } = (record ?? {}) as Record<string, unknown>;
  if (groupId !== key)
    throw new GroupRunRecordError(`record of group ${key} is for ${JSON.stringify(groupId) ?? 'no group'}`);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(through) || (from as number) > (through as number))
    throw new GroupRunRecordError(
      `record of group ${key} has no run: from ${JSON.stringify(from)}, through ${JSON.stringify(through)}`,
    );
  return { groupId: key, from: from as number, through: through as number };
}
