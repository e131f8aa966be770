import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DerstreamError } from '../../errors';
import { ClickhouseExecutor } from './clickhouseExecutor';

/** The DDL shipped with derstream: `schemas/clickhouse/NNNN_name.sql`, applied in order. */
export const MIGRATIONS_DIR = resolve(__dirname, '../../../schemas/clickhouse');

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** A migration already applied has since been edited: the database and the code disagree. */
export class MigrationChangedError extends DerstreamError {
  constructor(migration: Migration) {
    super(
      'MIGRATION_CHANGED',
      `migration ${migration.version} (${migration.name}) was applied with other contents; add a new migration instead of editing one`,
      false,
    );
  }
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        checksum: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split(/;\s*$/m)
          .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
          .filter((statement) => statement !== ''),
      };
    });
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, and records
 * each. Every statement is idempotent (`IF NOT EXISTS`), so a run cut off between a
 * statement and its record is simply applied again. Returns the versions it applied.
 */
export async function migrate(
  executor: ClickhouseExecutor,
  migrations = loadMigrations(),
): Promise<number[]> {
  await executor.command(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version UInt32, name String, checksum FixedString(64), applied_at DateTime64(3, 'UTC')
     ) ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const applied = new Map(
    (
      await executor.query<{ version: number; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations FINAL',
      )
    ).map((row) => [row.version, row.checksum]),
  );
  const done: number[] = [];
  for (const migration of migrations) {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) throw new MigrationChangedError(migration);
      continue;
    }
    for (const statement of migration.statements) await executor.command(statement);
    await executor.insert('schema_migrations', [
      {
        version: migration.version,
        name: migration.name,
        checksum: migration.checksum,
        applied_at: Date.now(),
      },
    ]);
    done.push(migration.version);
  }
  return done;
}
