import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/cli';

/**
 * A second stack instance of its own (state folder and ports), so this test can start
 * and stop it while the suite's stack keeps serving the other tests.
 */
const ports = { kafka: 19192, controller: 19193, registry: 18181, admin: 18191 };

function stack(command: string, stateDir: string, extra: Record<string, string> = {}) {
  const result = spawnSync('bash', ['ops/stack.sh', command], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      DERSTREAM_STACK_DIR: stateDir,
      DERSTREAM_KAFKA_PORT: String(ports.kafka),
      DERSTREAM_CONTROLLER_PORT: String(ports.controller),
      DERSTREAM_REGISTRY_PORT: String(ports.registry),
      DERSTREAM_REGISTRY_ADMIN_PORT: String(ports.admin),
      DERSTREAM_KAFKA_HEAP: '384m',
      DERSTREAM_REGISTRY_HEAP: '256m',
      ...extra,
    },
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('ops/stack.sh', () => {
  const state = mkdtempSync(join(tmpdir(), 'derstream-stack-'));
  afterAll(() => {
    stack('down', state);
  });

  it('up twice, status, down: both answer, the second up is harmless, nothing of ours is left', async () => {
    const first = stack('up', state);
    expect(first.out).toMatch(new RegExp(`kafka 3\\.9\\.\\d+ up on 127\\.0\\.0\\.1:${ports.kafka}`));
    expect(first.status).toBe(0);
    const pids = ['kafka', 'registry'].map((name) =>
      Number(readFileSync(join(state, 'run', `${name}.pid`), 'utf8')),
    );

    const second = stack('up', state);
    expect(second.status).toBe(0);
    expect(second.out).toMatch(/kafka already running/);
    expect(second.out).toMatch(/registry already running/);
    expect(
      pids.map((name, i) =>
        Number(readFileSync(join(state, 'run', `${['kafka', 'registry'][i]}.pid`), 'utf8')),
      ),
    ).toEqual(pids);

    const registry = await fetch(`http://127.0.0.1:${ports.registry}/apis/ccompat/v7/subjects`);
    expect(registry.status).toBe(200);
    const status = stack('status', state);
    expect(status.status).toBe(0);
    expect(status.out).toMatch(/kafka: running/);

    const down = stack('down', state);
    expect(down.status).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(stack('status', state).status).toBe(1);
    const leftovers = spawnSync('pgrep', ['-f', state], { encoding: 'utf8' }).stdout.trim();
    expect(leftovers).toBe('');
  });

  it('says clearly which port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.kafka, '127.0.0.1', resolve));
    try {
      const result = stack('up', mkdtempSync(join(tmpdir(), 'derstream-stack-')));
      expect(result.status).toBe(1);
      expect(result.out).toMatch(
        new RegExp(
          `stack: port ${ports.kafka} is already in use by another process: stop it, or choose another port with DERSTREAM_KAFKA_PORT`,
        ),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
