import { defineFeature } from "../chain/feature";
import { keyFailureMeta } from "../events/meta";
import { messages, TykError } from "../lib/tyk-error";

/** Tyk's KeyExpired check: inactive keys are 403, keys past `expires` (unix seconds, when ≥ 1) are 401. */
export const keyExpiry = defineFeature({
  name: "KeyExpired",
  honours: [],
  compile: (_fields, api) => (api.keyless ? undefined : true),
  step: () => async (ctx, next) => {
    const session = ctx.session;
    if (session) {
      if (session.is_inactive) {
        ctx.events?.raise(ctx, "KeyExpired", keyFailureMeta(ctx, "Attempted access from inactive key."));
        throw new TykError(403, messages.keyInactive);
      }
      if (session.expires >= 1 && session.expires * 1000 < Date.now()) {
        ctx.events?.raise(ctx, "KeyExpired", keyFailureMeta(ctx, "Attempted access from expired key."));
        throw new TykError(401, messages.keyExpired);
      }
    }
    return next();
  },
});
