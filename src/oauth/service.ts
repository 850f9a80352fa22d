import type { WaitUntil } from "../lib/wait-until";
import type { HashAlgorithm } from "../session/keys";
import type { KeyStore } from "../session/key-store";
import type { Policy } from "../session/schema";
import type { Store } from "../store";
import { OAuthClients } from "./clients";
import type { OAuthGrants } from "./grants-object";
import type { OAuthSettings } from "./settings";

/*
 * What Tyk's OAuth server needs at hand: the clients in the store, the
 * OAuthGrants object of each API (codes, refresh tokens, the client token
 * index), and the KeyStore, through which access tokens become sessions.
 */

/** An API's OAuth server settings (`oauth_meta`, `notifications`), compiled once per snapshot. */
export interface OAuthApi {
  id: string;
  orgId: string;
  accessTypes: ReadonlySet<string>;
  authorizeTypes: ReadonlySet<string>;
  loginRedirect: string;
  notifications: { sharedSecret: string; keyChangeUrl: string };
}

/** One OAuth request's surroundings. */
export interface GrantScope {
  api: OAuthApi;
  policies: ReadonlyMap<string, Policy>;
  waitUntil: WaitUntil;
}

export class OAuthUnavailableError extends Error {
  override name = "OAuthUnavailableError";
}

export class OAuthService {
  readonly clients: OAuthClients;

  constructor(
    store: Store,
    readonly keys: KeyStore,
    readonly settings: OAuthSettings,
    readonly hashKeyFunction: HashAlgorithm,
    private readonly namespace: DurableObjectNamespace<OAuthGrants> | undefined,
  ) {
    this.clients = new OAuthClients(store);
  }

  /** The API's OAuthGrants object; without the OAUTH_GRANTS binding codes could be redeemed twice, so nothing is granted. */
  grants(apiId: string): DurableObjectStub<OAuthGrants> {
    if (!this.namespace) throw new OAuthUnavailableError("the OAUTH_GRANTS Durable Object binding is missing: OAuth grants are refused");
    return this.namespace.get(this.namespace.idFromName(apiId));
  }
}
