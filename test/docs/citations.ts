// Scanner for document citations in the source tree. Guards the rule that every document a comment (or a
// doc) cites exists in the repository, down to the numbered section: a citation is a path ending in `.md`
// (resolved against the citing file's folder, then the repository root), optionally followed by section
// references (`docs/protocols/relay.md §7.2`, `[serf.md](serf.md) §3`, `memberlist.md §6, §13`). Every
// `§` on a line must belong to such a citation, and documents that live outside the repository (the
// project's private spec set) may not be named at all.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** Names of documents that are not in the repository and must not be cited. */
const OUTSIDE = /\b(?:seed-protocols|memberlist-wire|memberlist-vectors|performance-notes|ckit-vectors|meshage-vectors|shared\/spec|shared\/design)\b/g;

/** A path to a markdown document: letters, digits, `._-/`, ending in `.md` (not part of a longer name). */
const DOC = /(?<![\w.\/-])((?:\.{1,2}\/)*[\w-][\w.\/-]*?\.md)(?![\w-])/g;

/** Section references right after a citation: optional `)` or backtick, then `§N(.N)*` lists. */
const SECTIONS = /^[)`]?\s*§\s?(\d+(?:\.\d+)*)((?:\s*(?:,|\/|–|and)\s*§\s?\d+(?:\.\d+)*)*)/;

/** Numbered headings of a markdown file ("## 7.2 Close codes", "## 4. Layers") -> their numbers. */
export function sectionNumbers(markdown: string): string[] {
  const out: string[] = [];
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    if (fence) continue;
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

export interface ScanContext {
  /** Repository root (absolute). */
  root: string;
  /** Reads a cited document (absolute path) or returns null when it does not exist. */
  read(path: string): string | null;
}

/** Problems in one file's text. `file` is the absolute path of the citing file. */
export function scanText(file: string, text: string, ctx: ScanContext): Problem[] {
  const problems: Problem[] = [];
  const rel = relative(ctx.root, file);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const at = (message: string) => problems.push({ file: rel, line: i + 1, message });
    for (const o of line.matchAll(OUTSIDE)) at(`names "${o[0]}", a document outside the repository`);
    const claimed: Array<[number, number]> = [];
    for (const m of line.matchAll(DOC)) {
      const cited = m[1]!;
      const after = m.index! + m[0].length;
      const s = SECTIONS.exec(line.slice(after));
      if (s) claimed.push([after, after + s[0].length]);
      const candidates = [resolve(dirname(file), cited), resolve(ctx.root, cited)];
      const target = candidates.find((c) => ctx.read(c) !== null);
      if (target === undefined) {
        at(`cites ${cited}, which does not exist`);
        continue;
      }
      if (!s) continue;
      const refs = [s[1]!, ...[...s[2]!.matchAll(/§\s?(\d+(?:\.\d+)*)/g)].map((r) => r[1]!)];
      const have = new Set(sectionNumbers(ctx.read(target)!));
      for (const r of refs) if (!have.has(r)) at(`cites ${cited} §${r}, which has no such section`);
    }
    for (let p = line.indexOf("§"); p >= 0; p = line.indexOf("§", p + 1)) {
      const pos = p;
      if (!claimed.some(([a, b]) => pos >= a && pos < b)) at(`"§" at column ${p + 1} does not follow a cited document`);
    }
  }
  return problems;
}

const SCANNED_ROOTS = ["src", "worker", "bench", "test", "assembly", "bin", "docs", ".ci"];
const SCANNED_FILES = ["README.md", "package.json", "wrangler.toml", "vitest.config.ts"];
const TEXT = /\.(?:ts|js|mjs|go|py|md|toml|sh)$|^run$/;
const SKIP_DIRS = new Set(["node_modules", "build", ".gopath", "results", "meshage-streams"]);

/** Every scanned file under the repository root (sorted). */
export function scannedFiles(root: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (TEXT.test(name) && !skip.includes(p)) out.push(p);
    }
  };
  for (const r of SCANNED_ROOTS) if (existsSync(join(root, r))) walk(join(root, r));
  for (const f of SCANNED_FILES) if (existsSync(join(root, f))) out.push(join(root, f));
  return out.sort();
}

/** A context reading documents from disk (cached). */
export function diskContext(root: string): ScanContext {
  const cache = new Map<string, string | null>();
  return {
    root,
    read(path: string): string | null {
      if (!cache.has(path)) cache.set(path, existsSync(path) && statSync(path).isFile() ? readFileSync(path, "utf8") : null);
      return cache.get(path)!;
    },
  };
}
