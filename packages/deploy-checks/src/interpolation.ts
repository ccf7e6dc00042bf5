/**
 * Compose's variable interpolation (Compose Specification, "Interpolation"):
 * `$$` is a literal `$`; `$NAME`, `${NAME}`; `${NAME:-default}` / `${NAME-default}`
 * (default when unset or empty / when unset); `${NAME:?message}` / `${NAME?message}`
 * (refuse to start when unset or empty / when unset); `${NAME:+other}` / `${NAME+other}`.
 * Defaults may themselves hold `${...}`.
 */
export interface MissingVariable {
  name: string;
  message: string;
}

/** Raised after the whole document was read, naming every required variable without a value. */
export class InterpolationError extends Error {
  constructor(readonly missing: MissingVariable[]) {
    super(`required variables missing a value: ${missing.map((m) => `${m.name} (${m.message})`).join(', ')}`);
    this.name = 'InterpolationError';
  }
}

export interface Interpolator {
  interpolate(value: string): string;
  /** Every variable name met so far, used or not. */
  referenced: Set<string>;
  missing: MissingVariable[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function createInterpolator(variables: ReadonlyMap<string, string>): Interpolator {
  const referenced = new Set<string>();
  const missing: MissingVariable[] = [];

  const expand = (name: string, operator: string, word: string): string => {
    referenced.add(name);
    const value = variables.get(name);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (operator) {
      case '':
        return value ?? '';
      case ':-':
        return nonEmpty ? value : interpolate(word);
      case '-':
        return set ? value : interpolate(word);
      case ':?':
      case '?':
        if (operator === ':?' ? nonEmpty : set) return value!;
        if (!missing.some((m) => m.name === name)) missing.push({ name, message: interpolate(word) || 'required' });
        return '';
      case ':+':
        return nonEmpty ? interpolate(word) : '';
      case '+':
        return set ? interpolate(word) : '';
      default:
        throw new Error(`unsupported interpolation operator "${operator}" after ${name}`);
    }
  };

  function interpolate(text: string): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const char = text[i]!;
      if (char !== '$') {
        out += char;
        i++;
        continue;
      }
      const next = text[i + 1];
      if (next === '$') {
        out += '$';
        i += 2;
      } else if (next === '{') {
        const end = closingBrace(text, i + 2);
        const body = text.slice(i + 2, end);
        const name = NAME.exec(body)?.[0];
        if (!name) throw new Error(`invalid interpolation "\${${body}}"`);
        const rest = body.slice(name.length);
        const operator = /^(:-|:\?|:\+|-|\?|\+)?/.exec(rest)![0];
        out += expand(name, operator, rest.slice(operator.length));
        i = end + 1;
      } else {
        const name = NAME.exec(text.slice(i + 1))?.[0];
        if (name) {
          out += expand(name, '', '');
          i += 1 + name.length;
        } else {
          out += '$';
          i++;
        }
      }
    }
    return out;
  }

  return { interpolate, referenced, missing };
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unclosed "\${" in: ${text}`);
}

/**
 * Interpolates every string value of a parsed compose document (keys are left as they
 * are, as compose does). Throws an InterpolationError naming each missing required variable.
 */
export function interpolateDocument<T>(document: T, variables: ReadonlyMap<string, string>): { document: T; referenced: Set<string> } {
  const interpolator = createInterpolator(variables);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return interpolator.interpolate(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  const result = walk(document) as T;
  if (interpolator.missing.length) throw new InterpolationError(interpolator.missing);
  return { document: result, referenced: interpolator.referenced };
}
