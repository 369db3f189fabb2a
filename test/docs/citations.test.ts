// Every document a comment or a doc cites exists in the repository, with the cited numbered section
// (see citations.ts for the rules). The scanner itself is checked on small inputs first, so a broken
// scanner cannot pass the tree vacuously.
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { diskContext, scanText, scannedFiles, sectionNumbers, type ScanContext } from "./citations.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const self = [fileURLToPath(import.meta.url), join(dirname(fileURLToPath(import.meta.url)), "citations.ts")];

describe("citation scanner", () => {
  const docs: Record<string, string> = {
    "/r/docs/protocols/a.md": "# A\n## 1. One\n### 1.2 One two\n```\n## 9. not a heading (fenced)\n```\n## 3 Three\n",
    "/r/docs/b.md": "# B\n",
  };
  const ctx: ScanContext = { root: "/r", read: (p) => docs[p] ?? null };
  const scan = (text: string, file = "/r/src/x.ts") => scanText(file, text, ctx).map((p) => p.message);

  it("reads numbered headings outside code fences", () => {
    expect(sectionNumbers(docs["/r/docs/protocols/a.md"]!)).toEqual(["1", "1.2", "3"]);
  });

  it("accepts existing documents and sections, relative to the file or the root", () => {
    expect(scan("// see docs/protocols/a.md §1.2 and docs/b.md")).toEqual([]);
    expect(scan("// (docs/protocols/a.md §1, §3)")).toEqual([]);
    expect(scan("// (docs/protocols/a.md §1–§1.2 and §3)")).toEqual([]);
    expect(scan("see [a.md](a.md) §3", "/r/docs/protocols/c.md")).toEqual([]);
    expect(scan("see [b](../b.md)", "/r/docs/protocols/c.md")).toEqual([]);
  });

  it("rejects missing documents, missing sections and stray section signs", () => {
    expect(scan("// docs/protocols/gone.md §1")).toEqual(["cites docs/protocols/gone.md, which does not exist"]);
    expect(scan("// docs/protocols/a.md §2")).toEqual(["cites docs/protocols/a.md §2, which has no such section"]);
    expect(scan("// docs/protocols/a.md §1, §9")).toEqual(["cites docs/protocols/a.md §9, which has no such section"]);
    expect(scan("// the merge rules (spec §1.4)")).toEqual(['"§" at column 26 does not follow a cited document']);
  });

  it("rejects documents that live outside the repository, with or without a section", () => {
    expect(scan("// seed-protocols §5.9")).toHaveLength(2);
    expect(scan("// layouts in ../shared/spec/memberlist-wire.md")).toContain('names "memberlist-wire", a document outside the repository');
    expect(scan("// performance-notes table")).toEqual(['names "performance-notes", a document outside the repository']);
  });
});

describe("citations in the repository", () => {
  const files = scannedFiles(root, self);

  it("scans the source tree and the docs", () => {
    expect(files.some((f) => f.endsWith("src/relay/protocol.ts"))).toBe(true);
    expect(files.some((f) => f.endsWith("docs/protocols/memberlist.md"))).toBe(true);
  });

  it("every cited document and section exists", () => {
    const ctx = diskContext(root);
    const problems = files.flatMap((f) => scanText(f, ctx.read(f)!, ctx));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
  });

  it("section numbers are unique within each document", () => {
    const ctx = diskContext(root);
    for (const f of files.filter((x) => x.endsWith(".md"))) {
      const nums = sectionNumbers(ctx.read(f)!);
      expect(nums.filter((n, i) => nums.indexOf(n) !== i), f).toEqual([]);
    }
  });
});
