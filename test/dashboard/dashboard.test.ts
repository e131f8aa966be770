import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { Kafka } from 'kafkajs';
import { Browser, chromium, Page } from 'playwright-core';
import { createFleet, fleetReadings } from '../../benchmarks/simulator/fleet';
import { produceReadings, publishFleetGroups } from '../../benchmarks/simulator/fleetProducer';
import { parseHttpConfig } from '../../pipelines/io/http/httpConfig';
import { RunningHttpServer, startHttpServer } from '../../pipelines/io/http/httpServer';
import { PipelineMetrics } from '../../pipelines/io/http/pipelineMetrics';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import { telemetrySchema, valueSubject } from '../../pipelines/io/registry/telemetrySchemas';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { LiveCounts, runLive } from '../../topologies/live';
import { runId } from '../support/services';
import { syntheticFleet } from './syntheticFleet';

/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core): first
 * against the HTTP server with an in-memory fleet of 10,000 groups behind a token, then
 * against `derstream run` on the local stack, fed by the simulator, where a status must
 * reach the open page over the event stream. Screenshots go to test-output/dashboard/.
 */
const ROOT = join(__dirname, '../..');
const SHOTS = join(ROOT, 'test-output/dashboard');
const MINUTE = 60_000;
/** The flags the machine notes ask for: no background traffic to hosts this network cannot reach. */
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The colours the dashboard draws with (dashboard/js/format.js, group.js). */
const ACTIVE_POWER_LINE: Rgb = [0x1f, 0x6f, 0xeb];
const TILE_FILLS: Rgb[] = [
  [0x2e, 0x7d, 0x32],
  [0x8b, 0xc3, 0x4a],
  [0xf2, 0xd0, 0x4b],
  [0xef, 0x8a, 0x3c],
  [0xc6, 0x28, 0x28],
];

/** The alpha of the forecast band's fill (0.16 of 255). */
const BAND_ALPHA: [number, number] = [20, 60];

type Rgb = [number, number, number];

/** Page-side: pixels of a canvas near `rgb` with alpha in [minAlpha, maxAlpha] (a string: the test compiles without DOM types). */
const COUNT_PIXELS = `(selector, rgb, minAlpha, maxAlpha) => {
  const canvas = document.querySelector(selector);
  if (!canvas) return -1;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    const near = Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 40;
    if (near && data[i + 3] >= minAlpha && data[i + 3] <= maxAlpha) count++;
  }
  return count;
}`;

function countPixels(page: Page, selector: string, rgb: Rgb, alpha: [number, number] = [200, 255]) {
  return page.evaluate(
    `(${COUNT_PIXELS})(${JSON.stringify(selector)}, ${JSON.stringify(rgb)}, ${alpha[0]}, ${alpha[1]})`,
  ) as Promise<number>;
}

function attribute(page: Page, selector: string, name: string): Promise<string | null> {
  return page
    .locator(selector)
    .first()
    .getAttribute(name, { timeout: 1000 })
    .catch(() => null);
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(value)})`);
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

/** The summary card's value by its label, as shown. */
function summaryValue(page: Page, label: string): Promise<string> {
  return page
    .locator('#fleet-summary > div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
    .locator('dd')
    .innerText();
}

/** Centre of tile `index` in page coordinates (the fleet's canvas layout: tiles from 1 px in). */
async function tileCentre(page: Page, index: number) {
  const box = (await page.locator('#fleet-canvas').boundingBox())!;
  const layout = (await page.evaluate(`(() => {
    const c = document.getElementById('fleet-canvas');
    return { shown: Number(c.dataset.shown), w: Number(c.dataset.tileW), h: Number(c.dataset.tileH),
             px: Number(c.dataset.pitchX), py: Number(c.dataset.pitchY), cols: Number(c.dataset.cols) };
  })()`)) as { w: number; h: number; px: number; py: number; cols: number };
  const col = index % layout.cols;
  const row = Math.floor(index / layout.cols);
  return { x: box.x + 1 + col * layout.px + layout.w / 2, y: box.y + 1 + row * layout.py + layout.h / 2 };
}

let browser: Browser;
const failures: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Installs Debian's chromium when missing (idempotent; ops/test.sh runs it first too).
  const executablePath = execFileSync('bash', [join(ROOT, 'ops/ensure-chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1)!;
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 401 (before the token is given) and 404 ("no forecast yet"); the page handles them.
    if (message.type() === 'error' && !/status of (401|404)/.test(message.text()))
      failures.push(message.text());
  });
  return page;
}

describe('the dashboard with 10,000 groups behind a token', () => {
  const TOKEN = 'dashboard-test-token-1234567890';
  const fleet = syntheticFleet({ groups: 10_000, now: Date.now(), withForecast: (i) => i === 0 });
  let server: RunningHttpServer;
  let page: Page;

  beforeAll(async () => {
    server = await startHttpServer({
      config: parseHttpConfig({ DERSTREAM_HTTP_PORT: '0', DERSTREAM_API_TOKENS: TOKEN }),
      source: fleet.source,
      readiness: [],
      metrics: new PipelineMetrics(),
      log: () => undefined,
    });
    page = await newPage();
  });

  afterAll(async () => {
    await page?.close();
    await server?.close();
  });

  it('asks for the token, draws every group fast, searches, sorts and follows the stream', async () => {
    await page.goto(server.url);
    await page.locator('#token-dialog[open]').waitFor({ timeout: 10_000 });
    await page.fill('#token-dialog input[name=token]', TOKEN);
    const submitted = Date.now();
    await page.click('#token-dialog button[type=submit]');
    await until(
      () => summaryValue(page, 'With a status'),
      (v) => v === '10,000',
      'every status',
    );
    await until(
      () => attribute(page, '#fleet-canvas', 'data-shown'),
      (v) => v === '10000',
      'the tiles',
    );
    const drawnMs = Date.now() - submitted;
    expect(drawnMs).toBeLessThan(8000);
    expect(await summaryValue(page, 'Groups')).toBe('10,000');
    await until(
      () => attribute(page, '#stream-state', 'data-state'),
      (v) => v === 'live',
      'the stream',
    );
    // Tiles of every freshness class the synthetic fleet has are on the canvas.
    const colours = await Promise.all(TILE_FILLS.map((rgb) => countPixels(page, '#fleet-canvas', rgb)));
    expect(colours.filter((n) => n > 100).length).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(SHOTS, 'fleet-10k.png') });
    // One canvas, not a node per tile; scrolled to the end, it draws the last rows.
    expect(Number(await page.evaluate(`document.querySelectorAll('#view *').length`))).toBeLessThan(150);
    const drawsBefore = Number(await attribute(page, '#fleet-canvas', 'data-draws'));
    await page.evaluate(
      `(() => { const g = document.getElementById('fleet-grid'); g.scrollTop = g.scrollHeight; })()`,
    );
    await until(
      () => attribute(page, '#fleet-canvas', 'data-draws'),
      (v) => Number(v) > drawsBefore,
      'a redraw',
    );
    const fills = await Promise.all(TILE_FILLS.map((rgb) => countPixels(page, '#fleet-canvas', rgb)));
    expect(fills.reduce((a, b) => a + b, 0)).toBeGreaterThan(10_000);

    // Search narrows to the ten feeder-0004x groups; sort by headroom up puts the largest first.
    await page.fill('#fleet-search', 'feeder-0004');
    await until(
      () => attribute(page, '#fleet-canvas', 'data-shown'),
      (v) => v === '10',
      'the search',
    );
    await page.selectOption('#fleet-sort', 'headroomUp');
    expect(page.url()).toContain('sort=headroomUp');
    const ids = fleet.groupIds.filter((id) => id.includes('feeder-0004'));
    const best = ids.reduce((a, b) =>
      fleet.statusAt(a, fleet.latestWindowEnd).headroomUp! >=
      fleet.statusAt(b, fleet.latestWindowEnd).headroomUp!
        ? a
        : b,
    );
    const first = await tileCentre(page, 0);
    await page.mouse.move(first.x, first.y);
    await expect(page.locator('.tooltip').innerText()).resolves.toContain(best);

    // A status published now reaches the page over the stream: the group goes dark.
    const darkBefore = Number(await summaryValue(page, 'Groups dark'));
    const dark = {
      ...fleet.statusAt(best, fleet.latestWindowEnd + MINUTE),
      fresh: 0,
      reporting: 0,
      connected: 0,
      activePower: 0,
      maxActivePower: null,
      minActivePower: null,
      headroomUp: null,
      headroomDown: null,
    };
    fleet.publish(dark);
    await until(
      () => attribute(page, '#stream-received', 'data-count'),
      (v) => Number(v) >= 1,
      'the update',
    );
    await until(
      () => summaryValue(page, 'Groups dark'),
      (v) => Number(v) === darkBefore + 1,
      'the dark group',
    );
    expect(await attribute(page, '#fleet-summary', 'data-latest-window-end')).toBe(String(dark.windowEnd));
    await page.screenshot({ path: join(SHOTS, 'fleet-search.png') });

    // Enter opens the first match.
    await page.press('#fleet-search', 'Enter');
    await page.waitForURL(/#\/group\/feeder-0004\d$/);
  });

  it('draws a group with its forecast band, one without a forecast, and says so for an unknown one', async () => {
    await page.goto(`${server.url}/#/group/feeder-00001`);
    await until(
      () => attribute(page, '#forecast-note', 'data-forecast'),
      (v) => v === 'yes',
      'the forecast',
    );
    await page.locator('#chart-power canvas').waitFor();
    await until(
      () => countPixels(page, '#chart-power canvas', ACTIVE_POWER_LINE),
      (n) => n > 200,
      'the line',
    );
    // The P10–P90 band: the line's blue, mostly transparent (the line's own anti-aliased edges give some hundreds).
    expect(await countPixels(page, '#chart-power canvas', ACTIVE_POWER_LINE, BAND_ALPHA)).toBeGreaterThan(
      5000,
    );
    // Six hours of one-minute windows (the range may start a minute later than the fleet's clock).
    expect(Number(await attribute(page, '#chart-power', 'data-points'))).toBeGreaterThanOrEqual(6 * 60 - 1);
    await page.screenshot({ path: join(SHOTS, 'group-forecast.png'), fullPage: true });

    await page.goto(`${server.url}/#/group/feeder-00002`);
    await until(
      () => attribute(page, '#forecast-note', 'data-forecast'),
      (v) => v === 'no',
      'no forecast',
    );
    await until(
      () => countPixels(page, '#chart-power canvas', ACTIVE_POWER_LINE),
      (n) => n > 200,
      'the line',
    );
    expect(await countPixels(page, '#chart-power canvas', ACTIVE_POWER_LINE, BAND_ALPHA)).toBeLessThan(2000);

    await page.goto(`${server.url}/#/group/nowhere`);
    await until(
      () => page.locator('#group-subtitle').innerText(),
      (t) => t.includes('knows no group'),
      '404',
    );
    // The group's 404 and its (empty) statuses are two requests: either may answer first.
    await until(
      () => page.locator('.group > .empty').innerText(),
      (t) => t.includes('No statuses'),
      'the empty range',
    );
    expect(failures).toEqual([]);
  });
});

describe('the dashboard on derstream run, fed by the simulator', () => {
  const tag = runId();
  const controller = new AbortController();
  const counts: LiveCounts[] = [];
  const fleet = createFleet({ devices: 400, groups: 24, seed: 11 });
  const start = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
  const type = Type.forSchema(telemetrySchema(1) as never);
  let config: DerstreamConfig;
  let kafka: Kafka;
  let schemaId: number;
  let live: Promise<LiveCounts>;
  let httpUrl = '';
  let page: Page;

  async function produce(from: number, to: number) {
    const readings = [...fleetReadings(fleet, { start: from, end: to, seed: from % 1000, jitterMs: 1000 })];
    await produceReadings(kafka, readings, {
      topic: config.topics.telemetry.name,
      schemaId,
      type,
      paced: false,
    });
    return readings.length;
  }

  const latest = () => counts.at(-1) ?? { valid: 0, invalid: 0, late: 0, statuses: 0 };

  beforeAll(async () => {
    config = loadConfig({
      ...process.env,
      DERSTREAM_TOPIC_PREFIX: `test-${tag}.`,
      DERSTREAM_CHDB_PATH: join(mkdtempSync(join(tmpdir(), 'derstream-dashboard-')), 'chdb'),
      DERSTREAM_CONSUMER_GROUP: `test-${tag}`,
      DERSTREAM_HTTP_PORT: '0',
    });
    kafka = createKafka(config.kafka);
    const admin = await connectAdmin(kafka, config.kafka);
    await ensureTopics(admin, Object.values(config.topics));
    await admin.disconnect();
    schemaId = await registerAvroSchema(
      await connectRegistry(config.registry),
      valueSubject(config.topics.telemetry.name),
      telemetrySchema(1),
    );
    await publishFleetGroups(kafka, config.topics.groups.name, fleet);
    live = runLive(config, {
      semantics: config.semantics,
      consumerGroup: config.consumerGroup,
      maxMessageBytes: 1 << 20,
      log: () => undefined,
      signal: controller.signal,
      onProgress: (c) => counts.push(c),
      onHttpListening: (url) => (httpUrl = url),
    });
    const sent = await produce(start, start + 15 * MINUTE);
    await until(
      async () => latest(),
      (c) => c.valid >= sent && c.statuses > 0,
      'the first statuses',
      60_000,
    );
    page = await newPage();
  }, 90_000);

  afterAll(async () => {
    await page?.close();
    controller.abort();
    await live;
  });

  it('shows the groups, takes new statuses live, and draws a group', async () => {
    const statusReads: number[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/statuses')) statusReads.push(Date.now());
    });
    await page.goto(httpUrl);
    await until(
      () => attribute(page, '#fleet-canvas', 'data-shown'),
      (v) => v === '24',
      'the tiles',
    );
    await until(
      () => summaryValue(page, 'With a status'),
      (v) => v === '24',
      'a status per group',
    );
    await until(
      () => attribute(page, '#stream-state', 'data-state'),
      (v) => v === 'live',
      'the stream',
    );
    expect(await countPixels(page, '#fleet-canvas', [0x2e, 0x7d, 0x32])).toBeGreaterThan(1000);
    const before = Number(await attribute(page, '#fleet-summary', 'data-latest-window-end'));
    const readsBefore = statusReads.length;
    await page.screenshot({ path: join(SHOTS, 'live-fleet.png') });

    // Ten more minutes of telemetry: the pipeline emits their windows and the page,
    // with no reload and no new read of /api/statuses, shows them.
    await produce(start + 15 * MINUTE, start + 25 * MINUTE);
    const after = Number(
      await until(
        () => attribute(page, '#fleet-summary', 'data-latest-window-end'),
        (v) => Number(v) >= before + 5 * MINUTE,
        'statuses over the stream',
        30_000,
      ),
    );
    expect(after).toBeGreaterThan(before);
    await until(
      () => attribute(page, '#stream-received', 'data-count'),
      (v) => Number(v) >= 24 * 5,
      'the count of updates',
    );
    expect(statusReads.length).toBe(readsBefore);
    await page.waitForTimeout(300); // the flash of the updated tiles, for the screenshot
    await page.screenshot({ path: join(SHOTS, 'live-fleet-updated.png') });

    // A click on the first tile opens its group: charts of its statuses, and of its
    // forecast once the pipeline has issued one (at the first 15-minute boundary it passed).
    const first = await tileCentre(page, 0);
    await page.mouse.click(first.x, first.y);
    await page.waitForURL(`**/#/group/${fleet.groups[0]!.mRID}`);
    const forecast = await until(
      () => attribute(page, '#forecast-note', 'data-forecast'),
      (v) => v === 'yes' || v === 'no',
      'the forecast note',
    );
    await until(
      () => countPixels(page, '#chart-power canvas', ACTIVE_POWER_LINE),
      (n) => n > 100,
      'the chart',
    );
    if (forecast === 'yes') {
      // Its P50 and P10–P90 are series of the chart (their pixels are checked on the synthetic fleet).
      await expect(page.locator('#chart-power .u-legend').innerText()).resolves.toContain('Active power P50');
    }
    const points = Number(await attribute(page, '#chart-power', 'data-points'));
    expect(points).toBeGreaterThanOrEqual(20);
    await until(
      () => countPixels(page, '#chart-members canvas', [0x2e, 0x7d, 0x32]),
      (n) => n > 50,
      'counts',
    );

    // The group page follows the stream too.
    await produce(start + 25 * MINUTE, start + 30 * MINUTE);
    await until(
      () => attribute(page, '#chart-power', 'data-points'),
      (v) => Number(v) >= points + 3,
      'new windows on the chart',
      30_000,
    );
    await page.screenshot({ path: join(SHOTS, 'live-group.png'), fullPage: true });
    expect(failures).toEqual([]);
  });
});
