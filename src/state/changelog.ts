// The state store's change log: every visible change of a record appends (cursor, record) in cursor
// order. A record changed again leaves its older items behind; they are stale (the record's cursor moved
// on, or the record was garbage-collected) and skipped, and the log is rebuilt from the records when
// stale items outnumber live ones. Two parallel arrays: no allocation per change.

export interface Logged {
  /** Cursor of the record's last change. */
  readonly cursor: number;
  /** The record was garbage-collected. */
  readonly gone: boolean;
}

export class ChangeLog<E extends Logged> {
  private cursors: number[] = [];
  private items: E[] = [];

  get length(): number {
    return this.cursors.length;
  }

  push(cursor: number, e: E): void {
    this.cursors.push(cursor);
    this.items.push(e);
  }

  /** Records whose last change is after cursor `since`, in cursor order (each once). */
  since(since: number): E[] {
    const log = this.cursors;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]! <= since) lo = mid + 1;
      else hi = mid;
    }
    const out: E[] = [];
    for (let i = lo; i < log.length; i++) {
      const e = this.items[i]!;
      if (!e.gone && e.cursor === log[i]) out.push(e);
    }
    return out;
  }

  /** Rebuilds the log from the records (each one item at its cursor; cursor 0 = never changed). */
  rebuild(records: Iterable<E>): void {
    const live: E[] = [];
    for (const e of records) if (e.cursor > 0 && !e.gone) live.push(e);
    live.sort((a, b) => a.cursor - b.cursor);
    this.items = live;
    this.cursors = live.map((e) => e.cursor);
  }
}
