import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateXML } from 'xmllint-wasm';

/** The IEC 61968-5 draft schema sets shipped in `schemas/iec/xsd`, one folder per verb family. */
export const IEC_XSD_DIR = resolve(__dirname, '../../schemas/iec/xsd');
export type IecSchemaSet = 'create' | 'change' | 'get';

export interface SchemaProblem {
  line: number | null;
  message: string;
}

const files = new Map<IecSchemaSet, { fileName: string; contents: string }[]>();

function schemaFiles(set: IecSchemaSet) {
  let loaded = files.get(set);
  if (!loaded) {
    const dir = join(IEC_XSD_DIR, set);
    loaded = readdirSync(dir)
      .filter((name) => name.endsWith('.xsd'))
      .map((fileName) => ({ fileName, contents: readFileSync(join(dir, fileName), 'utf8') }));
    files.set(set, loaded);
  }
  return loaded;
}

/**
 * Validates a message against one of the draft's message schemas (e.g.
 * `DERGroupsMessage.xsd` of the `change` set) in process, with libxml2 compiled to
 * WebAssembly: no shelling out, and no file system or network for the document to
 * reach (imports resolve only among the set's own XSDs). Returns the problems, none
 * when valid. Callers refuse DTDs and oversized input before calling it.
 */
export async function validateIecXml(
  xml: string,
  set: IecSchemaSet,
  messageXsd: string,
): Promise<SchemaProblem[]> {
  const all = schemaFiles(set);
  const main = all.find((file) => file.fileName === messageXsd);
  if (!main) throw new Error(`no ${messageXsd} in ${join(IEC_XSD_DIR, set)}`);
  const result = await validateXML({
    xml: [{ fileName: 'message.xml', contents: xml }],
    schema: [main],
    preload: all.filter((file) => file !== main),
  });
  return result.valid
    ? []
    : result.errors
        .filter((e) => e.loc !== null)
        // The text libxml2 prints around an error comes as an error of its own, at line NaN.
        .map((e) => ({
          line: Number.isInteger(e.loc?.lineNumber) ? e.loc!.lineNumber : null,
          message: e.message.trim(),
        }));
}
