/* global document, window, location, setInterval, setTimeout */
// Entry point: the hash router (#/ the fleet, #/group/<id> one group), the status stream
// shared by both views, and the header's connection state.
import { followStatuses, forgetToken, askForToken } from './api.js';
import { fleet, loadFailed, loadGroups, loadLatestStatuses, receiveStatus } from './store.js';
import { renderFleet } from './fleet.js';
import { renderGroup } from './group.js';
import { formatTime } from './format.js';

const view = document.getElementById('view');
const streamState = document.getElementById('stream-state');
const streamText = streamState.querySelector('.text');
const received = document.getElementById('stream-received');
let dispose = () => undefined;

function route() {
  dispose();
  const match = /^#\/group\/(.+)$/.exec(location.hash);
  if (match) {
    const groupId = decodeURIComponent(match[1]);
    document.title = `${groupId} · derstream`;
    dispose = renderGroup(view, groupId);
  } else {
    document.title = 'Fleet · derstream';
    dispose = renderFleet(view);
  }
  window.scrollTo(0, 0);
}

function showState(state, detail) {
  streamState.dataset.state = state;
  streamText.textContent =
    state === 'live'
      ? 'live'
      : state === 'connecting'
        ? 'connecting…'
        : state === 'token'
          ? 'waiting for a token'
          : `offline, retrying in ${Math.round((detail?.retryInMs ?? 0) / 1000)} s`;
  streamState.title = detail?.message ?? '';
}

function showReceived() {
  received.dataset.count = String(fleet.received);
  received.textContent =
    fleet.received === 0
      ? 'no update yet'
      : `${fleet.received.toLocaleString('en')} update${fleet.received === 1 ? '' : 's'}, last ${formatTime(fleet.receivedAt)}`;
}

/** Reads the groups and their latest statuses; one read at a time. */
let refreshing;
function refresh() {
  refreshing ??= Promise.all([loadGroups(), loadLatestStatuses()])
    .then(() => loadFailed(undefined))
    .catch((error) => {
      // A store briefly away answers 503: say so, and try again shortly.
      loadFailed(error.message);
      setTimeout(refresh, 5000);
    })
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

document.getElementById('token-button').addEventListener('click', () => {
  forgetToken();
  askForToken('Enter the API token to use from now on (kept in this tab only).').then(() =>
    location.reload(),
  );
});

window.addEventListener('hashchange', route);
route();

let connectedOnce = false;
followStatuses({
  onStatus: (status) => receiveStatus(status, window.performance.now()),
  onState: showState,
  // Once the stream is in place nothing published later is missed: read what came before
  // (the stream does not replay), the first time and after every reconnect.
  onConnected: () => {
    connectedOnce = true;
    refresh();
  },
});
// Without a stream (yet), show what there is all the same.
setTimeout(() => connectedOnce || refresh(), 2000);
showReceived();
setInterval(showReceived, 1000);
