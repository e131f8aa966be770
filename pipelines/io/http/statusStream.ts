import { ServerResponse } from 'node:http';
import { filter, Observable } from 'rxjs';
import { GroupStatus, toCanonicalJson } from '../../aggregate/groupStatus';

/** Comments on an idle stream keep proxies and load balancers from closing it as dead. */
const HEARTBEAT_MS = 15_000;
/**
 * A client that reads slower than statuses come has its stream closed once this much
 * is queued for it: it reconnects and reads `/api/statuses` to catch up, instead of the
 * server buffering without bound for it.
 */
const MAX_QUEUED_BYTES = 1 << 20;

/**
 * `GET /api/stream`: status versions as server-sent events, as they are published.
 * Each is `event: status` with the canonical JSON as data; a stream opens with a
 * `: connected` comment, sent once the subscription is in place, so a client that has
 * seen it misses nothing published after.
 *
 * Keeps every open stream so shutdown can end them: a stream never ends by itself and
 * would hold the server open.
 */
export class StatusStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly versions: Observable<GroupStatus>) {}

  /** Serves one stream on `response` until the client leaves or {@link closeAll}; `groups` filters. */
  serve(response: ServerResponse, groups: ReadonlySet<string> | undefined): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    const send = (text: string) => {
      // Until 'close' unsubscribes, a status may still come after the stream ended, and a
      // write after end would be an unhandled error event.
      if (response.writableEnded || response.destroyed) return;
      response.write(text);
      if (response.writableLength > MAX_QUEUED_BYTES) response.destroy();
    };
    const subscription = this.versions
      .pipe(filter((status) => groups === undefined || groups.has(status.groupId)))
      .subscribe({
        next: (status) => send(`event: status\ndata: ${toCanonicalJson(status)}\n\n`),
        complete: () => response.end(),
        error: () => response.destroy(),
      });
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
    const end = () => response.end();
    this.open.add(end);
    response.once('close', () => {
      subscription.unsubscribe();
      clearInterval(heartbeat);
      this.open.delete(end);
    });
    send(': connected\n\n');
  }

  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
