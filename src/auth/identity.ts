import type { Context } from "hono";
import type { Session } from "../session/schema";
import type { GatewayEnv } from "../types";

/** What an auth method establishes: the session and the id its limits and analytics are keyed by. */
export interface Identity {
  session: Session;
  /** Storage id of the session (the hashed key when hashing is on). */
  sessionId: string;
}

/** One auth method: resolves the caller's identity or throws a TykError with Tyk's status and message. */
export type Authenticator = (c: Context<GatewayEnv>) => Promise<Identity>;
