import fc from 'fast-check';

/**
 * Generators of malformed and hostile input, shared by the bad-input tests of every
 * service. Each generator says whether what it makes is *certainly* invalid (the tests
 * then expect a 4xx) or merely hostile (arbitrary: the tests then only expect no 5xx, no
 * hang, and no write).
 */

/** Strings attackers and broken clients send. */
export const NASTY_STRINGS = [
  '',
  ' ',
  "'; drop table investments; --",
  "' or '1'='1",
  '") or 1=1 --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%00',
  '\u0000',
  '\u202e\u0644\u0627',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '0x10',
  '١٢٣',
  '💸',
  'null',
  'true',
  '\r\nSet-Cookie: x=1',
  'A'.repeat(10_000),
];

export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );

/** A header value a client can actually send (no CR, LF or NUL; Latin-1 at most). */
export const headerValue = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic YWRtaW46YWRtaW4=', 'Bearer ' + 'x'.repeat(3000), '%00', "' or 1=1 --", 'null', '*/*', 'ÿÿÿ'),
  ).map((s) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '').trim());

/** Characters that can never appear in a decimal (nor in an id, a date or a coin id). */
const NEVER_IN_A_DECIMAL = [' ', ',', '_', 'x', 'a', '/', '\\', '"', "'", ';', '%', '#', '$', '€', '١', 'O', '\t', '\u00a0', '∞', '½', '⁵'];

/** Decimal text with one character inserted that no decimal has. */
export const brokenDecimalText = (): fc.Arbitrary<string> =>
  fc
    .tuple(fc.stringMatching(/^[0-9]{1,6}(\.[0-9]{1,6})?$/), fc.constantFrom(...NEVER_IN_A_DECIMAL), fc.nat())
    .map(([text, bad, at]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + bad + text.slice(i);
    });

/** An amount or price the command API must refuse, as raw JSON text. */
export const invalidDecimalJson = (): fc.Arbitrary<string> =>
  fc.oneof(
    // wrong types
    fc.constantFrom('true', 'false', '{}', '[]', '[1]', '{"value":1}', '[["1"]]'),
    // not positive
    fc.constantFrom('0', '-1', '-0', '0.0', '"0"', '"-5.5"', '-1e-10', '"0e10"'),
    // too many decimals / digits, or out of range
    fc.integer({ min: 19, max: 60 }).map((n) => `0.${'0'.repeat(n - 1)}7`),
    fc.integer({ min: 21, max: 60 }).map((n) => `"9${'0'.repeat(n - 1)}"`),
    fc.constantFrom('1e400', '1e-400', '"1e999999999999"', '123456789012345678901', '"Infinity"', '"NaN"', '"-Infinity"'),
    // text no decimal reads as
    brokenDecimalText().map((s) => JSON.stringify(s)),
    fc.constantFrom(...NASTY_STRINGS).filter((s) => !/^[0-9]/.test(s)).map((s) => JSON.stringify(s)),
  );

/** A coin the command API must refuse before anything else (empty, or characters no coin id has). */
export const invalidCoinJson = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('""', '"   "', '1', 'null', 'true', '[]', '{}', `"${'a'.repeat(101)}"`),
    fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.constantFrom(' ', '/', '<', "'", ';', '%', '#', '$', '💸', '\u0000', '*')).map(([s, c]) => JSON.stringify(s + c + s)),
  );

/** A timestamp the command API must refuse. */
export const invalidTimestampJson = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('1', 'true', '{}', '""', '"2021-01-01"', '"2021-02-30T10:00:00Z"', '"2021-01-01T10:00:00"', '"yesterday"', '"2008-12-31T10:00:00Z"', '"0001-01-01T00:00:00Z"', '"2021-13-01T00:00:00Z"'),
    fc.integer({ min: 2, max: 3_000 }).map((days) => JSON.stringify(new Date(Date.now() + days * 86_400_000).toISOString())),
    fc.constantFrom(...NASTY_STRINGS).map((s) => JSON.stringify(s)),
  );

/** Any JSON value (as text), some deeply nested. */
export const anyJsonText = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 7_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 3_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) },
  );

/** Text that is not JSON at all (or not a JSON object): every JSON route must refuse it. */
export const notAJsonObject = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 200 }).filter((s) => !isJsonObject(s)),
    fc.json({ maxDepth: 3 }).filter((s) => !isJsonObject(s)),
    fc.constantFrom('{', '{"coin":', '{"coin":"bitcoin",}', "{'coin':'bitcoin'}", '{"coin":"bitcoin","amount":1}{}', '\ufeff{"coin":"x"', 'NaN', '[]', 'null'),
    fc.constantFrom('{"coin":"bitcoin","amount":1,"amount":2}'),
  );

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** A media type that is not JSON. */
export const notJsonMediaType = (): fc.Arbitrary<string> =>
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/csv', 'application/xml', 'application/jsonx', 'json', '*/*', 'application/octet-stream', 'text/json');

/** Query strings made of hostile parameter names and values (percent-encoded, or raw and broken). */
export const hostileQuery = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.array(fc.tuple(nastyString(), nastyString()), { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()),
    fc.constantFrom('%', '%zz', '%E0%A4%A', 'a=%00', '&&&', '=', 'a=1&a=2&a=3', '%2e%2e%2f', 'x'.repeat(5_000) + '=1'),
  );

/** A path segment standing for an id, none of which is a positive integer. */
export const notAnId = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('0', '-1', '1.0', '1e3', '0x1', '+1', ' 1', '1 ', 'abc', 'null', 'undefined', '%00', '١', '99999999999999999999999999', '1;drop', "1'", '[1]'),
    fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/^[0-9]+$/.test(s.trim())),
  ).map((s) => encodeURIComponent(s));

/** Bounds a request: a hang is a failure, not a slow test. */
export async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ProblemAnswer {
  status: number;
  contentType: string;
  body: Record<string, unknown> | undefined;
}

/** Reads an answer; `body` is the parsed problem when it is problem+json. */
export async function readAnswer(response: Response): Promise<ProblemAnswer> {
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType, body };
}

/** A 4xx RFC 9457 problem whose status matches the HTTP status, with a detail for people. */
export function isClientProblem(answer: ProblemAnswer): boolean {
  return (
    answer.status >= 400 &&
    answer.status < 500 &&
    answer.contentType.startsWith('application/problem+json') &&
    answer.body?.status === answer.status &&
    typeof answer.body?.type === 'string' &&
    typeof answer.body?.detail === 'string' &&
    (answer.body.detail as string).length > 0
  );
}
