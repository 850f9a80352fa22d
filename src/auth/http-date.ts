const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const datePattern = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|[+-]\d{2}(?:\d{2})?)$/;

/**
 * The `Date` forms Tyk's HMAC check accepts: RFC 1123 with a GMT/UTC zone, or
 * with a numeric `±hh` / `±hhmm` offset. Milliseconds since the epoch, or null.
 */
export function parseHttpDate(value: string): number | null {
  const match = datePattern.exec(value.trim());
  if (!match) return null;
  const [, day, monthName, year, hour, minute, second, zone] = match as unknown as [string, string, string, string, string, string, string, string];
  const month = months.indexOf(monthName);
  if (month < 0) return null;
  let offsetMinutes = 0;
  if (zone !== "GMT" && zone !== "UTC") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || "0"));
  }
  return Date.UTC(Number(year), month, Number(day), Number(hour), Number(minute), Number(second)) - offsetMinutes * 60_000;
}
