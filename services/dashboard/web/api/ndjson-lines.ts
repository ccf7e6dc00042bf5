/**
 * Splits an NDJSON answer arriving in pieces into whole lines: a piece may end mid-line (even
 * mid-character is impossible here: pieces are already decoded text). Blank lines are skipped.
 */
export class NdjsonLines {
  private pending = '';

  /** The lines completed by `text`. */
  push(text: string): string[] {
    this.pending += text;
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map(trimLineEnd).filter((line) => line !== '');
  }

  /** What is left when the answer has ended (a last line without its newline). */
  end(): string[] {
    const rest = trimLineEnd(this.pending);
    this.pending = '';
    return rest ? [rest] : [];
  }
}

const trimLineEnd = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
