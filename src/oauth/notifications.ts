/*
 * Tyk's OAuth notifications: a JSON POST to the API's `oauth_on_keychange_url`
 * with `X-Tyk-Shared-Secret`, so the resource owner's app can tie identities
 * to tokens. Tyk retries a failed POST three times, 10 s apart; a Worker
 * cannot wait that long after its answer, so this tries twice, at once.
 */

const attempts = 2;
const timeoutMs = 5_000;

export async function sendKeyChange(url: string, sharedSecret: string, body: Record<string, string>): Promise<void> {
  let lastProblem = "";
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Tyk-Gatewy-Notifications", "x-tyk-shared-secret": sharedSecret },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (response.status === 200) return;
      lastProblem = `status ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
  }
  throw new Error(`the key change notification was not accepted: ${lastProblem}`);
}
