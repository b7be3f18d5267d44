// "Did you mean": the settings the schema knows, and the nearest one to a misspelt key.
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, Walkable>;
  options?: Walkable[];
  element?: Walkable;
  innerType?: Walkable;
  in?: Walkable;
  out?: Walkable;
  valueType?: Walkable;
  left?: Walkable;
  right?: Walkable;
}
type Walkable = { _zod: { def: Def } };

/** Every property name of every object in the schema, however deep. */
export function settingNames(schema: z.ZodType): Set<string> {
  const names = new Set<string>();
  const seen = new Set<Walkable>();
  const walk = (node: Walkable | undefined) => {
    if (node === undefined || seen.has(node)) return;
    seen.add(node);
    const def = node._zod.def;
    if (def.shape) for (const [name, child] of Object.entries(def.shape)) {
      names.add(name);
      walk(child);
    }
    for (const child of [...def.options ?? [], def.element, def.innerType, def.in, def.out, def.valueType, def.left, def.right]) walk(child);
  };
  walk(schema as unknown as Walkable);
  return names;
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours), for short names only. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name nearest to `key` when it is close (at most a third of its letters off, case aside); else undefined. */
export function nearestName(key: string, known: Iterable<string>): string | undefined {
  if (key.length > 64) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = name.toLowerCase() === key.toLowerCase() ? 0.5 : distance(key, name);
    if (d <= Math.max(1, Math.floor(key.length / 3)) && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}
