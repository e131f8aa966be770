// The fleet as the page knows it: every group (from /api/groups) and its latest status
// (from /api/statuses, then kept current by the stream). Views subscribe to changes.
import { apiGet } from './api.js';

const PAGE = 1000;

export const fleet = {
  /** groupId -> { id, name, memberCount } */
  groups: new Map(),
  /** groupId -> latest status (canonical JSON form) */
  statuses: new Map(),
  /** groupId -> performance.now() of its last live update (for the tiles' flash) */
  touched: new Map(),
  /** The newest windowEnd seen in any status. */
  latestWindowEnd: 0,
  /** Status versions received on the stream since the page loaded. */
  received: 0,
  /** Wall-clock ms of the last one. */
  receivedAt: 0,
  loaded: false,
  /** Why the last read of the fleet failed, if it did. */
  error: undefined,
};

const changeListeners = new Set();
const statusListeners = new Set();

/** `listener(kind)` after the fleet changed: 'groups', 'statuses' (bulk) or 'status' (one, live). */
export function onFleetChange(listener) {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

/** `listener(status)` for every status version the stream delivers, of any group and window. */
export function onStatusVersion(listener) {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

function changed(kind) {
  for (const listener of changeListeners) listener(kind);
}

/** Every group that exists now, in pages of 1,000 (the API's largest). */
export async function loadGroups() {
  const first = await apiGet(`api/groups?offset=0&limit=${PAGE}`);
  const pages = [first];
  const rest = [];
  for (let offset = PAGE; offset < first.total; offset += PAGE) {
    rest.push(apiGet(`api/groups?offset=${offset}&limit=${PAGE}`));
  }
  pages.push(...(await Promise.all(rest)));
  const groups = new Map();
  for (const page of pages) {
    for (const item of page.items) {
      groups.set(item.groupId, { id: item.groupId, name: item.name, memberCount: item.memberCount });
    }
  }
  // Groups only the stream has told of so far stay.
  for (const [id, group] of fleet.groups)
    if (!groups.has(id) && fleet.statuses.has(id)) groups.set(id, group);
  fleet.groups = groups;
  changed('groups');
}

/** Records that reading the fleet failed (a message) or worked again (undefined). */
export function loadFailed(message) {
  if (fleet.error === message) return;
  fleet.error = message;
  changed('statuses');
}

/** The latest status of every group. */
export async function loadLatestStatuses() {
  const { items } = await apiGet('api/statuses');
  for (const status of items) keepIfNewer(status);
  fleet.loaded = true;
  changed('statuses');
}

function keepIfNewer(status) {
  const known = fleet.statuses.get(status.groupId);
  if (
    known !== undefined &&
    (known.windowEnd > status.windowEnd ||
      (known.windowEnd === status.windowEnd && known.version > status.version))
  ) {
    return false;
  }
  fleet.statuses.set(status.groupId, status);
  if (status.windowEnd > fleet.latestWindowEnd) fleet.latestWindowEnd = status.windowEnd;
  if (!fleet.groups.has(status.groupId)) {
    fleet.groups.set(status.groupId, { id: status.groupId, name: undefined, memberCount: status.members });
  }
  return true;
}

/** A status version from the stream. */
export function receiveStatus(status, now) {
  fleet.received += 1;
  fleet.receivedAt = Date.now();
  for (const listener of statusListeners) listener(status);
  if (keepIfNewer(status)) {
    fleet.touched.set(status.groupId, now);
    changed('status');
  }
}
