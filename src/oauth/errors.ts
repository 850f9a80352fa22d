/*
 * OAuth 2.0 error answers as Tyk's OAuth server (the osin library) gives them:
 * `{"error": <id>, "error_description": <text>}`, with RFC 6749's ids and
 * osin's default descriptions, verbatim.
 */

export const oauthErrorIds = [
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
  "unsupported_grant_type",
  "invalid_grant",
  "invalid_client",
] as const;

export type OAuthErrorId = (typeof oauthErrorIds)[number];

const descriptions: Record<OAuthErrorId, string> = {
  invalid_request:
    "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
  unauthorized_client: "The client is not authorized to request a token using this method.",
  access_denied: "The resource owner or authorization server denied the request.",
  unsupported_response_type: "The authorization server does not support obtaining a token using this method.",
  invalid_scope: "The requested scope is invalid, unknown, or malformed.",
  server_error: "The authorization server encountered an unexpected condition that prevented it from fulfilling the request.",
  temporarily_unavailable: "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.",
  unsupported_grant_type: "The authorization grant type is not supported by the authorization server.",
  invalid_grant:
    "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  invalid_client: "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).",
};

/** A refused OAuth request. `redirectTo` is set once the client's redirect URI is known (authorize requests). */
export class OAuthError extends Error {
  override name = "OAuthError";
  readonly description: string;

  constructor(
    readonly id: OAuthErrorId,
    /** Why, for the log; never sent to the client. */
    readonly reason: string,
    description?: string,
    readonly state = "",
    readonly redirectTo = "",
  ) {
    super(`${id}: ${reason}`);
    this.description = description ?? descriptions[id];
  }

  /** osin's output map: error, error_description and the request's state when it had one. */
  get output(): Record<string, string> {
    return { error: this.id, error_description: this.description, ...(this.state ? { state: this.state } : {}) };
  }
}
