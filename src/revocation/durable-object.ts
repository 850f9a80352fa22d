import { DurableObject } from "cloudflare:workers";
import { maxLoggedChanges, pageSize, propagationWindowMs, type Announcement, type Changes, type HeldDocuments, type HeldSession } from "./protocol";

/*
 * The one Revocations object: a numbered log of the key and config changes
 * the Gateway API announced, which every isolate polls (feed.ts). Answers come
 * from memory when nothing changed (most polls) and from SQLite otherwise.
 * Writes are durable before the announcement is answered (the output gate), so
 * a Gateway API call that returned is in every later answer.
 *
 * The log keeps the last `propagationWindowMs` of changes (at most
 * `maxLoggedChanges`); an isolate whose position is older is told to forget
 * everything. On Workers KV the object also holds each changed key's session
 * for that window, because a KV read elsewhere may return the old one until
 * then: isolates read recently changed keys here instead. Likewise API
 * definitions and policies written within the window, which isolates lay over
 * what KV gives them when they reload.
 */

const schema = [
  "CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL, seq INTEGER NOT NULL, config_version TEXT NOT NULL, config_at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS held (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT, at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (kind, id))",
];

interface MetaRow extends Record<string, SqlStorageValue> {
  epoch: string;
  seq: number;
  config_version: string;
  config_at: number;
}

interface ChangeRow extends Record<string, SqlStorageValue> {
  seq: number;
  kind: string;
  id: string;
}

interface HeldDocumentRow extends Record<string, SqlStorageValue> {
  kind: string;
  id: string;
  body: string | null;
}

interface HeldRow extends Record<string, SqlStorageValue> {
  body: string | null;
  at: number;
  expires_at: number;
}

export class Revocations extends DurableObject<Record<string, unknown>> {
  private readonly epoch: string;
  private seq: number;
  private configVersion: string;
  private configAt: number;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    for (const statement of schema) sql.exec(statement);
    const meta = sql.exec<MetaRow>("SELECT epoch, seq, config_version, config_at FROM meta").toArray()[0];
    this.epoch = meta?.epoch ?? crypto.randomUUID();
    this.seq = meta?.seq ?? 0;
    this.configVersion = meta?.config_version ?? "";
    this.configAt = meta?.config_at ?? 0;
    if (!meta) sql.exec("INSERT INTO meta (id, epoch, seq, config_version, config_at) VALUES (1, ?, 0, '', 0)", this.epoch);
  }

  /** Logs a change; resolves with its position once it is durable. A document is only held: it goes live with the next reload. */
  announce(change: Announcement): number {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    if (change.kind === "document") {
      this.hold(change.collection, change.id, change.body, now, 0);
      return this.seq;
    }
    this.seq++;
    if (change.kind === "config") {
      this.configVersion = change.version;
      this.configAt = now;
    }
    sql.exec("UPDATE meta SET seq = ?, config_version = ?, config_at = ?", this.seq, this.configVersion, this.configAt);
    sql.exec("INSERT INTO changes (seq, kind, id, at) VALUES (?, ?, ?, ?)", this.seq, change.kind, change.kind === "key" ? change.id : change.version, now);
    if (change.kind === "key" && change.document) this.hold("keys", change.id, change.document.body, now, change.document.expiresAt);
    sql.exec("DELETE FROM changes WHERE at < ? OR seq <= ?", now - propagationWindowMs, this.seq - maxLoggedChanges);
    return this.seq;
  }

  /** The changes after `since` in the history named `epoch` (both null for an isolate that has not asked yet). */
  changesSince(epoch: string | null, since: number | null): Changes {
    if (epoch === this.epoch && since === this.seq) return { ...this.configState(), epoch, seq: since, keys: [], config: false, flush: false, complete: true };
    if (epoch !== this.epoch || since === null || since > this.seq || !this.logHolds(since + 1)) return this.flush();
    const rows = this.ctx.storage.sql.exec<ChangeRow>("SELECT seq, kind, id FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", since, pageSize + 1).toArray();
    const page = rows.slice(0, pageSize);
    return {
      epoch: this.epoch,
      seq: page.at(-1)?.seq ?? this.seq,
      keys: page.filter((row) => row.kind === "key").map((row) => row.id),
      config: page.some((row) => row.kind === "config"),
      ...this.configState(),
      flush: false,
      complete: rows.length <= pageSize,
    };
  }

  /** The session announced for a key within the propagation window: null once deleted or past its lifetime. */
  held(id: string): HeldSession {
    const row = this.ctx.storage.sql.exec<HeldRow>("SELECT body, at, expires_at FROM held WHERE kind = 'keys' AND id = ?", id).toArray()[0];
    const now = Date.now();
    if (!row || row.at < now - propagationWindowMs) return { known: false, body: null };
    return { known: true, body: row.expires_at > 0 && row.expires_at <= now ? null : row.body };
  }

  /** The API definitions and policies written within the propagation window. */
  heldDocuments(): HeldDocuments {
    const rows = this.ctx.storage.sql
      .exec<HeldDocumentRow>("SELECT kind, id, body FROM held WHERE kind IN ('apis', 'policies') AND at >= ? ORDER BY at", Date.now() - propagationWindowMs)
      .toArray();
    const held: HeldDocuments = { apis: [], policies: [] };
    for (const row of rows) held[row.kind === "apis" ? "apis" : "policies"].push({ id: row.id, body: row.body });
    return held;
  }

  private hold(kind: string, id: string, body: string | null, now: number, expiresAt: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT INTO held (kind, id, body, at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, at = excluded.at, expires_at = excluded.expires_at",
      kind,
      id,
      body,
      now,
      expiresAt,
    );
    sql.exec("DELETE FROM held WHERE at < ?", now - propagationWindowMs);
  }

  private configState(): Pick<Changes, "configVersion" | "configAt"> {
    return { configVersion: this.configVersion, configAt: this.configAt };
  }

  private logHolds(seq: number): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM changes WHERE seq = ?", seq).toArray().length > 0;
  }

  /** Start again from the newest position, knowing which keys changed within the window. */
  private flush(): Changes {
    const now = Date.now();
    const held = this.ctx.storage.sql
      .exec<{ id: string }>("SELECT id FROM held WHERE kind = 'keys' AND at >= ? ORDER BY at DESC LIMIT ?", now - propagationWindowMs, pageSize + 1)
      .toArray();
    return {
      epoch: this.epoch,
      seq: this.seq,
      keys: held.slice(0, pageSize).map((row) => row.id),
      config: false,
      ...this.configState(),
      flush: true,
      complete: held.length <= pageSize,
    };
  }
}
