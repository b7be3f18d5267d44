// README's table of SECURITY.md's cases stays true: it lists every case the design names, and
// every test file it gives for a case exists and names that case (so a reader who looks there
// finds it). The cases are those of shared/design/SECURITY.md; a case added there is added here.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CASES = [
  'C1 C2 C3 C4 C5',
  'S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13 S14 S15 S16 S17 S18 S19 S20 S21 S22 S23 S24 S25 S26 S27 S28 S29 S30 S31 S32 S33',
  'O1 O2 O3 O4 O5 O6 O7 O8 O9 O10 O11 O12 O13 O14 O15 O16 O17 O20',
  'D1 D2 D3 D4 D5 D6 D7 D8 D11 D13 D14',
  'L1 L2 L3 E1 E2',
  'W1 W2 W3 W4 W5 W6 W7 W8 W9 W10 W12 W13',
  'R1 R2 R4 R6',
].join(' ').split(' ');

const readme = readFileSync('README.md', 'utf8');
const rows = new Map([...readme.matchAll(/^\| ([CSODLEWR]\d{1,2}) \| (.+) \|$/gm)].map((m) => [m[1]!, [...m[2]!.matchAll(/`([^`]+)`/g)].map((f) => f[1]!)]));

describe('README: every case of SECURITY.md and its tests', () => {
  it('lists every case, and no other', () => {
    expect([...rows.keys()]).toEqual(CASES);
  });

  for (const id of CASES) {
    it(`${id}: each file listed exists and names ${id}`, () => {
      const files = rows.get(id) ?? [];
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        expect(existsSync(file), file).toBe(true);
        expect(readFileSync(file, 'utf8'), `${file} names ${id}`).toMatch(new RegExp(`(?<![A-Za-z0-9])${id}(?![0-9])`));
      }
    });
  }
});
