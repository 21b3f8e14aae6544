// The shell commands of a README: every fenced code block of language `sh`, split into commands.
// A small line scanner rather than a Markdown library: no Markdown parser is in the tree, and the
// README only needs CommonMark's fence rule (a run of 3+ backticks or tildes, closed by a run of
// the same character at least as long) and the shell's comment and line-continuation rules.

/** One command of a README's `sh` block, as a user would type it. */
export interface ReadmeCommand {
  /** The command with its continuation lines joined and its trailing comment removed. */
  command: string;
  /** 1-based line of the README where the command starts. */
  line: number;
  /** The Markdown heading the command is under (`## Benchmarks`), or `''` before the first one. */
  section: string;
  /** Why the command is not run, from a `# readme-test: skip: <reason>` line right before it. */
  skip?: string;
}

/** The one way to skip a command: this shell comment on the line right before it, in its block. */
export const SKIP_MARKER = /^#\s*readme-test:\s*skip:\s*(\S.*)$/;

/** A fence line: indentation of at most 3 spaces, a run of 3+ backticks or tildes, an info string. */
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

/**
 * The commands of every `sh` block of `markdown`, in order. Throws on what would otherwise be
 * silently left out: a shell block tagged `bash`/`shell`/`console`/`zsh` (write `sh`), an
 * unclosed fence, a malformed `readme-test:` marker, a marker not followed by a command, or a
 * command whose last line still ends in `\`.
 *
 * @example
 * readmeCommands('```sh\n# readme-test: skip: recursion\nnpm test   # all\n```');
 * // [{ command: 'npm test', line: 3, section: '', skip: 'recursion' }]
 */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const out: ReadmeCommand[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{1,6}\s+(.*)$/.exec(lines[i]!);
    if (heading) section = lines[i]!.trim();
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, fence, lang] = open;
    const close = new RegExp(`^ {0,3}${fence![0] === '`' ? '`' : '~'}{${fence!.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    if (end >= lines.length) throw new Error(`README line ${i + 1}: the fence opened here is never closed`);
    const language = (lang ?? '').toLowerCase();
    if (['bash', 'shell', 'console', 'zsh', 'shell-session', 'sh-session'].includes(language))
      throw new Error(
        `README line ${i + 1}: a \`${language}\` block; tag shell commands \`sh\` so the README test runs them`,
      );
    if (language === 'sh') out.push(...blockCommands(lines.slice(i + 1, end), i + 2, section));
    i = end;
  }
  return out;
}

/** The commands of one block's lines; `first` is the README line number of `body[0]`. */
function blockCommands(body: string[], first: number, section: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let skip: { reason: string; line: number } | undefined;
  let pending: { parts: string[]; line: number } | undefined;
  for (let k = 0; k < body.length; k++) {
    const line = first + k;
    const text = body[k]!.trim();
    if (pending === undefined && (text === '' || text.startsWith('#'))) {
      if (/readme-test/.test(text)) {
        const m = SKIP_MARKER.exec(text);
        if (!m) throw new Error(`README line ${line}: write the marker as "# readme-test: skip: <reason>"`);
        if (skip) throw new Error(`README line ${line}: two skip markers in a row`);
        skip = { reason: m[1]!.trim(), line };
      } else if (text === '' && skip) {
        throw new Error(`README line ${skip.line}: a skip marker must be right before its command`);
      }
      continue;
    }
    const code = stripComment(body[k]!).trimEnd();
    const continued = code.endsWith('\\');
    const part = (continued ? code.slice(0, -1) : code).trim();
    if (pending) pending.parts.push(part);
    else pending = { parts: [part], line };
    if (continued) continue;
    out.push({
      command: pending.parts.filter((p) => p !== '').join(' '),
      line: pending.line,
      section,
      ...(skip ? { skip: skip.reason } : {}),
    });
    pending = undefined;
    skip = undefined;
  }
  if (pending) throw new Error(`README line ${pending.line}: the command's last line ends in "\\"`);
  if (skip) throw new Error(`README line ${skip.line}: a skip marker with no command after it`);
  return out;
}

/**
 * `line` without its shell comment: a `#` that starts a word (at the start or after a blank),
 * outside single and double quotes. A `\` escapes the next character outside single quotes.
 */
export function stripComment(line: string): string {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}
