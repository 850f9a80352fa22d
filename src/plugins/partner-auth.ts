import * as z from "zod";
import { definePlugin, respond } from "./api";

/*
 * Example custom auth (auth_check) plugin: callers present `X-Partner-Token`;
 * the API's `config_data.partners` maps each token to a partner id and the
 * policy that sets its access, rate limit and quota:
 *
 *   "config_data": { "partners": { "<token>": { "id": "acme", "policy": "partner-gold" } } }
 *
 * The session is keyed by partner, so all of a partner's tokens share one
 * quota. Unknown or missing tokens get Tyk's 403 for a refused key.
 */

const partnersSchema = z.record(z.string(), z.object({ id: z.string().min(1), policy: z.string().min(1) }));

const refused = () => respond(403, JSON.stringify({ error: "Access to this API has been disallowed" }), { "content-type": "application/json" });

export const partnerAuth = definePlugin({
  auth_check: (ctx) => {
    const token = ctx.request.headers.get("x-partner-token");
    const partners = partnersSchema.safeParse(ctx.configData["partners"] ?? {});
    if (!partners.success) {
      ctx.log.error("partnerAuth: config_data.partners is invalid", { issues: partners.error.issues });
      return refused();
    }
    const partner = token !== null && Object.hasOwn(partners.data, token) ? partners.data[token] : undefined;
    if (!partner) return refused();
    return { key: `partner-${partner.id}`, session: { alias: partner.id, apply_policies: [partner.policy], meta_data: { partner: partner.id } } };
  },
});
