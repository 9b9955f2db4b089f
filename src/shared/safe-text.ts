/* eslint-disable no-control-regex -- finding control characters is what this file is for */
/**
 * Text that comes from outside BPF Lab (a traced process's name, a path, a log or an error
 * that quotes one) made safe for a terminal. A terminal obeys control characters: ESC starts
 * sequences that retitle the window, clear the screen or rewrite what was printed before, and
 * any user can name a process that way. So every control character is shown escaped, as `\x1b`,
 * the way ps, ls and systemctl show them, and a backslash is doubled so that the escaped form
 * cannot be faked. Also escaped: DEL, the C1 controls (U+0080 to U+009F, which some terminals
 * obey as ESC sequences) and the Unicode line separators and direction overrides, which can make
 * a line read differently from what it holds.
 */

/** Everything escapeControls escapes, newline and tab included. */
const UNSAFE = /[\\\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, except newline and tab, for text of several lines. */
const UNSAFE_IN_LINES = /[\\\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(ch: string): string {
  if (ch === '\\') return '\\\\';
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One field (a comm, a path) as one line of plain text: every control character escaped. */
export function escapeControls(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}

/** Text of several lines (a log, an error with its detail): newlines and tabs kept, the rest escaped. */
export function escapeTerminal(text: string): string {
  UNSAFE_IN_LINES.lastIndex = 0;
  return UNSAFE_IN_LINES.test(text) ? text.replace(UNSAFE_IN_LINES, escapeOne) : text;
}
