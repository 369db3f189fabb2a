// StateStorage and CursorStorage on Node's built-in SQLite (node:sqlite), with the one SQL layout of
// src/state/sql.ts (the Durable Object adapter runs the same statements), so the agent's --data-dir holds
// the same tables as the edge's store object.
//
// Durability: the database runs in WAL mode with synchronous=FULL; every commit is one BEGIN IMMEDIATE ..
// COMMIT transaction, so when commit() returns the change is on disk and survives a SIGKILL (or a power
// cut) of the agent; a failed statement rolls the whole commit back and rethrows (the store then keeps
// its memory as it was). Statements are prepared once per connection; rows are written 16 to a statement
// (sql.ts). Opening a database of layout 1 migrates it in place first (sql.ts).
//
// node:sqlite on Node 22 is experimental: loading it prints an ExperimentalWarning once per process.
// loadSqlite() loads it with that one warning filtered (every other warning passes through untouched).
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { checkStorageName, type StorageFactory } from "../platform/index.ts";
import { checkRow, stateSql as Q, StateStorageError } from "../state/index.ts";
import { GossamerError } from "../util/index.ts";
import type { CursorStorage, RecordKind, RowKey, SqlArg, SqlRow, StateStorage, StoredMeta, StoredRow } from "../state/index.ts";

type SqliteModule = typeof import("node:sqlite");
let sqlite: SqliteModule | undefined;

/** node:sqlite, loaded once with its ExperimentalWarning filtered. */
export function loadSqlite(): SqliteModule {
  if (sqlite) return sqlite;
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === "string" ? warning : warning.message;
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if ((type === "ExperimentalWarning" || (warning as Error).name === "ExperimentalWarning") && /SQLite/i.test(text)) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = createRequire(import.meta.url)("node:sqlite") as SqliteModule;
  } catch (e) {
    throw new SqliteUnavailableError(`node:sqlite is not available in Node ${process.version}: it needs Node >= 22.13 (or 22.5 with --experimental-sqlite)`, e);
  } finally {
    process.emitWarning = emit;
  }
  return sqlite;
}

/**
 * Whether this Node has node:sqlite (22.5+; without --experimental-sqlite from 22.13). The package runs on
 * Node 20, where `--data-dir` is refused with this reason instead of a module-not-found crash.
 */
export function sqliteSupport(): { ok: true } | { ok: false; reason: string } {
  try {
    loadSqlite();
    return { ok: true };
  } catch (e) {
    if (!(e instanceof SqliteUnavailableError)) throw e;
    return { ok: false, reason: `node:sqlite, which Node ${process.version} does not have (Node >= 22.13, or 22.5 with --experimental-sqlite)` };
  }
}

/** node:sqlite cannot be loaded on this Node (code node.sqlite.unavailable). */
export class SqliteUnavailableError extends GossamerError {
  constructor(message: string, cause: unknown) {
    super("node.sqlite.unavailable", message, { cause });
  }
}

export interface SqliteStorageOptions {
  /** synchronous=FULL (default, durable at commit) or NORMAL (WAL: durable at checkpoint; faster). */
  synchronous?: "FULL" | "NORMAL";
}

export class SqliteStateStorage implements StateStorage, CursorStorage {
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly upsert: StatementSync;
  private readonly upsertChunk: StatementSync;
  private readonly args: SqlArg[] = new Array<SqlArg>(6 * Q.UPSERT_CHUNK);
  private readonly remove: StatementSync;
  private readonly meta: StatementSync;
  private readonly cursor: StatementSync;
  private closed = false;

  /** Opens (creating if needed) the database file; ":memory:" works too. */
  constructor(file: string, opts: SqliteStorageOptions = {}) {
    this.file = file;
    const { DatabaseSync } = loadSqlite();
    if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.db = new DatabaseSync(file);
      this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${opts.synchronous ?? "FULL"}; PRAGMA busy_timeout = 5000;`);
      this.db.exec("BEGIN IMMEDIATE");
      try {
        this.db.exec(Q.SQL_CREATE_ROWS);
        this.db.exec(Q.SQL_CREATE_META);
        this.db.exec(Q.SQL_CREATE_CURSORS);
        if ((this.db.prepare(Q.SQL_HAS_ROWS_V1).get() as { n: number }).n > 0) for (const q of Q.SQL_MIGRATE_V1) this.db.exec(q);
        this.db.exec("COMMIT");
      } catch (e) {
        this.db.exec("ROLLBACK");
        throw e;
      }
    } catch (e) {
      throw new StateStorageError(`cannot open the state database ${file}: ${(e as Error).message}`, { cause: e });
    }
    this.upsert = this.db.prepare(Q.SQL_UPSERT_ROW);
    this.upsertChunk = this.db.prepare(Q.SQL_UPSERT_ROWS);
    this.remove = this.db.prepare(Q.SQL_DELETE_ROW);
    this.meta = this.db.prepare(Q.SQL_UPSERT_META);
    this.cursor = this.db.prepare(Q.SQL_UPSERT_CURSOR);
  }

  load(): { rows: Iterable<StoredRow>; meta: StoredMeta | null } {
    const rows = (this.db.prepare(Q.SQL_SELECT_ROWS).all() as unknown as SqlRow[]).map((r) => ({
      kind: r.kind as RecordKind,
      key: r.key,
      cursor: r.cursor,
      at: r.at,
      state: r.state,
      value: r.value,
    }));
    const m = this.db.prepare(Q.SQL_SELECT_META).get() as { cursor: number; min_cursor: number } | undefined;
    return { rows, meta: m ? { cursor: m.cursor, minCursor: m.min_cursor } : null };
  }

  commit(put: readonly StoredRow[], del: readonly RowKey[], meta: StoredMeta): void {
    for (const r of put) checkRow(r);
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const d of del) this.remove.run(d.kind, d.key);
      Q.upsertRows(
        put,
        this.args,
        (a) => this.upsertChunk.run(...a),
        (r) => this.upsert.run(r.kind, r.key, r.cursor, r.at, r.state, r.value),
      );
      this.meta.run(meta.cursor, meta.minCursor);
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  loadCursors(): Map<string, string> {
    const rows = this.db.prepare(Q.SQL_SELECT_CURSORS).all() as unknown as { name: string; value: string }[];
    return new Map(rows.map((r) => [r.name, r.value]));
  }

  saveCursor(name: string, value: string): void {
    this.cursor.run(name, value);
  }

  rowCount(): number {
    return (this.db.prepare(Q.SQL_COUNT_ROWS).get() as { n: number }).n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** The state database file of a data directory. */
export function stateDbPath(dataDir: string, name = "state"): string {
  return path.join(dataDir, `${name}.sqlite`);
}

/**
 * The Platform's StorageFactory for Node (kind "node-sqlite"): `open(name)` opens DIR/name.sqlite, one
 * connection per name (reopening a name returns the same adapter, as the memory factory does).
 */
export function nodeSqliteStorageFactory(dataDir: string, opts: SqliteStorageOptions = {}): StorageFactory & { open(name: string): SqliteStateStorage; close(): void } {
  const opened = new Map<string, SqliteStateStorage>();
  return {
    kind: "node-sqlite",
    open(name: string): SqliteStateStorage {
      checkStorageName(name);
      let s = opened.get(name);
      if (!s) opened.set(name, (s = new SqliteStateStorage(stateDbPath(dataDir, name), opts)));
      return s;
    },
    close(): void {
      for (const s of opened.values()) s.close();
      opened.clear();
    },
  };
}
