/** Plain-text tables for the CLI's listings. */

/**
 * Formats a header row and data rows as left-aligned columns, each as wide as its widest cell,
 * separated by two spaces. Lines carry no trailing spaces (the last column is not padded).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, ...rows];
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
