import type { QuotaSpec, RateSpec } from "./counters";

/*
 * Tyk's limit fields turned into counter specs. `rate` may be fractional in
 * Tyk; a sliding log counts whole admissions, so a rate of at least 1 is
 * rounded down (10.5 per 1 s allows 10) and a rate below 1 becomes one
 * admission per `per / rate` seconds (0.5 per 1 s is 1 per 2 s).
 */

/** `rate <= 0` or `per <= 0` means no rate limit, as in Tyk. */
export function rateSpec(id: string, rate: number, per: number): RateSpec | null {
  if (!(rate > 0) || !(per > 0) || !Number.isFinite(rate) || !Number.isFinite(per)) return null;
  const whole = rate >= 1;
  return {
    id,
    kind: "rate",
    limit: whole ? Math.floor(rate) : 1,
    windowMs: Math.max(1, Math.round((whole ? per : per / rate) * 1000)),
  };
}

/** `quota_max <= 0` means no quota; `quota_renewal_rate <= 0` means it never renews. */
export function quotaSpec(id: string, max: number, renewalSeconds: number): QuotaSpec | null {
  if (!(max >= 1) || !Number.isFinite(max)) return null;
  const renews = renewalSeconds > 0 && Number.isFinite(renewalSeconds);
  return { id, kind: "quota", max: Math.floor(max), renewalMs: renews ? Math.round(renewalSeconds * 1000) : 0 };
}
