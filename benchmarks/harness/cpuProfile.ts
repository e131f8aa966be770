import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Where the raw profile was written (open it in Chrome DevTools or speedscope). */
  file: string;
  totalMs: number;
  /** Self time by where the code lives: a package of node_modules, a folder of this repository, node's internals, or V8's (idle), (garbage collector), (program). */
  byPlace: { place: string; ms: number; share: number }[];
  /** The functions with the most self time. */
  topFunctions: { fn: string; place: string; ms: number; share: number }[];
}

const ROOT = resolve(__dirname, '../..');

/**
 * Starts V8's sampling profiler on this thread (1 ms interval); `stop` writes the
 * profile to `file` and sums it up by place and by function. "(idle)" is time the
 * thread waited: for Kafka, or for chDB, whose queries and inserts run on its own
 * threads.
 */
export async function startCpuProfile(file: string): Promise<{ stop(): Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: Profile };
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      return summarize(profile, file);
    },
  };
}

function summarize(profile: Profile, file: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...self.values()].reduce((a, b) => a + b, 0);
  const places = new Map<string, number>();
  const functions = new Map<string, { fn: string; place: string; us: number }>();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id)!;
    const place = placeOf(callFrame);
    places.set(place, (places.get(place) ?? 0) + us);
    const fn = callFrame.functionName || '(anonymous)';
    const key = `${fn}@${callFrame.url}:${callFrame.lineNumber}`;
    const entry = functions.get(key) ?? {
      fn: `${fn} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`,
      place,
      us: 0,
    };
    entry.us += us;
    functions.set(key, entry);
  }
  const share = (us: number) => Math.round((us / totalUs) * 1000) / 1000;
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    byPlace: [...places.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([place, us]) => ({ place, ms: Math.round(us / 1000), share: share(us) })),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 20)
      .map((f) => ({ fn: f.fn, place: f.place, ms: Math.round(f.us / 1000), share: share(f.us) })),
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

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(`${ROOT}/`, '')
    .replace(/.*node_modules\//, '');
}
