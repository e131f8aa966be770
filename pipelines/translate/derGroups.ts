import { DER_FUNCTION_FLAGS, GroupVersion } from '../membership/groupVersion';
import { escapeXml, UntranslatableError } from './derGroupStatuses';

/** The draft's namespace of the DERGroups profile (targetNamespace of DERGroups.xsd). */
export const DER_GROUPS_NAMESPACE = 'http://iec.ch/TC57/2017/DERGroups#';

/**
 * The `DERGroups` profile element (with its own default namespace, no XML declaration)
 * for group versions, one `EndDeviceGroup` each, in XSD order:
 * - `mRID` = groupId;
 * - `DERFunction`: the nine flags as the group was declared; a group that never
 *   declared them (JSON membership) gets all `false`, since the profile requires the
 *   element and derstream claims no capability nobody stated;
 * - `EndDevices/mRID` per member (the profile has no nameplate fields);
 * - `Names/name` = the group's name, when it has one;
 * - `version/date` = effectiveFrom, the event time the version applies from.
 * Valid against the DERGroups.xsd of the `get`, `create` and `change` sets.
 */
export function toDerGroupsProfile(
  versions: readonly GroupVersion[],
  profileNamespace: string = DER_GROUPS_NAMESPACE,
): string {
  if (versions.length === 0) throw new UntranslatableError('DERGroups needs at least one EndDeviceGroup');
  if (profileNamespace === '') throw new UntranslatableError('profileNamespace must not be empty');
  return (
    `<DERGroups xmlns="${escapeXml(profileNamespace)}">` +
    versions.map(endDeviceGroup).join('') +
    '</DERGroups>'
  );
}

function endDeviceGroup(version: GroupVersion): string {
  const flags = DER_FUNCTION_FLAGS.map(
    (flag) => `<${flag}>${version.derFunction?.[flag] === true ? 'true' : 'false'}</${flag}>`,
  ).join('');
  return (
    '<EndDeviceGroup>' +
    `<mRID>${escapeXml(version.groupId)}</mRID>` +
    `<DERFunction>${flags}</DERFunction>` +
    version.members.map((m) => `<EndDevices><mRID>${escapeXml(m.deviceId)}</mRID></EndDevices>`).join('') +
    (version.name === undefined ? '' : `<Names><name>${escapeXml(version.name)}</name></Names>`) +
    `<version><date>${new Date(version.effectiveFrom).toISOString()}</date></version>` +
    '</EndDeviceGroup>'
  );
}
