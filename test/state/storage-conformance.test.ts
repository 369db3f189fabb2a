// Runs the StateStorage conformance suite against the in-memory storage and the node:sqlite adapter (a
// fresh database file per test; every open() is a new connection to it, as after a restart).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MemoryStorage } from "../../src/state/index.ts";
import { loadSqlite, SqliteStateStorage } from "../../src/node/sqlite-storage.ts";
import { storageConformance } from "./storage-conformance.ts";

storageConformance("memory", {
  async withStorage(fn) {
    const m = new MemoryStorage();
    return fn(() => m);
  },
});

storageConformance("node:sqlite", {
  async withStorage(fn) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ctl-sqlite-"));
    const open: SqliteStateStorage[] = [];
    try {
      const file = path.join(dir, "state.sqlite");
      return await fn(
        () => {
          const s = new SqliteStateStorage(file);
          open.push(s);
          return s;
        },
        (query, ...params) => {
          const db = new (loadSqlite().DatabaseSync)(file);
          try {
            db.prepare(query).run(...params);
          } finally {
            db.close();
          }
        },
      );
    } finally {
      for (const s of open) s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
