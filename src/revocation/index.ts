import { isolateLogger } from "../lib/logger";
import { DurableChannel } from "./channel";
import type { Revocations } from "./durable-object";
import { RevocationFeed, type FeedSettings, type FeedTargets } from "./feed";

export type { RevocationFeed } from "./feed";

/**
 * The isolate's feed from the REVOCATIONS object, or undefined when the
 * channel is off (PORTCULLIS_REVOCATION_SECONDS=0) or not bound: changes then
 * reach other isolates within the session cache TTL and the config check
 * interval, as the README's bound table says.
 */
export function createRevocationFeed(
  namespace: DurableObjectNamespace<Revocations> | undefined,
  settings: FeedSettings,
  targets: FeedTargets,
): RevocationFeed | undefined {
  if (settings.boundMs <= 0) return undefined;
  if (!namespace) {
    isolateLogger.warn(
      "the REVOCATIONS Durable Object binding is missing: key and config changes reach other isolates within the session cache TTL and config check interval, not within PORTCULLIS_REVOCATION_SECONDS",
    );
    return undefined;
  }
  return new RevocationFeed(new DurableChannel(namespace), targets, settings);
}
