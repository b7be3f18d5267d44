// Group names are data (SECURITY.md W7). They are compared after Unicode NFC and trimming, so that
// the same name typed two ways matches, and never interpreted in any other way.

export function normaliseGroup(name: string): string {
  return name.normalize('NFC').trim();
}
