type Form = Record<string, string | string[] | undefined>;

/** A string field of a parsed form (or JSON) body; the first one when the field repeats. */
export const field = (b: unknown, k: string): string | undefined => {
  const v = b && typeof b === 'object' ? (b as Form)[k] : undefined;
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
};

/** Every value of a repeated form field (checkboxes), strings only, at most `max`. */
export const fields = (b: unknown, k: string, max = 200): string[] => {
  const v = b && typeof b === 'object' ? (b as Form)[k] : undefined;
  const all = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return all.slice(0, max);
};

/** A query-string parameter, when it is a string. */
export const queryParam = (q: unknown, k: string, max = 200): string | undefined => {
  const v = q && typeof q === 'object' ? (q as Record<string, unknown>)[k] : undefined;
  return typeof v === 'string' ? v.slice(0, max) : undefined;
};
