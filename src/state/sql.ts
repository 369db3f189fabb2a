// The one SQL layout of the state store's persistent storage (storage.ts describes the data model), shared
// by the Durable Object adapter (worker/sql-storage.ts, DO SQLite) and the Node adapter
// (src/node/sqlite-storage.ts, node:sqlite), so a database written by one runtime reads the same in the
// other. Statements, and the order a commit binds rows to them (upsertRows); each adapter runs them with
// its own driver, inside one transaction per commit.
//
// Tables (layout 2):
//   gossip_records (kind, key) -> cursor, at, state, value: one row per record (rowcodec.ts: the text of
//                  state and value). A rowid table with a unique (kind, key) index: rows are appended,
//                  not inserted into a tree ordered by key, which keeps batched writes cheap.
//   gossip_meta    the single row id = 1: last issued cursor, oldest cursor deltas can answer from
//   gossip_cursors name -> value: small named positions kept beside the state (the agent's edge-link
//                  outbox cursor and watch cursor), written in the same database so a restart sees both.
//
// Writes are batched: a commit upserts its rows UPSERT_CHUNK at a time with one multi-row statement (at
// most 96 bound parameters: a Durable Object statement takes at most 100), the rest one by one.
//
// Migration from layout 1 (gossip_rows, a WITHOUT ROWID table with the same columns), run by both
// adapters when they open a database that still has it, in one transaction: the rows are copied into
// gossip_records as they are (rowcodec.ts reads v1 state and value text; a record is rewritten in the v2
// format the next time it changes) and gossip_rows is dropped. A Durable Object migrates in place the
// first time it is constructed after the upgrade; an agent's --data-dir the first time it opens it.
// Nothing else changed between the layouts: meta and cursors are kept as they are.

import type { StoredRow } from "../platform/index.ts";

export const SQL_CREATE_ROWS = `CREATE TABLE IF NOT EXISTS gossip_records (kind TEXT NOT NULL, key TEXT NOT NULL, cursor INTEGER NOT NULL,
  at INTEGER NOT NULL, state TEXT NOT NULL, value TEXT, UNIQUE (kind, key))`;
export const SQL_CREATE_META = `CREATE TABLE IF NOT EXISTS gossip_meta (id INTEGER PRIMARY KEY CHECK (id = 1), cursor INTEGER NOT NULL,
  min_cursor INTEGER NOT NULL)`;
export const SQL_CREATE_CURSORS = `CREATE TABLE IF NOT EXISTS gossip_cursors (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID`;

/** Layout 1's row table (kept here to recognise and migrate it). */
export const SQL_CREATE_ROWS_V1 = `CREATE TABLE IF NOT EXISTS gossip_rows (kind TEXT NOT NULL, key TEXT NOT NULL, cursor INTEGER NOT NULL,
  at INTEGER NOT NULL, state TEXT NOT NULL, value TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID`;
/** One row (n = 1) when the database still has layout 1's table. */
export const SQL_HAS_ROWS_V1 = `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'gossip_rows'`;
/** Run in order, in one transaction, when SQL_HAS_ROWS_V1 says so (after the CREATE statements). */
export const SQL_MIGRATE_V1 = [
  `INSERT OR REPLACE INTO gossip_records (kind, key, cursor, at, state, value) SELECT kind, key, cursor, at, state, value FROM gossip_rows`,
  `DROP TABLE gossip_rows`,
];

export const SQL_SELECT_ROWS = `SELECT kind, key, cursor, at, state, value FROM gossip_records`;
export const SQL_SELECT_META = `SELECT cursor, min_cursor FROM gossip_meta WHERE id = 1`;
export const SQL_DELETE_ROW = `DELETE FROM gossip_records WHERE kind = ? AND key = ?`;
export const SQL_UPSERT_META = `INSERT OR REPLACE INTO gossip_meta (id, cursor, min_cursor) VALUES (1, ?, ?)`;
export const SQL_COUNT_ROWS = `SELECT count(*) AS n FROM gossip_records`;
export const SQL_SELECT_CURSORS = `SELECT name, value FROM gossip_cursors`;
export const SQL_UPSERT_CURSOR = `INSERT OR REPLACE INTO gossip_cursors (name, value) VALUES (?, ?)`;

/** Rows per multi-row upsert (6 parameters each: 96 <= a Durable Object's 100). */
export const UPSERT_CHUNK = 16;

/** Upsert of `n` rows: (kind, key, cursor, at, state, value) bound n times, in order. */
export function sqlUpsertRows(n: number): string {
  let s = `INSERT INTO gossip_records (kind, key, cursor, at, state, value) VALUES (?, ?, ?, ?, ?, ?)`;
  for (let i = 1; i < n; i++) s += `, (?, ?, ?, ?, ?, ?)`;
  return s + ` ON CONFLICT (kind, key) DO UPDATE SET cursor = excluded.cursor, at = excluded.at, state = excluded.state, value = excluded.value`;
}
export const SQL_UPSERT_ROW = sqlUpsertRows(1);
export const SQL_UPSERT_ROWS = sqlUpsertRows(UPSERT_CHUNK);

/** A statement's bound values (what both drivers accept). */
export type SqlArg = string | number | null;

/**
 * A commit's upserts: `many` runs SQL_UPSERT_ROWS with the flat values of UPSERT_CHUNK rows (in `args`,
 * 6 * UPSERT_CHUNK long, reused from call to call), `one` runs SQL_UPSERT_ROW for each row left over.
 */
export function upsertRows(put: readonly StoredRow[], args: SqlArg[], many: (args: SqlArg[]) => void, one: (r: StoredRow) => void): void {
  const n = UPSERT_CHUNK;
  let i = 0;
  for (; i + n <= put.length; i += n) {
    for (let j = 0; j < n; j++) {
      const r = put[i + j]!;
      const o = 6 * j;
      args[o] = r.kind;
      args[o + 1] = r.key;
      args[o + 2] = r.cursor;
      args[o + 3] = r.at;
      args[o + 4] = r.state;
      args[o + 5] = r.value;
    }
    many(args);
  }
  for (; i < put.length; i++) one(put[i]!);
}

/** Row shape as SQLite returns it (both drivers). */
export interface SqlRow {
  kind: string;
  key: string;
  cursor: number;
  at: number;
  state: string;
  value: string | null;
}
