import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface AllocationNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: AllocationNode[];
}

export interface ProfileSummary {
  /** Where the raw profile was written (open it in Chrome DevTools or speedscope). */
  file: string;
  totalMs: number;
  /** Self time by where the code lives: a package of node_modules, a folder of this repository, node's internals, or V8's (idle), (garbage collector), (program). */
  byPlace: { place: string; ms: number; share: number }[];
  /** The functions with the most self time. */
  topFunctions: { fn: string; place: string; ms: number; share: number }[];
  /**
   * With spans given to `stop`: the samples inside them alone, by place and function as
   * above, and by the innermost function of this repository's own code on the stack
   * (not its node_modules), which says which step of the pipeline was running even when
   * the time went in a package or V8 below it.
   */
  inSpans?: {
    ms: number;
    byPlace: ProfileSummary['byPlace'];
    topFunctions: ProfileSummary['topFunctions'];
    byOwnFunction: ProfileSummary['topFunctions'];
  };
  /**
   * What the thread allocated meanwhile, collected or not, by where the allocating code
   * lives and by function (V8's sampling heap profiler: an estimate from a sample every
   * 32 KiB on average). What young collections cost follows from it.
   */
  allocated: {
    /** The raw sampling heap profile (Chrome DevTools' Memory tab opens it). */
    file: string;
    mb: number;
    byPlace: { place: string; mb: number; share: number }[];
    topFunctions: { fn: string; place: string; mb: number; share: number }[];
  };
}

const ROOT = resolve(__dirname, '../..');

/**
 * Starts V8's sampling profiler on this thread (1 ms interval), and its sampling heap
 * profiler; `stop` writes the profiles to `file` and `file.heapprofile` and sums them
 * up by place and by function. "(idle)" is time the thread waited: for Kafka, or for
 * chDB, whose queries and inserts run on its own threads.
 */
export async function startCpuProfile(
  file: string,
): Promise<{ stop(spans?: readonly Span[]): Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  await post('Profiler.start');
  await post('HeapProfiler.enable');
  // Without the two flags the profile keeps only what is still alive when it stops.
  await post('HeapProfiler.startSampling', {
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    async stop(spans?: readonly Span[]) {
      const { profile } = (await post('Profiler.stop')) as { profile: Profile };
      // The profile's clock is the monotonic one of process.hrtime, in µs.
      const epochMinusMonotonicMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
      const heap = (await post('HeapProfiler.stopSampling')) as { profile: { head: AllocationNode } };
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      writeFileSync(`${file}.heapprofile`, JSON.stringify(heap.profile));
      return {
        ...summarize(profile, file),
        ...(spans
          ? {
              inSpans: summarizeSpans(
                profile,
                spans.map(({ from, to }) => ({
                  from: (from - epochMinusMonotonicMs) * 1000,
                  to: (to - epochMinusMonotonicMs) * 1000,
                })),
              ),
            }
          : {}),
        allocated: summarizeAllocations(heap.profile.head, `${file}.heapprofile`),
      };
    },
  };
}

function summarize(profile: Profile, file: string): Omit<ProfileSummary, 'allocated'> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const ms = (us: number) => Math.round(us / 1000);
  const { total, byPlace, topFunctions } = ranked(
    [...self].map(([id, us]) => [byId.get(id)!.callFrame, us] as const),
    'ms',
    ms,
  );
  return { file, totalMs: ms(total), byPlace, topFunctions };
}

/** A stretch of time, epoch ms: `from ..< to`. */
export interface Span {
  from: number;
  to: number;
}

/** {@link ProfileSummary.inSpans}: `spans` in the profile's own clock (µs). */
function summarizeSpans(profile: Profile, spans: readonly Span[]): NonNullable<ProfileSummary['inSpans']> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownFrameOf = (id: number): ProfileNode['callFrame'] => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (isOwnCode(frame)) return frame;
    }
    return byId.get(id)!.callFrame;
  };
  // Samples come in time order: one pass over the spans, sorted, goes along with them.
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  let next = 0;
  // By node first, as in summarize: a node's own frame is looked up once, not per sample.
  const inside = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    while (next < sorted.length && sorted[next]!.to <= at) next++;
    if (next === sorted.length || at < sorted[next]!.from) return;
    inside.set(id, (inside.get(id) ?? 0) + delta);
  });
  const self = [...inside].map(([id, us]) => [byId.get(id)!.callFrame, us] as const);
  const own = [...inside].map(([id, us]) => [ownFrameOf(id), us] as const);
  const ms = (us: number) => Math.round(us / 1000);
  const bySelf = ranked(self, 'ms', ms);
  return {
    ms: ms(bySelf.total),
    byPlace: bySelf.byPlace,
    topFunctions: bySelf.topFunctions,
    byOwnFunction: ranked(own, 'ms', ms).topFunctions,
  };
}

function summarizeAllocations(head: AllocationNode, file: string): ProfileSummary['allocated'] {
  const sampled: (readonly [ProfileNode['callFrame'], number])[] = [];
  const visit = (node: AllocationNode) => {
    if (node.selfSize > 0) sampled.push([node.callFrame, node.selfSize]);
    node.children.forEach(visit);
  };
  visit(head);
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  const { total, byPlace, topFunctions } = ranked(sampled, 'mb', mb);
  return { file, mb: mb(total), byPlace, topFunctions };
}

/**
 * Amounts (time, bytes) by frame, summed by place (the 15 largest) and by function (the
 * 20 largest), each in `unit` (`convert` of its amount) and as a share of the total.
 */
function ranked<Unit extends string>(
  amounts: readonly (readonly [ProfileNode['callFrame'], number])[],
  unit: Unit,
  convert: (amount: number) => number,
): {
  total: number;
  byPlace: ({ place: string; share: number } & Record<Unit, number>)[];
  topFunctions: ({ fn: string; place: string; share: number } & Record<Unit, number>)[];
} {
  let total = 0;
  const places = new Map<string, number>();
  const functions = new Map<string, { fn: string; place: string; amount: number }>();
  for (const [callFrame, amount] of amounts) {
    total += amount;
    const place = placeOf(callFrame);
    places.set(place, (places.get(place) ?? 0) + amount);
    const fn = callFrame.functionName || '(anonymous)';
    const key = `${fn}@${callFrame.url}:${callFrame.lineNumber}`;
    const entry = functions.get(key) ?? {
      fn: `${fn} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`,
      place,
      amount: 0,
    };
    entry.amount += amount;
    functions.set(key, entry);
  }
  const share = (amount: number) => Math.round((amount / total) * 1000) / 1000;
  // A computed key widens to a string index in TypeScript; the shape is the one declared.
  const inUnit = (amount: number) => ({ [unit]: convert(amount) }) as Record<Unit, number>;
  return {
    total,
    byPlace: [...places]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([place, amount]) => ({ place, ...inUnit(amount), share: share(amount) })),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.amount - a.amount)
      .slice(0, 20)
      .map(({ fn, place, amount }) => ({ fn, place, ...inUnit(amount), share: share(amount) })),
  };
}

function placeOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const path = relative(ROOT, url.replace(/^file:\/\//, ''));
  return path
    .split('/')
    .slice(0, path.startsWith('pipelines/io/') ? 3 : 2)
    .join('/');
}

function isOwnCode(frame: ProfileNode['callFrame']): boolean {
  const path = frame.url.replace(/^file:\/\//, '');
  return path.startsWith(`${ROOT}/`) && !path.includes('/node_modules/');
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(`${ROOT}/`, '')
    .replace(/.*node_modules\//, '');
}
