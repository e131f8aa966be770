import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DerstreamConfig, loadConfig } from '../../topologies/config';

/**
 * The real services the integration tests talk to: the local stack that ops/test.sh
 * starts (or whatever the DERSTREAM_* settings point at), with chDB on a fresh
 * temporary directory per call.
 */
export function testConfig(): DerstreamConfig {
  return loadConfig({ ...process.env, DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-chdb-')) });
}

/** A short id to keep one test's records apart from every other run's. */
export function runId(): string {
  return randomUUID().slice(0, 8);
}
