import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { SCENARIOS } from './benchOptions';
import { BenchResult } from './resultsFile';
import { AT_THIS_SIZE } from './scenarioOutcome';

const START = '<!-- bench:table:start (written by npm run bench: the newest run of each scenario) -->';
const END = '<!-- bench:table:end -->';
const HEADER = [
  '| Scenario | Parameters | Figures | Targets (issue 7) | Run |',
  '| --- | --- | --- | --- | --- |',
];

/**
 * Puts the result's row into the table between the markers of `file` (created when
 * missing), one row per scenario and variant (`compare`, `compare --batch 50`), the
 * newest run, in the order of the scenario list, each scenario's plain form first;
 * everything outside the markers is left as it is. The file is then formatted with the
 * repository's prettier settings, so `prettier --check` passes.
 */
export async function updateResultsTable(
  file: string,
  result: BenchResult,
  resultPath: string,
): Promise<void> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmark results\n\n${START}\n${END}\n`;
  const begin = text.indexOf(START);
  const end = text.indexOf(END);
  const body = begin >= 0 && end > begin ? text.slice(begin + START.length, end) : '';
  const before = begin >= 0 && end > begin ? text.slice(0, begin) : `${text.trimEnd()}\n\n`;
  const after = begin >= 0 && end > begin ? text.slice(end + END.length) : '\n';

  const rows = new Map<string, string>();
  for (const line of body.split('\n')) {
    const key = /^\|\s*`([a-z0-9-]+(?: [^`|]+)?)`\s*\|/.exec(line)?.[1];
    if (key) rows.set(key, line.trim());
  }
  rows.set(keyOf(result), rowOf(result, relative(dirname(file), resultPath)));
  const ordered = SCENARIOS.flatMap((scenario) =>
    [...rows.keys()]
      .filter((key) => key.split(' ')[0] === scenario)
      .sort((a, b) =>
        a === scenario ? -1 : b === scenario ? 1 : a.localeCompare(b, 'en', { numeric: true }),
      )
      .map((key) => rows.get(key)!),
  );
  const table = `${START}\n\n${[...HEADER, ...ordered].join('\n')}\n\n${END}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await formatMarkdown(`${before}${table}${after}`, file));
}

function keyOf(result: BenchResult): string {
  return result.variant ? `${result.scenario} ${result.variant}` : result.scenario;
}

function rowOf(result: BenchResult, link: string): string {
  const targets =
    result.targets.length === 0
      ? '(reference)'
      : result.targets
          .map(
            (t) =>
              `${t.target}: ${t.display} ${t.met === null ? `(not judged ${t.unjudged ?? AT_THIS_SIZE})` : t.met ? '**met**' : '**not met**'}`,
          )
          .join('<br>');
  const date = result.startedAt.slice(0, 16).replace('T', ' ');
  const cells = [
    `\`${keyOf(result)}\``,
    result.row.parameters,
    result.row.figures,
    targets,
    `[${date} UTC](${link})`,
  ];
  return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
}

async function formatMarkdown(text: string, file: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text;
  }
}
