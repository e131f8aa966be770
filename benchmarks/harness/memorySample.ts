import { ChdbAllocator } from './chdbAllocator';
import { PipelineFigures } from './pipelineToEnd';
import { ResidentMappings } from './residentMappings';

/** What the memory worker (memoryWorker.ts) measures and sends to its parent. */
export interface MemorySample {
  /** ms since the pipeline was started. */
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  records: number;
  statuses: number;
}

export interface MemoryWorkerReport {
  figures: PipelineFigures;
  samples: MemorySample[];
  /** After the last record was written, the pipeline still holding its state: a full GC, then memoryUsage(). */
  afterGc: NodeJS.MemoryUsage;
  /** At the same moment: the RSS by mapping (Linux only). */
  residentAfterGc?: ResidentMappings;
  /** At the same moment: chDB's allocator (with chDB as the database). */
  chdbAfterGc?: ChdbAllocator;
}
