import fc from "fast-check";
import { anyJson, endpointPath } from "./definitions";
import { hostileId, hostileText, inheritedNames } from "./strings";

/*
 * Keys (sessions) and policies as the Gateway API receives them: Tyk's
 * fields with plausible values, hostile ids and org ids, numbers at the edges,
 * and now and then a field of the wrong type.
 */

type Json = unknown;

/** Careless values are rare per field: a session has a dozen fields, and one bad field refuses the whole key. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, careless: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 39 }, { arbitrary: careless, weight: 1 });

const edgeNumber = fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 4_294_967_296);
const count = mostly(fc.integer({ min: 0, max: 1000 }), fc.oneof(edgeNumber, anyJson));
const unixTime = mostly(fc.constantFrom(0, -1, 1, 4_102_444_800, Math.floor(Date.UTC(2020, 0, 1) / 1000)), fc.oneof(edgeNumber, anyJson));
const methods = fc.array(mostly(fc.constantFrom("GET", "POST", "PUT", "DELETE"), hostileText), { maxLength: 2 });

const limit = fc.record(
  { rate: count, per: count, quota_max: count, quota_renewal_rate: count, quota_remaining: count, throttle_interval: count, throttle_retry_limit: count },
  { requiredKeys: [] },
);

export function accessRightsOver(apiIds: fc.Arbitrary<string>): fc.Arbitrary<Record<string, Json>> {
  const entry = fc.record(
    {
      api_id: apiIds,
      api_name: hostileText,
      versions: fc.array(mostly(fc.constant("Default"), hostileText), { maxLength: 2 }),
      allowed_urls: fc.array(fc.record({ url: endpointPath, methods }), { maxLength: 2 }),
      limit: mostly(limit, anyJson),
      allowance_scope: hostileText,
    },
    { requiredKeys: ["api_id"] },
  );
  return fc.dictionary(apiIds, mostly(entry, anyJson), { maxKeys: 3 });
}

/** API ids a key may name: ordinary ones, and the names every object inherits. */
export const apiIdsForKeys = fc.oneof(fc.constantFrom("fz-open", "fz-other", ...inheritedNames), hostileId);

export const policyIds = fc.oneof(fc.constantFrom("fz-policy", "fz-gold", ...inheritedNames), hostileId);

const orgId = mostly(fc.constant("default"), hostileText);

/** Access rights as a careful operator writes them: the API, its Default version, sometimes a path list. */
export function plainAccessRights(apiIds: fc.Arbitrary<string>): fc.Arbitrary<Record<string, Json>> {
  const entry = (apiId: string) =>
    fc.record({
      api_id: fc.constant(apiId),
      api_name: fc.constant(apiId),
      versions: fc.constant(["Default"]),
      allowed_urls: fc.oneof(
        { arbitrary: fc.constant([]), weight: 4 },
        { arbitrary: fc.array(fc.record({ url: endpointPath, methods }), { maxLength: 1 }), weight: 1 },
      ),
    });
  return fc
    .uniqueArray(apiIds, { maxLength: 3 })
    .chain((ids) => fc.tuple(...ids.map(entry)).map((entries) => Object.fromEntries(ids.map((id, index) => [id, entries[index]]))));
}

/** A session body for `POST /tyk/keys`. */
export function sessionsOver(apiIds: fc.Arbitrary<string>, policies: fc.Arbitrary<string>): fc.Arbitrary<Record<string, Json>> {
  return fc
    .tuple(
      fc.record({ org_id: orgId, access_rights: accessRightsOver(apiIds) }),
      fc.record(
        {
          apply_policies: fc.array(policies, { maxLength: 2 }),
          apply_policy_id: policies,
          rate: count,
          per: count,
          quota_max: count,
          quota_renewal_rate: count,
          quota_remaining: count,
          expires: unixTime,
          is_inactive: mostly(fc.boolean(), anyJson),
          meta_data: mostly(fc.dictionary(hostileText, anyJson, { maxKeys: 3 }), anyJson),
          tags: fc.array(hostileText, { maxLength: 2 }),
          alias: hostileText,
          basic_auth_data: fc.record({ password: hostileText, hash_type: mostly(fc.constantFrom("", "bcrypt"), hostileText) }),
          jwt_data: fc.record({ secret: hostileText }),
          hmac_enabled: fc.boolean(),
          hmac_string: hostileText,
          session_lifetime: count,
          throttle_interval: count,
          throttle_retry_limit: count,
        },
        { requiredKeys: [] },
      ),
    )
    .map(([core, rest]) => ({ ...core, ...rest }));
}

/** A policy body for `POST /tyk/policies`; `id` is set by the caller or left hostile. */
export function policiesOver(apiIds: fc.Arbitrary<string>, ids: fc.Arbitrary<string>): fc.Arbitrary<Record<string, Json>> {
  return fc.record(
    {
      id: ids,
      name: hostileText,
      org_id: orgId,
      rate: count,
      per: count,
      quota_max: count,
      quota_renewal_rate: count,
      access_rights: accessRightsOver(apiIds),
      partitions: mostly(fc.record({ quota: fc.boolean(), rate_limit: fc.boolean(), acl: fc.boolean(), per_api: fc.boolean() }, { requiredKeys: [] }), anyJson),
      active: mostly(fc.boolean(), anyJson),
      is_inactive: fc.boolean(),
      tags: fc.array(hostileText, { maxLength: 2 }),
      key_expires_in: count,
      meta_data: fc.dictionary(hostileText, anyJson, { maxKeys: 2 }),
    },
    { requiredKeys: ["id", "access_rights"] },
  );
}
