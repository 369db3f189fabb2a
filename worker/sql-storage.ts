// StateStorage (src/state/storage.ts) on Durable Object SQLite. Synchronous like the seam: every
// commit is one ctx.storage.transactionSync, so a store change lands whole or not at all, and the
// Durable Object output gate holds the HTTP response until the write is durable (write before ack).
import type { RowKey, StateStorage, StoredMeta, StoredRow } from "../src/state/storage.ts";
import type { RecordKind } from "../src/state/storage.ts";

type RowRecord = { kind: string; key: string; cursor: number; at: number; state: string; value: string | null };

export class SqlStateStorage implements StateStorage {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS gossip_rows (kind TEXT NOT NULL, key TEXT NOT NULL, cursor INTEGER NOT NULL,
         at INTEGER NOT NULL, state TEXT NOT NULL, value TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID`,
    );
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS gossip_meta (id INTEGER PRIMARY KEY CHECK (id = 1), cursor INTEGER NOT NULL,
         min_cursor INTEGER NOT NULL)`,
    );
  }

  load(): { rows: Iterable<StoredRow>; meta: StoredMeta | null } {
    const rows = this.sql
      .exec<RowRecord>(`SELECT kind, key, cursor, at, state, value FROM gossip_rows`)
      .toArray()
      .map((r) => ({ kind: r.kind as RecordKind, key: r.key, cursor: r.cursor, at: r.at, state: r.state, value: r.value }));
    const m = this.sql.exec<{ cursor: number; min_cursor: number }>(`SELECT cursor, min_cursor FROM gossip_meta WHERE id = 1`).toArray()[0];
    return { rows, meta: m ? { cursor: m.cursor, minCursor: m.min_cursor } : null };
  }

  commit(put: readonly StoredRow[], del: readonly RowKey[], meta: StoredMeta): void {
    this.storage.transactionSync(() => {
      for (const d of del) this.sql.exec(`DELETE FROM gossip_rows WHERE kind = ? AND key = ?`, d.kind, d.key);
      for (const r of put) {
        this.sql.exec(
          `INSERT OR REPLACE INTO gossip_rows (kind, key, cursor, at, state, value) VALUES (?, ?, ?, ?, ?, ?)`,
          r.kind,
          r.key,
          r.cursor,
          r.at,
          r.state,
          r.value,
        );
      }
      this.sql.exec(`INSERT OR REPLACE INTO gossip_meta (id, cursor, min_cursor) VALUES (1, ?, ?)`, meta.cursor, meta.minCursor);
    });
  }

  /** Rows on disk (metrics). */
  rowCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM gossip_rows`).one().n;
  }
}
