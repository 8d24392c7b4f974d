/**
 * Loads the configured threat and trusted lists from the intel bucket into the intel registry, once per
 * Lambda container (at cold start), so every invocation detects with the same lists the CLI would use.
 *
 * A list that cannot be read is left out and reported, and the others are loaded: GuardDuty keeps
 * detecting when one of its lists is in error, and an ingest function that refused to start would detect
 * nothing at all. A list that is misconfigured (duplicate name, unknown category) is a deployment error and
 * fails the load.
 *
 * @example
 * const { intel, failures } = await loadIntelFromBucket({ reader, bucket: 'vigil-intel', lists: [{ key: 'lists/bad.txt', name: 'bad', category: 'custom', kind: 'threat' }] });
 */
import { addBuiltinTestIndicators } from '../intel/defaults/guardduty-test-domains';
import { IntelRegistryBuilder, type IntelListReport, type IntelRegistry, type IntelRegistryOptions } from '../intel/registry';
import type { IntelKind } from '../intel/types';
import { IntelLoadError } from './errors';
import type { S3ObjectReader } from './s3-objects';

/** One entry of the `VIGIL_INTEL_LISTS` configuration. */
export interface IntelListLocation {
  /** Object key in the intel bucket. */
  readonly key: string;
  readonly name: string;
  readonly category: string;
  readonly kind: IntelKind;
  /** List format; detected from the content when absent. */
  readonly format?: string;
}

export interface IntelLoadResult {
  readonly intel: IntelRegistry;
  readonly reports: readonly IntelListReport[];
  readonly failures: readonly { readonly list: IntelListLocation; readonly error: IntelLoadError }[];
}

export interface LoadIntelOptions {
  readonly reader: Pick<S3ObjectReader, 'readText'>;
  readonly bucket: string;
  readonly lists: readonly IntelListLocation[];
  readonly registryOptions?: IntelRegistryOptions;
}

export async function loadIntelFromBucket(options: LoadIntelOptions): Promise<IntelLoadResult> {
  type Loaded = { readonly list: IntelListLocation; readonly text: string } | { readonly list: IntelListLocation; readonly error: IntelLoadError };
  const texts = await Promise.all(
    options.lists.map(async (list): Promise<Loaded> => {
      try {
        return { list, text: await options.reader.readText(options.bucket, list.key) };
      } catch (error) {
        return { list, error: new IntelLoadError(`threat list ${list.name} (s3://${options.bucket}/${list.key}) could not be read`, { cause: error }) };
      }
    }),
  );
  const builder = new IntelRegistryBuilder(options.registryOptions);
  addBuiltinTestIndicators(builder);
  const reports: IntelListReport[] = [];
  const failures: { list: IntelListLocation; error: IntelLoadError }[] = [];
  // In configuration order, so list names and precedence do not depend on which read finished first.
  for (const loaded of texts) {
    if ('error' in loaded) {
      failures.push({ list: loaded.list, error: loaded.error });
      continue;
    }
    const { list, text } = loaded;
    reports.push(builder.add({ name: list.name, category: list.category, kind: list.kind, text, ...(list.format ? { format: list.format } : {}) }));
  }
  return { intel: builder.build(), reports, failures };
}
