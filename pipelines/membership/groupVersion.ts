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

/**
 * What the group's devices can do, as the DERGroups profile's `DERFunction` says it (all
 * nine flags are required there). Only kept so that a group created over IEC is
 * reported back as it was declared; statuses do not depend on it.
 */
export interface DerFunction {
  connectDisconnect: boolean;
  frequencyWattCurveFunction: boolean;
  maxRealPowerLimiting: boolean;
  rampRateControl: boolean;
  reactivePowerDispatch: boolean;
  realPowerDispatch: boolean;
  voltageRegulation: boolean;
  voltVarCurveFunction: boolean;
  voltWattCurveFunction: boolean;
}

/** The flags in the profile's (schema) order. */
export const DER_FUNCTION_FLAGS: readonly (keyof DerFunction)[] = [
  'connectDisconnect',
  'frequencyWattCurveFunction',
  'maxRealPowerLimiting',
  'rampRateControl',
  'reactivePowerDispatch',
  'realPowerDispatch',
  'voltageRegulation',
  'voltVarCurveFunction',
  'voltWattCurveFunction',
];

/**
 * The latest `effectiveFrom` accepted, 2299-12-31T23:59:59.999Z: the last instant of
 * ClickHouse's DateTime64, in which the membership's history is stored (and well before
 * the years a DERGroups reply's xs:dateTime could not write).
 */
export const LATEST_EFFECTIVE_FROM = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

export interface GroupVersion {
  groupId: string;
  /** Epoch ms, from 0 to {@link LATEST_EFFECTIVE_FROM}. */
  effectiveFrom: number;
  name?: string;
  deleted: boolean;
  /** Empty when deleted. */
  members: GroupMember[];
  /** As declared by the sender; absent when it never said (JSON without it). */
  derFunction?: DerFunction;
}

/** The JSON record form of one version (what `groupVersionFromJson` reads back), for `der.groups`. */
export function toGroupVersionJson(version: GroupVersion): string {
  return JSON.stringify({
    mRID: version.groupId,
    ...(version.name === undefined ? {} : { name: version.name }),
    effectiveFrom: version.effectiveFrom,
    ...(version.deleted ? { deleted: true } : { members: version.members }),
    ...(version.derFunction === undefined ? {} : { derFunction: version.derFunction }),
  });
}
