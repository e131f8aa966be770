import { Session } from 'chdb';

/** What chDB's own allocator (the jemalloc linked into libchdb) holds, bytes. */
export interface ChdbAllocator {
  /** Allocated by ClickHouse's code and not yet freed. */
  allocated: number;
  /** Of the process's RSS: what the allocator has touched and not given back. */
  resident: number;
  /**
   * Of `allocated`: what ClickHouse's memory tracker counts (queries, merges, caches:
   * `MemoryTracking`). ClickHouse corrects that total in the background, so memory just
   * allocated may not be in it yet.
   */
  tracked: number;
}

/**
 * chDB's allocator figures, from ClickHouse's `system.jemalloc_stats`. Why: chDB
 * allocates through its own jemalloc, not through Node's `malloc`, so its share of the
 * process's anonymous memory is not in `process.memoryUsage()` and only this tells it
 * apart from Node's native allocations.
 *
 * libchdb has one engine per process: a session opened on the pipeline's data directory
 * `path` shares it, and closing that session leaves the pipeline's open. Undefined when
 * the statistics do not say (another allocator build).
 */
export function chdbAllocator(path: string): ChdbAllocator | undefined {
  const session = new Session(path);
  try {
    const stats = session.query('SELECT * FROM system.jemalloc_stats', 'TSV');
    // TSV escapes the report's newlines; the totals are on the line "Allocated: …".
    const totals = /Allocated: (\d+), active: \d+, metadata: \d+.*?, resident: (\d+)/.exec(stats);
    const tracked = session.query("SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'", 'TSV');
    return totals
      ? { allocated: Number(totals[1]), resident: Number(totals[2]), tracked: Number(tracked) }
      : undefined;
  } finally {
    session.close();
  }
}
