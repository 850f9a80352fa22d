import { DurableObject } from "cloudflare:workers";

/*
 * One OAuthGrants object per API: its authorization codes, refresh tokens and
 * the index of access tokens by client, in SQLite. Codes and refresh tokens
 * are kept under the SHA-256 of their text. Each method runs its SQL
 * synchronously, with no await between the read and the delete, so the object
 * answers one redemption of a code or refresh token at a time: of two
 * concurrent redemptions exactly one gets the grant.
 */

const schema = [
  "CREATE TABLE IF NOT EXISTS codes (hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, body TEXT NOT NULL, expires_at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS refresh (hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, body TEXT NOT NULL, expires_at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS tokens (access_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, refresh_hash TEXT NOT NULL, expires_at INTEGER NOT NULL)",
  "CREATE INDEX IF NOT EXISTS tokens_by_client ON tokens (client_id, expires_at)",
];

/** What redeeming a code or refresh token found. Only `granted` consumed it. */
export type Redemption = { outcome: "granted"; body: string } | { outcome: "unknown" } | { outcome: "expired" } | { outcome: "other-client" };

/** An access token of a client: its storage id and expiry (Unix seconds), as Tyk's client token list shows. */
export interface ClientToken {
  code: string;
  expires: number;
}

/** An access token with the refresh token issued beside it, for revoking both. */
export interface IssuedPair {
  accessId: string;
  refreshHash: string;
}

interface GrantRow extends Record<string, SqlStorageValue> {
  client_id: string;
  body: string;
  expires_at: number;
}

interface TokenRow extends Record<string, SqlStorageValue> {
  access_id: string;
  refresh_hash: string;
  expires_at: number;
}

export class OAuthGrants extends DurableObject<Record<string, unknown>> {
  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    for (const statement of schema) ctx.storage.sql.exec(statement);
  }

  saveCode(hash: string, clientId: string, body: string, expiresAt: number): void {
    this.ctx.storage.sql.exec("DELETE FROM codes WHERE expires_at < ?", Date.now());
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO codes VALUES (?, ?, ?, ?)", hash, clientId, body, expiresAt);
  }

  /** Consumes a code issued to `clientId`; a code of another client is left alone, an expired one is dropped. */
  redeemCode(hash: string, clientId: string, now: number): Redemption {
    return this.redeem("codes", hash, clientId, now);
  }

  saveRefresh(hash: string, clientId: string, body: string, expiresAt: number): void {
    this.ctx.storage.sql.exec("DELETE FROM refresh WHERE expires_at < ?", Date.now());
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO refresh VALUES (?, ?, ?, ?)", hash, clientId, body, expiresAt);
  }

  redeemRefresh(hash: string, clientId: string, now: number): Redemption {
    return this.redeem("refresh", hash, clientId, now);
  }

  /** Resolves to false when there was no such refresh token. */
  removeRefresh(hash: string): boolean {
    return this.ctx.storage.sql.exec("DELETE FROM refresh WHERE hash = ?", hash).rowsWritten > 0;
  }

  recordToken(accessId: string, clientId: string, refreshHash: string, expiresAt: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM tokens WHERE expires_at < ?", Math.floor(Date.now() / 1000));
    sql.exec("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?)", accessId, clientId, refreshHash, expiresAt);
  }

  /** Unexpired access tokens of a client, soonest to expire first. */
  clientTokens(clientId: string, nowSeconds: number): ClientToken[] {
    return this.ctx.storage.sql
      .exec<TokenRow>(
        "SELECT access_id, refresh_hash, expires_at FROM tokens WHERE client_id = ? AND expires_at >= ? ORDER BY expires_at",
        clientId,
        nowSeconds,
      )
      .toArray()
      .map((row) => ({ code: row.access_id, expires: row.expires_at }));
  }

  /** Forgets an access token; its refresh token stays usable (Tyk revokes them separately). */
  forgetToken(accessId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM tokens WHERE access_id = ?", accessId);
  }

  /** Forgets every token and refresh token of a client and returns them, so their sessions can be removed. */
  forgetClient(clientId: string): IssuedPair[] {
    const sql = this.ctx.storage.sql;
    const rows = sql.exec<TokenRow>("SELECT access_id, refresh_hash, expires_at FROM tokens WHERE client_id = ?", clientId).toArray();
    sql.exec("DELETE FROM tokens WHERE client_id = ?", clientId);
    sql.exec("DELETE FROM refresh WHERE client_id = ?", clientId);
    sql.exec("DELETE FROM codes WHERE client_id = ?", clientId);
    return rows.map((row) => ({ accessId: row.access_id, refreshHash: row.refresh_hash }));
  }

  private redeem(table: "codes" | "refresh", hash: string, clientId: string, now: number): Redemption {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<GrantRow>(`SELECT client_id, body, expires_at FROM ${table} WHERE hash = ?`, hash).toArray()[0];
    if (!row) return { outcome: "unknown" };
    if (row.expires_at < now) {
      sql.exec(`DELETE FROM ${table} WHERE hash = ?`, hash);
      return { outcome: "expired" };
    }
    if (row.client_id !== clientId) return { outcome: "other-client" };
    sql.exec(`DELETE FROM ${table} WHERE hash = ?`, hash);
    return { outcome: "granted", body: row.body };
  }
}
