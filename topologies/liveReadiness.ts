import { ClickhouseExecutor } from '../pipelines/io/clickhouse/clickhouseExecutor';
import { ReadinessCheck } from '../pipelines/io/http/readiness';
import { RegistryConfig, registryAuthHeaders } from '../pipelines/io/registry/registryConfig';

/** How long the broker may stay silent before /readyz says Kafka is out. */
const BROKER_SILENCE_MS = 15_000;

/** What the consumers and writes of a `derstream run` instance have last seen, for /readyz. */
export class LiveHealth {
  /** Last answer from the broker (a fetch, a heartbeat, a join, an acknowledged send or commit). */
  brokerSeenAt = Date.now();
  watermark = -Infinity;
  watermarkMovedAt = Date.now();
  private readonly joined = new Map<string, boolean>();

  /** `consumers`: a name for each consumer group the instance is a member of. */
  constructor(consumers: readonly string[]) {
    for (const name of consumers) this.joined.set(name, false);
  }

  setJoined(consumer: string, joined: boolean): void {
    this.joined.set(consumer, joined);
    if (joined) this.brokerSeen();
  }

  /** The consumers out of their group. */
  notJoined(): string[] {
    return [...this.joined].filter(([, joined]) => !joined).map(([name]) => name);
  }

  brokerSeen(): void {
    this.brokerSeenAt = Date.now();
  }

  watermarkIs(watermark: number): void {
    if (!Number.isFinite(watermark)) return;
    if (watermark > this.watermark) this.watermarkMovedAt = Date.now();
    this.watermark = watermark;
  }

  /** An instance with no watermark of its own to watch (it merges no partition) is not stalled. */
  noWatermarkHeld(): void {
    this.watermarkMovedAt = Date.now();
  }
}

/**
 * What `/readyz` requires of a `derstream run` instance: its consumers in their groups
 * with the broker answering, the registry reachable, ClickHouse answering, and the
 * watermark advancing within five windows (at least a minute).
 */
export function liveReadiness(
  health: LiveHealth,
  registry: RegistryConfig,
  clickhouse: ClickhouseExecutor,
  windowMs: number,
): ReadinessCheck[] {
  return [
    {
      name: 'kafka',
      check: () => {
        const out = health.notJoined();
        if (out.length > 0)
          return Promise.resolve({ ok: false, detail: `${out.join(', ')} consumer not in its group` });
        // An idle consumer still fetches every few seconds, and a busy one heartbeats.
        const silent = Date.now() - health.brokerSeenAt;
        if (silent > BROKER_SILENCE_MS)
          return Promise.resolve({
            ok: false,
            detail: `no answer from the broker for ${Math.round(silent / 1000)} s`,
          });
        return Promise.resolve({ ok: true, detail: 'consumer joined' });
      },
    },
    {
      name: 'schema-registry',
      check: async () => {
        const response = await fetch(
          new URL(`${registry.url.pathname.replace(/\/$/, '')}/subjects`, registry.url),
          {
            headers: registryAuthHeaders(registry),
            signal: AbortSignal.timeout(2000),
          },
        );
        return { ok: response.ok, detail: `HTTP ${response.status}` };
      },
    },
    {
      name: 'clickhouse',
      check: async () => {
        await clickhouse.query('SELECT 1');
        return { ok: true, detail: clickhouse.description };
      },
    },
    {
      name: 'watermark',
      check: () => {
        const still = Date.now() - health.watermarkMovedAt;
        const limit = Math.max(5 * windowMs, 60_000);
        return Promise.resolve({
          ok: still <= limit,
          detail: `last advanced ${Math.round(still / 1000)} s ago`,
        });
      },
    },
  ];
}
