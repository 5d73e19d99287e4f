/** Plain-text tables for the CLI's listings. */
import { terminalSafe } from "./terminal-text.js";

/**
 * Formats a header row and data rows as left-aligned columns, each as wide as its widest cell,
 * separated by two spaces. Lines carry no trailing spaces (the last column is not padded). Cells are
 * made terminal-safe (a tenant's text cannot steer the terminal) and kept on one line.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, ...rows].map((line) => line.map(tableCell));
  // Code points, not UTF-16 units, so "…" or an accented name counts as one column.
  const width = (cell: string) => [...cell].length;
  const widths = header.map((_, column) => Math.max(...lines.map((line) => width(line[column] ?? ""))));
  return lines
    .map((line) =>
      header
        .map((_, column) => {
          const cell = line[column] ?? "";
          return cell + " ".repeat(widths[column]! - width(cell));
        })
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** One line of terminal-safe text: newlines and tabs inside a cell would break the columns. */
function tableCell(text: string): string {
  return terminalSafe(text).replace(/[\n\t]/g, (char) => (char === "\n" ? "\\n" : "\\t"));
}
