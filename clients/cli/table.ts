/**
 * `--output table`: a result as a human reads it. A list (`{ items }`) is one row per item with a
 * column per field that holds a plain value; a single object is one row per such field. Nested
 * objects are summarised (`{3 fields}`), lists of plain values joined with ", ", other lists
 * counted. JSON (the default) stays the format for scripts: this one may change.
 */
type Row = Record<string, string>;

const MAX_CELL = 60;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) return value.map(cell).join(", ") || "-";
    return `[${value.length}]`;
  }
  if (typeof value === "object") return `{${Object.keys(value).length} fields}`;
  const text = String(value).replace(/\s+/g, " ");
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function render(header: string[], rows: Row[]): string {
  const widths = header.map((name) => Math.max(name.length, ...rows.map((row) => (row[name] ?? "").length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return [
    line(header.map((h) => h.toUpperCase())),
    ...rows.map((row) => line(header.map((h) => row[h] ?? ""))),
  ]
    .map((text) => `${text}\n`)
    .join("");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function table(result: unknown): string {
  if (isRecord(result) && Array.isArray(result.items)) {
    const items = result.items.filter(isRecord);
    if (items.length === 0) return "(none)\n";
    // Columns: fields in order of first appearance, leaving out those no item holds a plain value in.
    const columns: string[] = [];
    for (const item of items)
      for (const [key, value] of Object.entries(item))
        if (!columns.includes(key) && (value === null || typeof value !== "object" || Array.isArray(value)))
          columns.push(key);
    const body = render(
      columns,
      items.map((item) => Object.fromEntries(columns.map((c) => [c, cell(item[c])]))),
    );
    const next = typeof result.nextToken === "string" ? `next page: --next-token ${result.nextToken}\n` : "";
    return body + next;
  }
  if (isRecord(result)) {
    return render(
      ["field", "value"],
      Object.entries(result).map(([field, value]) => ({ field, value: cell(value) })),
    );
  }
  return `${cell(result)}\n`;
}
