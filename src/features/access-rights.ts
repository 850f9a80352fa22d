import { defineFeature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";
import { accessTo } from "../session/access";

/**
 * Tyk's AccessRights check: the key must list this API and, for a versioned
 * API, this version. A key with no access rights at all is a master key.
 */
export const accessRights = defineFeature({
  name: "AccessRights",
  honours: [],
  compile: (_fields, api) => (api.keyless ? undefined : { versioned: api.versioning.enabled }),
  step: (options, api) => async (ctx, next) => {
    const session = ctx.session;
    if (session && Object.keys(session.access_rights).length > 0) {
      const access = accessTo(session, api.id);
      if (!access) throw new TykError(403, messages.keyNotFound);
      if (options.versioned && !access.versions.includes(ctx.version.name)) throw new TykError(403, messages.keyNotFound);
    }
    return next();
  },
});
