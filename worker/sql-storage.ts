// StateStorage (src/state/storage.ts) on Durable Object SQLite, with the SQL layout of src/state/sql.ts
// (the same tables and statements the Node agent's node:sqlite adapter runs). Synchronous like the seam:
// every commit is one ctx.storage.transactionSync, so a store change lands whole or not at all, and the
// Durable Object output gate holds the HTTP response until the write is durable (write before ack).
// Rows are written 16 to a statement (96 bound parameters: a Durable Object statement takes at most 100).
// An object whose database still has layout 1 migrates it in place when constructed (sql.ts), in one
// transaction, before the store loads its rows.
// durableObjectStorageFactory is the worker platform's StorageFactory over one object's SQLite.
import { checkStorageName, type StorageFactory } from "../src/platform/index.ts";
import { checkRow, STATE_STORAGE_NAME, stateSql as Q } from "../src/state/index.ts";
import type { CursorStorage, RecordKind, RowKey, SqlArg, SqlRow, StateStorage, StoredMeta, StoredRow } from "../src/state/index.ts";

export class SqlStateStorage implements StateStorage, CursorStorage {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;
  private readonly args: SqlArg[] = new Array<SqlArg>(6 * Q.UPSERT_CHUNK);

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
    storage.transactionSync(() => {
      this.sql.exec(Q.SQL_CREATE_ROWS);
      this.sql.exec(Q.SQL_CREATE_META);
      this.sql.exec(Q.SQL_CREATE_CURSORS);
      if (this.sql.exec<{ n: number }>(Q.SQL_HAS_ROWS_V1).one().n > 0) for (const q of Q.SQL_MIGRATE_V1) this.sql.exec(q);
    });
  }

  load(): { rows: Iterable<StoredRow>; meta: StoredMeta | null } {
    const rows = this.sql
      .exec<Record<keyof SqlRow, SqlStorageValue>>(Q.SQL_SELECT_ROWS)
      .toArray()
      .map((r) => ({ kind: r.kind as RecordKind, key: r.key as string, cursor: r.cursor as number, at: r.at as number, state: r.state as string, value: r.value as string | null }));
    const m = this.sql.exec<{ cursor: number; min_cursor: number }>(Q.SQL_SELECT_META).toArray()[0];
    return { rows, meta: m ? { cursor: m.cursor, minCursor: m.min_cursor } : null };
  }

  commit(put: readonly StoredRow[], del: readonly RowKey[], meta: StoredMeta): void {
    for (const r of put) checkRow(r);
    this.storage.transactionSync(() => {
      for (const d of del) this.sql.exec(Q.SQL_DELETE_ROW, d.kind, d.key);
      Q.upsertRows(
        put,
        this.args,
        (a) => this.sql.exec(Q.SQL_UPSERT_ROWS, ...a),
        (r) => this.sql.exec(Q.SQL_UPSERT_ROW, r.kind, r.key, r.cursor, r.at, r.state, r.value),
      );
      this.sql.exec(Q.SQL_UPSERT_META, meta.cursor, meta.minCursor);
    });
  }

  loadCursors(): Map<string, string> {
    return new Map(this.sql.exec<{ name: string; value: string }>(Q.SQL_SELECT_CURSORS).toArray().map((r) => [r.name, r.value]));
  }

  saveCursor(name: string, value: string): void {
    this.sql.exec(Q.SQL_UPSERT_CURSOR, name, value);
  }

  /** Rows on disk (metrics). */
  rowCount(): number {
    return this.sql.exec<{ n: number }>(Q.SQL_COUNT_ROWS).one().n;
  }
}

/** The worker platform's storage factory: the state store's storage on one Durable Object's SQLite. */
export function durableObjectStorageFactory(storage: DurableObjectStorage): StorageFactory {
  let opened: SqlStateStorage | undefined;
  return {
    kind: "durable-object",
    open(name: string): SqlStateStorage {
      checkStorageName(name, STATE_STORAGE_NAME);
      return (opened ??= new SqlStateStorage(storage));
    },
  };
}
