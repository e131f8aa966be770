import { ChildProcess, fork } from 'node:child_process';

/**
 * Starts a TypeScript file of the harness as a Node child process (through tsx), with
 * an IPC channel; its stdout and stderr are this process's. `exited` resolves with the
 * last message the child sent once it has exited with 0, and rejects otherwise.
 */
export function forkTypescript<Report>(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[]; onMessage?: (message: unknown) => void } = {},
): { child: ChildProcess; exited: Promise<Report> } {
  const child = fork(file, args, {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<Report>((resolve, reject) => {
    let last: unknown;
    child.on('message', (message) => {
      last = message;
      options.onMessage?.(message);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 && last !== undefined
        ? resolve(last as Report)
        : reject(new Error(`${file} exited with ${signal ?? code}`)),
    );
  });
  return { child, exited };
}

/**
 * In a child started by {@link forkTypescript}: sends `message` to the parent, resolved
 * once it is handed over, so a child that exits next does not lose its last message.
 */
export function sendToParent(message: unknown): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}
