/**
 * Writes the bundled sample logs (samples/), the example threat lists (examples/intel/) and the example
 * inventory (examples/inventory.json) from the
 * deterministic corpus generator: one day of a small account's activity with a few attacks in it.
 *
 *   npm run samples            # regenerate; the output is byte-for-byte the same every time
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ATTACK, describeInstances, generateCorpus } from './corpus';

const root = join(__dirname, '..');
const samples = join(root, 'samples');
rmSync(samples, { recursive: true, force: true });

let files = 0;
let records = 0;
for (const file of generateCorpus({ hours: 24, attacks: true })) {
  const path = join(samples, file.path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file.content);
  files++;
  records += file.records;
}

const intel = join(root, 'examples', 'intel');
mkdirSync(intel, { recursive: true });
writeFileSync(
  join(intel, 'threat-list.txt'),
  [
    '# Example custom threat list (GuardDuty TXT format): one IP, CIDR or domain per line.',
    '# Pass it with --threat-list; its name in findings is the file name without extension.',
    ATTACK.threatListedIp,
    '192.0.2.128/25',
    ATTACK.customListedDomain,
    '',
  ].join('\n'),
);
writeFileSync(
  join(intel, 'c2-domains.txt'),
  ['# Example command-and-control feed; pass it with --intel c2=FILE.', 'evil-c2.example', ''].join('\n'),
);
writeFileSync(join(root, 'examples', 'inventory.json'), JSON.stringify(describeInstances(), null, 2) + '\n');
process.stdout.write(`wrote ${files} sample files (${records} records) to samples/ and example lists to examples/intel/\n`);
