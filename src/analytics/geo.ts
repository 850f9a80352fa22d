import { emptyGeo, type Geo } from "../contract/analytics-record";

function coordinate(value: unknown): number {
  const number = typeof value === "number" ? value : Number(value);
  return Number.isFinite(number) ? number : 0;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * Tyk fills `geo` from a MaxMind database when `enable_geo_ip` is on; a Worker
 * gets the same facts from Cloudflare's `request.cf`, without a database.
 * Cloudflare has no GeoNames id, so `geoname_id` stays 0.
 */
export function geoOf(cf: Request["cf"]): Geo {
  const geo = emptyGeo();
  if (!cf) return geo;
  geo.country.iso_code = text(cf.country);
  const city = text(cf.city);
  if (city) geo.city.names = { en: city };
  geo.location = { latitude: coordinate(cf.latitude), longitude: coordinate(cf.longitude), time_zone: text(cf.timezone) };
  return geo;
}
