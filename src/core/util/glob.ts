// Glob patterns for directory targets (`*.log`, `error*.log`, `app-?.log`, `[ab]*.log`, `*.{log,txt}`),
// matched against a file's base name only: `*` never crosses a `/`.

const SPECIAL = /[.+^$()|\\]/;

/** Compiles a glob to an anchored RegExp; an unbalanced `[` or `{` is taken literally. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) source += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        source += `[${body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (char === "{" && glob.indexOf("}", i) !== -1) {
      braceDepth++;
      source += "(?:";
    } else if (char === "}" && braceDepth > 0) {
      braceDepth--;
      source += ")";
    } else if (char === "," && braceDepth > 0) source += "|";
    else source += SPECIAL.test(char) || char === "{" || char === "}" ? `\\${char}` : char;
  }
  return new RegExp(`^${source}$`);
}
