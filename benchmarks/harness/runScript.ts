/**
 * Runs a script's `main` and exits: 0 when it resolves, 1 with `<name>: <message>` on
 * stderr when it rejects. Exits rather than waits for the event loop to empty: a Kafka
 * client or chDB session left open would keep the process alive.
 */
export function runScript(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
