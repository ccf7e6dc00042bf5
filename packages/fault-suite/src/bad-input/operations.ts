/**
 * Which documented operations the bad-input tests reached, so that an endpoint added
 * later without hostile input of its own makes a test fail.
 */
export interface Operation {
  method: string;
  path: string;
}

export async function documentedOperations(request: (path: string) => Promise<Response>): Promise<Operation[]> {
  const document = (await (await request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })));
}

export class Coverage {
  private readonly reached = new Set<string>();

  constructor(private readonly operations: Operation[]) {}

  /** Notes the documented operation a request went to, if it matches one. */
  note(method: string, url: string): void {
    const path = url.split('?')[0]!;
    for (const op of this.operations) {
      const pattern = new RegExp('^' + op.path.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      if (op.method === method && pattern.test(path)) this.reached.add(`${op.method} ${op.path}`);
    }
  }

  /** Documented operations no hostile request reached (besides the exempt ones). */
  missed(exempt: string[]): string[] {
    return this.operations.map((op) => `${op.method} ${op.path}`).filter((op) => !this.reached.has(op) && !exempt.includes(op));
  }
}
