import { readFileSync } from 'node:fs';

/** This process's resident memory by what is mapped (bytes), from Linux's `/proc/self/smaps`. */
export interface ResidentMappings {
  /** chDB's library (`libchdb.so`): its code and data as loaded. */
  chdbLibrary: number;
  /** The node binary itself. */
  node: number;
  /** Other mapped files (shared libraries, the ICU data). */
  otherFiles: number;
  /** Anonymous memory: V8's heap, ArrayBuffers, and whatever chDB and Node allocate natively. */
  anonymous: number;
}

/**
 * Where the RSS is: the memory scenario's `rss` alone does not say how much of it is
 * code (chDB's library is large) and how much is allocated. Undefined where there is no
 * `/proc/self/smaps` (not Linux).
 */
export function residentMappings(): ResidentMappings | undefined {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const resident: ResidentMappings = { chdbLibrary: 0, node: 0, otherFiles: 0, anonymous: 0 };
  let kind: keyof ResidentMappings = 'anonymous';
  for (const line of smaps.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const path = mapping[1]!;
      kind = !path.startsWith('/')
        ? 'anonymous'
        : path.includes('libchdb')
          ? 'chdbLibrary'
          : path === process.execPath
            ? 'node'
            : 'otherFiles';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss) resident[kind] += Number(rss[1]) * 1024;
  }
  return resident;
}
