import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The draft XSD for DERGroupStatuses events, shipped in schemas/iec. */
export const STATUSES_XSD = resolve(__dirname, '../../schemas/iec/xsd/change/DERGroupStatusesMessage.xsd');

/** Debian's xmllint on files against a schema: exit 0 only when every file validates. */
export function xmllint(
  files: readonly string[],
  xsd = STATUSES_XSD,
): { code: number | null; output: string } {
  const result = spawnSync('xmllint', ['--noout', '--schema', xsd, ...files], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: result.status, output: result.stderr + result.stdout };
}

/** {@link xmllint} on documents held in memory: each is written to a file of its own first. */
export function xmllintTexts(
  documents: readonly string[],
  xsd = STATUSES_XSD,
): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'derstream-xmllint-'));
  const files = documents.map((document, i) => {
    const file = join(dir, `${String(i).padStart(6, '0')}.xml`);
    writeFileSync(file, document);
    return file;
  });
  return xmllint(files, xsd);
}
