/** One stage of a Dockerfile: `FROM <from> AS <name>` and its instructions. */
export interface DockerStage {
  name: string;
  from: string;
  instructions: Array<{ keyword: string; args: string }>;
}

/**
 * Splits a Dockerfile into stages (enough to check its structure): joins continued
 * lines, skips comments and heredoc bodies.
 */
export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const lines = text.split('\n');
  let heredocEnd: string | undefined;
  let pending = '';
  for (const raw of lines) {
    if (heredocEnd !== undefined) {
      if (raw.trim() === heredocEnd) heredocEnd = undefined;
      continue;
    }
    if (!pending && (raw.trim() === '' || raw.trimStart().startsWith('#'))) continue;
    if (raw.endsWith('\\')) {
      pending += raw.slice(0, -1) + ' ';
      continue;
    }
    const line = (pending + raw).trim();
    pending = '';
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const heredoc = /<<-?'?"?([A-Z_]+)/.exec(args);
    if (heredoc) heredocEnd = heredoc[1];
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from: match[1]!, name: match[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length) {
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}
