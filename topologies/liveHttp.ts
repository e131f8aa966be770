import { ApiSource } from '../pipelines/io/http/apiSource';
import { RunningHttpServer, startHttpServer } from '../pipelines/io/http/httpServer';
import { IecHandler } from '../pipelines/io/http/iecRoute';
import { DerstreamConfig } from './config';
import { LiveHealth, liveReadiness } from './liveReadiness';
import { LiveServices } from './liveServices';

export interface LiveHttpOptions {
  windowMs: number;
  source: ApiSource;
  /** `POST /iec`; without it the route answers 404. */
  iec?: IecHandler;
  log: (line: string) => void;
  onHttpListening?: (url: string) => void;
}

/**
 * The HTTP side of a `derstream run` instance (`/healthz`, `/readyz` on `health`,
 * `/metrics`, the JSON API), listening on `DERSTREAM_HTTP_PORT`. The server logs where
 * it listens (`http: listening on URL`); `onHttpListening` is told too.
 */
export async function serveLiveHttp(
  config: DerstreamConfig,
  services: LiveServices,
  health: LiveHealth,
  options: LiveHttpOptions,
): Promise<RunningHttpServer> {
  const http = await startHttpServer({
    config: config.http,
    source: options.source,
    readiness: liveReadiness(health, config.registry, services.clickhouse, options.windowMs),
    metrics: services.metrics,
    iec: options.iec,
    log: options.log,
  });
  options.onHttpListening?.(http.url);
  return http;
}
