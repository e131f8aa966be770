import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

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
