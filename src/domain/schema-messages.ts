import type { z } from 'zod';

/** zod's issues said as a clerk would read them: unknown keys with a "did you mean", types, bounds. */

// --- unknown keys -----------------------------------------------------------------------------------

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The keys an object schema allows at `path` of `schema` (through defaults, arrays, records, pipes). */
export function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const found = new Set<string>();
  const walk = (s: z.ZodType | undefined, i: number, depth: number): void => {
    if (!s || depth > 64) return;
    const d = defOf(s);
    const next = (t: z.ZodType | undefined) => walk(t, i, depth + 1);
    switch (d.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'catch':
      case 'readonly':
      case 'nonoptional':
        return next(d.innerType);
      case 'pipe':
        return next(d.in);
      case 'lazy':
        return next(d.getter?.());
      case 'union':
        return d.options?.forEach(next);
      case 'intersection':
        return (next(d.left), next(d.right));
    }
    if (i === path.length) {
      if (d.type === 'object') Object.keys(d.shape ?? {}).forEach((k) => found.add(k));
      return;
    }
    const p = path[i];
    if (d.type === 'object' && typeof p === 'string') return walk(d.shape?.[p], i + 1, depth + 1);
    if (d.type === 'array' && typeof p === 'number') return walk(d.element, i + 1, depth + 1);
    if (d.type === 'record') return walk(d.valueType, i + 1, depth + 1);
  };
  walk(schema, 0, 0);
  return [...found];
}

/** Optimal string alignment distance: edits, with a swap of two neighbours counted as one ("urgnecy"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The allowed key a misspelt one most likely meant, if any is near enough to be a typo. */
export function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const k of allowed) {
    const distance = editDistance(key.toLowerCase(), k.toLowerCase());
    // One edit for short keys, up to a third of the longer one's letters for long keys.
    const near = distance <= Math.max(1, Math.floor(Math.max(key.length, k.length) / 3));
    if (near && (!best || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key;
}

export function unknownKeyMessage(key: string, allowed: readonly string[], present: readonly string[] = []): string {
  const free = allowed.filter((k) => !present.includes(k));
  const near = nearestKey(key, free);
  if (near) return `khóa không hợp lệ "${key}" — có phải "${near}"?`;
  if (allowed.length && allowed.length <= 8) return `khóa không hợp lệ "${key}"; ở đây chỉ dùng: ${allowed.join(', ')}`;
  return `khóa không hợp lệ "${key}"`;
}

// zod's Vietnamese names some types in English ("mong đợi string"): say what a clerk writes instead.
const TYPE_VI: Record<string, string> = {
  string: 'chữ',
  number: 'số',
  int: 'số nguyên',
  bigint: 'số nguyên',
  boolean: 'true hoặc false',
  object: 'các mục "khóa: giá trị"',
  array: 'danh sách',
  record: 'các mục "khóa: giá trị"',
};

function describeValue(v: unknown): string {
  if (v === null) return 'để trống';
  if (typeof v === 'string') return `chữ ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `số ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'danh sách';
  return 'các mục "khóa: giá trị"';
}

export function typeMessage(expected: string, value: unknown, fallback: string): string {
  const want = TYPE_VI[expected];
  return want ? `cần ${want}, không phải ${describeValue(value)}` : fallback;
}

/** zod's "Quá nhỏ: mong đợi string có >=1 ký tự", said as a clerk would (our own messages are kept). */
export function boundMessage(
  code: 'too_small' | 'too_big',
  origin: string,
  bound: number,
  inclusive: boolean,
  fallback: string,
): string {
  const small = code === 'too_small';
  if (origin === 'string')
    return small && bound <= 1 ? 'không được để trống' : `cần ${small ? 'ít nhất' : 'nhiều nhất'} ${bound} ký tự`;
  if (origin === 'array')
    return small && bound <= 1
      ? 'danh sách không được để trống'
      : `cần ${small ? 'ít nhất' : 'nhiều nhất'} ${bound} mục`;
  if (origin === 'number') {
    if (small) return inclusive ? `cần số từ ${bound} trở lên` : `cần số lớn hơn ${bound}`;
    return inclusive ? `cần số không quá ${bound}` : `cần số nhỏ hơn ${bound}`;
  }
  return fallback;
}
