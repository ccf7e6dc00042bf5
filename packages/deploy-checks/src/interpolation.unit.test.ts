import { describe, expect, it } from 'vitest';
import { parseEnvFile } from './env-file.ts';
import { createInterpolator, interpolateDocument, InterpolationError } from './interpolation.ts';

const vars = new Map([
  ['SET', 'value'],
  ['EMPTY', ''],
  ['PORT', '8001'],
]);
const interpolate = (text: string) => createInterpolator(vars).interpolate(text);

describe('compose interpolation', () => {
  it('substitutes ${NAME} and $NAME and keeps $$ as a literal dollar', () => {
    expect(interpolate('a ${SET} b $SET c $$SET d $')).toBe('a value b value c $SET d $');
    expect(interpolate('${UNSET}|$UNSET')).toBe('|');
  });

  it('applies defaults: ":-" for unset or empty, "-" for unset only, nested inside the default', () => {
    expect(interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:-d}')).toBe('d  d value');
    expect(interpolate('${URL:-http://localhost:${PORT:-1}}')).toBe('http://localhost:8001');
  });

  it('applies alternatives ":+" and "+"', () => {
    expect(interpolate('${SET:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}.')).toBe('alt  alt .');
  });

  it('refuses unset or empty required variables, naming each with its message, after reading the whole document', () => {
    const document = { a: '${SET:?no}', b: ['${EMPTY:?set EMPTY in .env}', { c: '${UNSET?need it}' }], d: '${EMPTY?fine when empty}' };
    let error: unknown;
    try {
      interpolateDocument(document, vars);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterpolationError);
    expect((error as InterpolationError).missing).toEqual([
      { name: 'EMPTY', message: 'set EMPTY in .env' },
      { name: 'UNSET', message: 'need it' },
    ]);
  });

  it('interpolates values, not keys, and records every variable referenced', () => {
    const { document, referenced } = interpolateDocument({ '${SET}': ['${PORT}:${PORT}', 5, true, null] }, vars);
    expect(document).toEqual({ '${SET}': ['8001:8001', 5, true, null] });
    expect([...referenced]).toEqual(['PORT']);
  });
});

describe('dotenv file', () => {
  it('reads NAME=value lines, quotes, trailing comments and empty values', () => {
    const file = parseEnvFile('# comment\n\nA=1\nB=\nC="x # y"\nD=\'q\'\nE=plain # note\n');
    expect([...file]).toEqual([
      ['A', '1'],
      ['B', ''],
      ['C', 'x # y'],
      ['D', 'q'],
      ['E', 'plain'],
    ]);
  });

  it('rejects a line that is not NAME=value', () => {
    expect(() => parseEnvFile('A=1\nnot a variable\n')).toThrow(/line 2/);
  });
});
