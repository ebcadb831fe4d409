/** Markdown escaping shared by the report and the diff comment. */

/** Escapes the characters that break a Markdown table cell. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
