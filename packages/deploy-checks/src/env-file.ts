/**
 * Reads a dotenv file the way docker compose reads `.env` for interpolation:
 * `NAME=value` lines, `#` comments and blank lines; a value may be quoted, and an
 * unquoted one may end with ` # comment`. Anything else is an error, so the file
 * stays readable by every dotenv reader.
 */
export function parseEnvFile(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not NAME=value: ${raw}`);
    const [, name, rest] = match as unknown as [string, string, string];
    variables.set(name, unquote(rest));
  });
  return variables;
}

function unquote(value: string): string {
  const quoted = /^(['"])(.*)\1$/.exec(value);
  if (quoted) return quoted[2]!;
  return value.replace(/\s+#.*$/, '').trim();
}
