import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from './cli';

/**
 * One `derstream run` process, as an operator starts it: one process (no npm or tsx
 * wrapper), so the signals the tests send hit the pipeline itself. Its output is kept.
 */
export class LiveInstance {
  readonly child: ChildProcess;
  /** Resolves when the process has exited, whatever ended it. */
  readonly exited: Promise<unknown>;
  private readonly chunks: string[] = [];
  private readonly listening: Promise<string>;

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'topologies/cli.ts', 'run'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = once(this.child, 'exit');
    this.listening = new Promise((resolve, reject) => {
      const keep = (chunk: Buffer) => {
        this.chunks.push(chunk.toString());
        const url = /http: listening on (\S+)/.exec(this.output)?.[1];
        if (url !== undefined) resolve(url);
      };
      this.child.stdout!.on('data', keep);
      this.child.stderr!.on('data', keep);
      void this.exited.then(() =>
        reject(new Error(`${name} exited before its HTTP server listened:\n${this.output}`)),
      );
    });
    // Only a caller of httpUrl() cares; an instance that never listens is not an error by itself.
    this.listening.catch(() => undefined);
  }

  /** Everything the process wrote, stdout and stderr interleaved as they arrived. */
  get output(): string {
    return this.chunks.join('');
  }

  /** The URL of its HTTP server, once the log says it listens. */
  httpUrl(): Promise<string> {
    return this.listening;
  }

  /** Sends `signal` (unless it has exited already) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
