import { describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { ImportTooLarge, readCsvRecords, type CsvRecord } from './csv-records.ts';

/** The text as a byte stream cut into `chunk`-byte pieces (a multi-byte character may be split). */
async function* bytes(text: string, chunk = 7): AsyncGenerator<Uint8Array> {
  const all = new TextEncoder().encode(text);
  for (let i = 0; i < all.length; i += chunk) yield all.slice(i, i + chunk);
}

async function read(text: string, maxBytes = 1_000_000, chunk = 7): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords(bytes(text, chunk), maxBytes)) records.push(record);
  return records;
}

async function failure(text: string, maxBytes = 1_000_000): Promise<unknown> {
  try {
    await read(text, maxBytes);
  } catch (error) {
    return error;
  }
  throw new Error('expected the file to be refused');
}

describe('readCsvRecords', () => {
  it('drops a UTF-8 byte order mark and reads CRLF and LF lines alike', async () => {
    expect(await read('\ufeffa,b\r\n1,2\n3,4\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, and trims blanks around unquoted fields', async () => {
    expect(await read('a,b\n"x, y","say ""hi"""\n" multi\nline ", 2 \n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: [' multi\nline ', '2'] },
    ]);
  });

  it('numbers lines as a spreadsheet does: blank lines skipped but counted, a record by the line it starts on', async () => {
    const records = await read('h\n\n\n"a\nb"\n\nc\n');
    expect(records.map((r) => r.line)).toEqual([1, 4, 7]);
  });

  it('keeps multi-byte characters split across chunks whole', async () => {
    expect(await read('h\nüñí€\n', 1_000, 1)).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, fields: ['üñí€'] },
    ]);
  });

  it('refuses broken quoting with a 400 naming the line', async () => {
    const open = await failure('h\nok\n"never closed\nmore\n');
    expect(open).toBeInstanceOf(DomainError);
    expect(open).toMatchObject({ kind: 'invalid', code: 'malformed-csv', extra: { fields: [{ line: 3, field: 'row' }] } });
    const stray = await failure('a,b\n1,2\nx"y,2\n');
    expect(stray).toMatchObject({ code: 'malformed-csv', extra: { fields: [{ line: 3 }] } });
    const after = await failure('a,b\n"1"x,2\n');
    expect(after).toMatchObject({ code: 'malformed-csv', extra: { fields: [{ line: 2, reason: 'has text after the closing " of a quoted field' }] } });
  });

  it('stops at the size limit', async () => {
    const error = await failure('a,b\n' + '1,2\n'.repeat(100), 50);
    expect(error).toBeInstanceOf(ImportTooLarge);
  });
});
