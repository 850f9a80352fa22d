/*
 * What isolates and the Revocations object say to each other (see feed.ts for
 * the isolate's side, durable-object.ts for the object's).
 */

/**
 * How long a change may stay invisible to a Workers KV read somewhere else:
 * KV caches a value where it was read for up to 60 s (30 s is the smallest
 * `cacheTtl` it accepts), plus a margin. For this long after a key changes,
 * an isolate on KV takes the key's session from the object, not from KV.
 */
export const propagationWindowMs = 70_000;

/** Key ids in one answer; an isolate further behind asks again at once. */
export const pageSize = 1000;

/** Changes the object keeps; an isolate behind the oldest one forgets everything instead. */
export const maxLoggedChanges = 10_000;

/** Stored documents that go live on a reload. */
export type DocumentCollection = "apis" | "policies";

/** A change the Gateway API announces once it is stored. */
export type Announcement =
  | {
      kind: "key";
      /** The key's storage id (its hash when keys are hashed). */
      id: string;
      /** On Workers KV only: the session as stored (JSON, or null when deleted), and when its session lifetime ends (ms, 0 for never). */
      document?: { body: string | null; expiresAt: number };
    }
  | { kind: "config"; version: string }
  /** On Workers KV only: an API definition or policy as stored (null when deleted), for the reloads of the next window. */
  | { kind: "document"; collection: DocumentCollection; id: string; body: string | null };

/** What changed since the position an isolate sent. */
export interface Changes {
  /** Names the object's history; a different one than the isolate knew means its position means nothing. */
  epoch: string;
  /** The isolate's new position. */
  seq: number;
  /**
   * Storage ids of changed keys. With `flush`, the keys changed within the
   * propagation window whose sessions the object holds.
   */
  keys: string[];
  /** A config reload is among the changes. */
  config: boolean;
  /** The config version of the latest reload announced ("" for none), and when (the object's clock, ms). */
  configVersion: string;
  configAt: number;
  /** The log no longer reaches the isolate's position (or it had none): forget every cached session. */
  flush: boolean;
  /** False when more changes follow than one answer holds: ask again (with `flush`: `keys` is partial). */
  complete: boolean;
}

/** API definitions and policies written within the propagation window (`body` null: deleted). */
export type HeldDocuments = Record<DocumentCollection, { id: string; body: string | null }[]>;

/** The session the object holds for a key changed within the propagation window (`body` null: deleted, or past its lifetime); `known` false when it holds none. */
export interface HeldSession {
  known: boolean;
  body: string | null;
}
