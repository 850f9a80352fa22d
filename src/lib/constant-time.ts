import { utf8 } from "./encoding";

/**
 * Compares two secrets without revealing where they differ or how long the
 * expected one is: both are digested first, then compared in constant time.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([a, b].map((text) => crypto.subtle.digest("SHA-256", utf8(text))));
  return crypto.subtle.timingSafeEqual(left!, right!);
}
