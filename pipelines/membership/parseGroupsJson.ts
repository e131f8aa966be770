import { isMrid, MRID_RULE } from '../mrid';
import { hasNonXmlChar } from '../xmlChars';
import {
  DER_FUNCTION_FLAGS,
  DerFunction,
  GroupMember,
  GroupVersion,
  LATEST_EFFECTIVE_FROM,
} from './groupVersion';
import { GroupsInputError } from './groupsInputError';

/**
 * The JSON form of membership (SEMANTICS.md §2) into group versions, in input order.
 *
 * Validation is strict and stops at the first fault, with the JSON path of the field in
 * the message (`groups[3].members[2].ratedEnergy: ...`): a membership mistake silently
 * moves devices between groups, which is far harder to notice downstream than a refused
 * file. `null` counts as present for the optional numbers, so `"ratedEnergy": null` is
 * refused rather than read as "no nameplate". Unknown fields are ignored, so producers
 * may carry extra data.
 */
export function parseGroupsJson(text: string): GroupVersion[] {
  return groupVersionsFromJson(parseJsonText(text));
}

/** `JSON.parse` with its failure turned into a `GROUPS_MALFORMED_JSON` refusal. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GroupsInputError('GROUPS_MALFORMED_JSON', `not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The file form `{"groups": [...]}`, already parsed. */
export function groupVersionsFromJson(value: unknown): GroupVersion[] {
  if (!isObject(value) || !Array.isArray(value.groups)) {
    throw invalid('(root)', 'must be an object with a "groups" array');
  }
  return value.groups.map((entry: unknown, i) => groupVersionFromJson(entry, `groups[${i}]`));
}

/**
 * One version object `{mRID, name?, effectiveFrom?, deleted?, members?, derFunction?}`; `path` is where
 * it sits in the input, for messages, and empty when it is the whole input.
 */
export function groupVersionFromJson(value: unknown, path: string): GroupVersion {
  if (!isObject(value)) throw invalid(path || '(root)', 'must be an object');
  const groupId = value.mRID;
  if (typeof groupId !== 'string' || groupId === '')
    throw invalid(at(path, 'mRID'), 'must be a non-empty string');
  mrid(groupId, at(path, 'mRID'));
  if (value.name !== undefined && typeof value.name !== 'string')
    throw invalid(at(path, 'name'), 'must be a string');
  if (value.name !== undefined) xmlText(value.name, at(path, 'name'));
  const effectiveFrom = value.effectiveFrom ?? 0;
  if (
    !Number.isSafeInteger(effectiveFrom) ||
    (effectiveFrom as number) < 0 ||
    (effectiveFrom as number) > LATEST_EFFECTIVE_FROM
  ) {
    throw invalid(
      at(path, 'effectiveFrom'),
      `must be an integer number of epoch milliseconds from 0 to ${LATEST_EFFECTIVE_FROM}`,
    );
  }
  if (value.deleted !== undefined && typeof value.deleted !== 'boolean') {
    throw invalid(at(path, 'deleted'), 'must be a boolean');
  }
  const deleted = value.deleted === true;
  const version: GroupVersion = {
    groupId,
    effectiveFrom: effectiveFrom as number,
    deleted,
    members: deleted ? deletedMembers(value.members, path) : members(value.members, at(path, 'members')),
  };
  if (value.name !== undefined) version.name = value.name;
  if (value.derFunction !== undefined && !deleted)
    version.derFunction = derFunction(value.derFunction, at(path, 'derFunction'));
  return version;
}

function derFunction(value: unknown, path: string): DerFunction {
  if (!isObject(value)) throw invalid(path, 'must be an object of booleans');
  const flags = {} as DerFunction;
  for (const flag of DER_FUNCTION_FLAGS) {
    const given = value[flag] ?? false;
    if (typeof given !== 'boolean') throw invalid(`${path}.${flag}`, 'must be a boolean');
    flags[flag] = given;
  }
  return flags;
}

function deletedMembers(value: unknown, path: string): GroupMember[] {
  if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
    throw invalid(at(path, 'members'), 'must be absent or empty when deleted is true');
  }
  return [];
}

function members(value: unknown, path: string): GroupMember[] {
  if (!Array.isArray(value)) throw invalid(path, 'must be an array (empty for a group without members)');
  const firstIndex = new Map<string, number>();
  return value.map((entry: unknown, i) => {
    const memberPath = `${path}[${i}]`;
    if (!isObject(entry)) throw invalid(memberPath, 'must be an object');
    const deviceId = entry.deviceId;
    if (typeof deviceId !== 'string' || deviceId === '') {
      throw invalid(`${memberPath}.deviceId`, 'must be a non-empty string');
    }
    mrid(deviceId, `${memberPath}.deviceId`);
    const earlier = firstIndex.get(deviceId);
    if (earlier !== undefined) {
      throw invalid(
        `${memberPath}.deviceId`,
        `duplicate of ${path}[${earlier}] (${JSON.stringify(deviceId)})`,
      );
    }
    firstIndex.set(deviceId, i);
    const ratedPower =
      'ratedPower' in entry ? positive(entry.ratedPower, `${memberPath}.ratedPower`) : undefined;
    const ratedEnergy =
      'ratedEnergy' in entry ? positive(entry.ratedEnergy, `${memberPath}.ratedEnergy`) : undefined;
    return memberOf(deviceId, ratedPower, ratedEnergy);
  });
}

/**
 * The member as one object literal of its fields: a field added after the literal goes
 * to a property array of its own, 40 bytes more a member, 57 MB at 1.4 M memberships.
 */
function memberOf(
  deviceId: string,
  ratedPower: number | undefined,
  ratedEnergy: number | undefined,
): GroupMember {
  if (ratedPower === undefined) return ratedEnergy === undefined ? { deviceId } : { deviceId, ratedEnergy };
  return ratedEnergy === undefined ? { deviceId, ratedPower } : { deviceId, ratedPower, ratedEnergy };
}

function positive(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(path, 'must be a positive number');
  }
  return value;
}

/** Refuses an id the HTTP API could not be asked for, nor an IEC message carry (`isMrid`). */
function mrid(text: string, path: string): void {
  if (!isMrid(text)) throw invalid(path, `${JSON.stringify(text)} is not ${MRID_RULE}`);
}

/**
 * Refuses a name an IEC message could not carry: DERGroups replies give it in XML 1.0,
 * so such a group would be taken in and then fail every reply that names it.
 */
function xmlText(text: string, path: string): void {
  if (hasNonXmlChar(text))
    throw invalid(
      path,
      `${JSON.stringify(text)} holds a character XML 1.0 cannot carry (a control character, U+FFFE, U+FFFF or a lone surrogate)`,
    );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function invalid(path: string, problem: string): GroupsInputError {
  return new GroupsInputError('GROUPS_INVALID', `${path}: ${problem}`);
}
