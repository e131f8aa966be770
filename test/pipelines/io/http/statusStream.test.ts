import { toCanonicalJson } from '../../../../pipelines/aggregate/groupStatus';
import { EventReader, startTestServer, TestServer } from './httpFixtures';

describe('GET /api/stream (server-sent events)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  /** Opens a stream and waits for its `: connected` comment: from then on nothing published is missed. */
  const open = async (query = '') => {
    const response = await server.get(`/api/stream${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = new EventReader(response);
    expect(await events.next()).toEqual({ comment: 'connected' });
    return events;
  };
  const statusOf = (groupId: string) => server.source.statuses.find((s) => s.groupId === groupId)!;

  it('sends each published status version as a status event in canonical JSON', async () => {
    const events = await open();
    const first = statusOf('feeder-01');
    const second = { ...statusOf('feeder-02'), version: 2 };
    server.source.published.next(first);
    server.source.published.next(second);
    expect(await events.next()).toEqual({ event: 'status', data: toCanonicalJson(first) });
    expect(await events.next()).toEqual({ event: 'status', data: toCanonicalJson(second) });
    await events.cancel();
  });

  it('sends only the groups asked for', async () => {
    const filtered = await open('?group=feeder-02,other');
    const all = await open();
    server.source.published.next(statusOf('feeder-01'));
    server.source.published.next(statusOf('feeder-02'));
    expect(await filtered.next()).toEqual({ event: 'status', data: toCanonicalJson(statusOf('feeder-02')) });
    expect((await all.next())?.data).toBe(toCanonicalJson(statusOf('feeder-01')));
    expect((await all.next())?.data).toBe(toCanonicalJson(statusOf('feeder-02')));
    await filtered.cancel();
    await all.cancel();
  });

  it('unsubscribes when the client leaves', async () => {
    const events = await open();
    expect(server.source.published.observed).toBe(true);
    await events.cancel();
    await waitFor(() => !server.source.published.observed);
  });

  it('ends the streams when the source completes', async () => {
    const events = await open();
    server.source.published.complete();
    expect(await events.next()).toBeUndefined();
  });

  it('ends the streams on shutdown, which does not wait for them', async () => {
    const streams = [await open(), await open('?group=feeder-01')];
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    for (const events of streams) expect(await events.next()).toBeUndefined();
    expect(server.source.published.observed).toBe(false);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
