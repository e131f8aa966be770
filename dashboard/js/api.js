/* global document, sessionStorage, fetch, setTimeout, TextDecoderStream, AbortController */
// The JSON API and the status stream. Every request carries the bearer token the user
// gave (kept in sessionStorage: gone when the tab closes); a 401 asks for one and retries.
// The stream is read with fetch, not EventSource, because EventSource cannot send an
// Authorization header.

const TOKEN_KEY = 'derstream.token';

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function authHeaders() {
  const value = token();
  return value === '' ? {} : { authorization: `Bearer ${value}` };
}

let asking;

/**
 * Shows the token form and resolves once the user saved a token. Concurrent callers
 * share one form. `reason` says why (no token yet, or the one given was refused).
 */
export function askForToken(reason) {
  if (asking) return asking;
  const dialog = document.getElementById('token-dialog');
  const form = dialog.querySelector('form');
  const input = dialog.querySelector('input[name=token]');
  dialog.querySelector('.token-reason').textContent = reason;
  input.value = '';
  asking = new Promise((resolve) => {
    const onSubmit = (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (value === '') return;
      sessionStorage.setItem(TOKEN_KEY, value);
      form.removeEventListener('submit', onSubmit);
      dialog.close();
      asking = undefined;
      resolve();
    };
    form.addEventListener('submit', onSubmit);
  });
  if (!dialog.open) dialog.showModal();
  input.focus();
  return asking;
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

const NEED_TOKEN = 'This server needs an API token (one of its DERSTREAM_API_TOKENS).';
const TOKEN_REFUSED = 'The token given was refused: enter another one.';

/** Asks for a token after a 401: a first one, or another when the one given was refused. */
function askAfterRefusal() {
  return askForToken(token() === '' ? NEED_TOKEN : TOKEN_REFUSED);
}

/** GET a JSON resource under /api; throws ApiError for an error answer (401s ask for a token first). */
export async function apiGet(path, options = {}) {
  for (;;) {
    const response = await fetch(path, { headers: authHeaders(), cache: 'no-store', signal: options.signal });
    if (response.status === 401) {
      await askAfterRefusal();
      continue;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new ApiError(response.status, body.message ?? `HTTP ${response.status}`, body.error);
    }
    return response.json();
  }
}

/** Like apiGet, but undefined for a 404 (a group without a forecast yet, or one derstream does not know). */
export async function apiGetOptional(path, options) {
  try {
    return await apiGet(path, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows `GET /api/stream` for as long as the page lives: `onStatus` gets every status
 * version, `onState` the connection's state ('connecting', 'live', 'offline', 'token'),
 * and `onConnected` runs each time the stream is in place (the first time and after each
 * reconnect), so the caller can read what it missed meanwhile. Returns a stop function.
 */
export function followStatuses({ onStatus, onState, onConnected }) {
  let stopped = false;
  let controller;
  let delay = 1000;

  const handleBlock = (block) => {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === ': connected') {
        delay = 1000;
        onState('live');
        onConnected();
      } else if (line.startsWith('event:')) {
        event = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
    if (event === 'status' && data.length > 0) onStatus(JSON.parse(data.join('\n')));
  };

  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      onState('connecting');
      try {
        const response = await fetch('api/stream', {
          headers: authHeaders(),
          cache: 'no-store',
          signal: controller.signal,
        });
        if (response.status === 401) {
          onState('token');
          await askAfterRefusal();
          continue;
        }
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop();
          for (const block of blocks) handleBlock(block);
        }
        throw new Error('the stream ended');
      } catch (error) {
        if (stopped) return;
        onState('offline', { retryInMs: delay, message: error?.message ?? String(error) });
        await sleep(delay);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  };
  run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
