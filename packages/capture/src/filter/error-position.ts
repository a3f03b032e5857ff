// Where an expression libpcap refused goes wrong. libpcap says only "syntax error"; the position
// is found the way a reader would: the first token after which no continuation can make the
// expression valid. "Can be continued" is tested by compiling the prefix followed by each of a
// few completions that close every construct of the grammar (an operand, a parenthesis, a
// bracket, a comparison); a prefix none of them completes is where the error is.

export interface Token {
  readonly text: string;
  /** 0-based offset in the expression. */
  readonly offset: number;
}

/** Words, numbers and addresses as one token each; operators and brackets alone. */
export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s*([()[\]!]|&&|\|\||[<>]=?|!=|==?|[-+*/%&|^:]|[^\s()[\]!<>=&|^+*/%:-]+(?:[-:][^\s()[\]!<>=&|^+*/%:-]+)*)/gy;
  for (;;) {
    const at = re.lastIndex;
    const m = re.exec(expression);
    if (m === null) {
      const rest = expression.slice(at).trim();
      if (rest.length > 0) tokens.push({ text: rest, offset: expression.indexOf(rest, at) });
      break;
    }
    const text = m[1]!;
    tokens.push({ text, offset: m.index + m[0].length - text.length });
  }
  return tokens;
}

const COMPLETIONS = [
  '',
  ' 1',
  ' 1)',
  ' 1))',
  ' 1)))',
  ')',
  '))',
  ')))',
  ' tcp',
  ' tcp)',
  ' tcp))',
  ' host 192.0.2.1',
  ' 192.0.2.1',
  ' 1] = 1',
  ' 1:1] = 1',
  '] = 1',
  ':1] = 1',
  ' = 1',
  ' 1 = 1',
  '[0] = 1',
  ' 1]',
  ' 80',
];

/**
 * The token at which `expression` stops being a prefix of any valid one (by `compiles`), or
 * undefined when every prefix can still be completed (the error is at the end: something is
 * missing) or the error is not a syntax error.
 */
export function errorToken(expression: string, compiles: (e: string) => boolean): Token | undefined {
  const tokens = tokenize(expression);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prefix = expression.slice(0, t.offset + t.text.length);
    if (!COMPLETIONS.some((c) => compiles(prefix + c))) return t;
  }
  return undefined;
}
