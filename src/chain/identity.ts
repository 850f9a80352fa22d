import type { Session } from "../session/schema";

/** What an auth method establishes: the session and the id its limits and analytics are keyed by. */
export interface Identity {
  session: Session;
  /** Storage id of the session (the hashed key when hashing is on). */
  sessionId: string;
}
