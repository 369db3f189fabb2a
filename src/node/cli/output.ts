// Output helpers for the client commands (members, state, route): serf-style aligned columns for a
// person, or JSON for a program (--format json).
export type OutputFormat = "text" | "json";

/** Rows as left-aligned columns separated by two spaces; the header row first. No trailing spaces. */
export function columns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** `k=v,k=v` in key order (serf members' tag column). */
export function tagText(tags: Readonly<Record<string, string>> | null | undefined): string {
  if (!tags) return "";
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(",");
}
