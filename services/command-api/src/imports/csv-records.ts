import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse, type Options } from 'csv-parse';
import { DomainError } from '@crypto-invest/contracts';

// Reads a CSV byte stream record by record (csv-parse), never holding more than a few
// chunks: quoted fields (with commas, quotes and line breaks inside), CRLF or LF line
// endings, a UTF-8 byte order mark, blank lines. Each record comes with the line where
// it starts, as a spreadsheet numbers it (the header is line 1).

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Longest row we read; a real one is under 200 characters. */
export const MAX_RECORD_CHARS = 10_000;

/** The body was larger than the import limit (a 413). */
export class ImportTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`);
  }
}

/**
 * The records of a CSV byte stream, in order. A file that is not CSV at all — a quote
 * left open, text after a closing quote, a runaway row — throws a 400 DomainError
 * naming the line: from there on nobody can say where rows begin, so the rows after it
 * cannot be trusted and the file is refused whole. More than `maxBytes` throws
 * `ImportTooLarge`.
 */
export async function* readCsvRecords(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<CsvRecord> {
  // The start line of a record is one past where the previous one ended, plus the blank lines between.
  let previousEnd = 0;
  let previousEmpty = 0;
  const options: Options<CsvRecord, string[]> = {
    bom: true,
    // Both, even mixed in one file (csv-parse would otherwise keep the first one it sees).
    record_delimiter: ['\r\n', '\n'],
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_CHARS,
    on_record: (fields: string[], context) => {
      const line = previousEnd + 1 + (context.empty_lines - previousEmpty);
      previousEnd = context.lines;
      previousEmpty = context.empty_lines;
      return { line, fields };
    },
  };
  // csv-parse's typings only let on_record return rows of strings; ours carry their line.
  const parser = parse(options as unknown as Options);
  const feeding = pipeline(Readable.from(limitBytes(body, maxBytes), { objectMode: false }), parser);
  // A failure of the source or the parser surfaces in the loop below; this only keeps it from going unhandled.
  feeding.catch(() => undefined);
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) yield record;
  } catch (error) {
    if (error instanceof CsvError) throw malformedCsv(error, previousEnd + 1);
    throw error;
  } finally {
    parser.destroy();
  }
}

async function* limitBytes(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new ImportTooLarge(maxBytes);
    yield chunk;
  }
}

function malformedCsv(error: CsvError, recordStart: number): DomainError {
  const at = (error as CsvError & { lines?: number }).lines ?? recordStart;
  const [line, reason] = ((): [number, string] => {
    switch (error.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return [recordStart, 'a quoted field is never closed (its closing " is missing), so the rest of the file is one field'];
      case 'INVALID_OPENING_QUOTE':
        return [at, 'has a " inside a field that is not quoted: quote the whole field and double the quote inside it ("a""b")'];
      case 'CSV_INVALID_CLOSING_QUOTE':
        return [at, 'has text after the closing " of a quoted field'];
      case 'CSV_MAX_RECORD_SIZE':
        return [at, `has a row longer than ${MAX_RECORD_CHARS} characters`];
      default:
        return [at, `is not valid CSV (${error.code})`];
    }
  })();
  return new DomainError('invalid', 'malformed-csv', 'The file is not valid CSV', `line ${line} ${reason}; nothing was recorded`, {
    fields: [{ line, field: 'row', reason } as { field: string; reason: string }],
  });
}
