import * as z from "zod";

/*
 * Reads API definitions, policies and keys from a running Tyk Gateway's REST
 * API and holds them as the files a seed directory would have (apps/*.json,
 * policies/policies.json, keys/*.json), so they go through exactly the checks
 * files do. Every request is bounded: a timeout, a response size, a key count.
 */

export interface TykSourceOptions {
  /** The Gateway's base URL, e.g. http://tyk:8080 (a path prefix is kept). */
  url: string;
  /** Tyk's `secret`, sent as X-Tyk-Authorization. */
  secret: string;
  /** Whether the Tyk lists keys by their hash (its `hash_keys`, on by default in Tyk). */
  hashedKeys: boolean;
  timeoutMs: number;
  /** Keys beyond this many are refused rather than fetched one by one for ever. */
  maxKeys: number;
  maxResponseBytes: number;
}

export const tykSourceDefaults = { hashedKeys: true, timeoutMs: 10_000, maxKeys: 10_000, maxResponseBytes: 64 * 1024 * 1024 } as const;

export interface TykExport {
  /** Path (`apps/<api_id>.json`, …) to JSON text. */
  files: Map<string, string>;
  /** What was left behind and why, one line each. */
  notes: string[];
}

/** A failed request, naming its URL. */
export class TykSourceError extends Error {}

const apiListSchema = z.array(z.looseObject({ api_id: z.string().optional(), is_oas: z.boolean().optional() }));
const policyListSchema = z.array(z.unknown());
const keyListSchema = z.looseObject({ keys: z.array(z.string()).nullable() });
const jsonObjectSchema = z.record(z.string(), z.unknown());
const tykErrorSchema = z.looseObject({ message: z.string() });
/** Fetching keys one by one is the slow part; a few at a time keeps the source Tyk responsive. */
const keyConcurrency = 8;

interface Reply {
  status: number;
  text: string;
}

function endpoint(base: string, path: string): URL {
  const url = new URL(base);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TykSourceError(`${base}: --from-tyk needs an http or https URL`);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${path}`;
  return url;
}

/** The body as text, refusing more than `limit` bytes without reading the rest. */
async function boundedText(response: Response, limit: number, url: URL): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) throw new TykSourceError(`GET ${url}: the response is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function get(options: TykSourceOptions, path: string, query = ""): Promise<Reply & { url: URL }> {
  const url = endpoint(options.url, path);
  url.search = query;
  try {
    const response = await fetch(url, {
      headers: { "X-Tyk-Authorization": options.secret, Accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: "error",
    });
    return { url, status: response.status, text: await boundedText(response, options.maxResponseBytes, url) };
  } catch (error) {
    if (error instanceof TykSourceError) throw error;
    const reason = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : describe(error);
    throw new TykSourceError(`GET ${url}: ${reason}`);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function tykMessage(text: string): string {
  try {
    return tykErrorSchema.parse(JSON.parse(text)).message;
  } catch {
    return text.slice(0, 200);
  }
}

/** The parsed body of a 200 reply, or an error naming the URL and what Tyk said. */
function parseReply<T>(reply: Reply & { url: URL }, schema: z.ZodType<T>): T {
  if (reply.status === 403) throw new TykSourceError(`GET ${reply.url}: 403 ${tykMessage(reply.text)} (check the secret)`);
  if (reply.status !== 200) throw new TykSourceError(`GET ${reply.url}: ${reply.status} ${tykMessage(reply.text)}`);
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new TykSourceError(`GET ${reply.url}: the response is not JSON`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new TykSourceError(`GET ${reply.url}: not the shape Tyk answers with: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** A file name for an id, unique within `taken`. */
function fileFor(sub: string, id: string, taken: Map<string, string>): string {
  const base = `${sub}/${encodeURIComponent(id)}`;
  let file = `${base}.json`;
  for (let n = 2; taken.has(file); n++) file = `${base}~${n}.json`;
  return file;
}

async function readApis(options: TykSourceOptions, files: Map<string, string>, notes: string[]): Promise<void> {
  const reply = await get(options, "tyk/apis");
  const apis = parseReply(reply, apiListSchema);
  // The definitions as Tyk wrote them, field order included; the schema only looked at two fields.
  const raw = JSON.parse(reply.text) as unknown[];
  apis.forEach((api, index) => {
    const id = api.api_id ?? `#${index}`;
    // Tyk 5 lists OAS APIs here too, as classic definitions without the OAS document they are configured by.
    if (api.is_oas === true) notes.push(`API ${JSON.stringify(id)} is a Tyk OAS API; skipped (export it with GET /tyk/apis/oas/${id})`);
    else files.set(fileFor("apps", id, files), JSON.stringify(raw[index]));
  });
}

async function readPolicies(options: TykSourceOptions, files: Map<string, string>): Promise<void> {
  const reply = await get(options, "tyk/policies");
  const policies = parseReply(reply, policyListSchema);
  if (policies.length > 0) files.set("policies/policies.json", reply.text);
}

/** Key ids as Tyk lists them (hashes when it hashes keys), or null when it does not list them. */
async function listKeys(options: TykSourceOptions, notes: string[]): Promise<string[] | null> {
  const reply = await get(options, "tyk/keys");
  // A hashing Tyk answers 404 unless enable_hashed_keys_listing is on.
  if (reply.status === 404 || reply.status === 400) {
    notes.push(`keys were not copied: GET ${reply.url} answered ${reply.status} ${tykMessage(reply.text)}`);
    return null;
  }
  const ids = parseReply(reply, keyListSchema).keys ?? [];
  if (ids.length > options.maxKeys) {
    throw new TykSourceError(`GET ${reply.url}: ${ids.length} keys, over the limit of ${options.maxKeys} (raise it with --tyk-max-keys)`);
  }
  return ids;
}

/** One session as JSON text; a key that vanished since the listing is an error, not a gap. */
async function readKey(options: TykSourceOptions, id: string): Promise<Record<string, unknown>> {
  const query = options.hashedKeys ? "hashed=true" : "";
  return parseReply(await get(options, `tyk/keys/${encodeURIComponent(id)}`, query), jsonObjectSchema);
}

async function readKeys(options: TykSourceOptions, files: Map<string, string>, notes: string[]): Promise<void> {
  const ids = await listKeys(options, notes);
  if (!ids) return;
  const sessions: Record<string, unknown>[] = new Array(ids.length);
  for (let start = 0; start < ids.length; start += keyConcurrency) {
    await Promise.all(ids.slice(start, start + keyConcurrency).map(async (id, offset) => (sessions[start + offset] = await readKey(options, id))));
  }
  ids.forEach((id, index) => {
    const session = sessions[index]!;
    const named = options.hashedKeys ? { key_hash: id } : { key: id };
    // A file named by the hash points the operator at the key in messages; a raw key never names a file.
    const name = options.hashedKeys ? id : String(index + 1).padStart(6, "0");
    files.set(fileFor("keys", name, files), JSON.stringify({ ...session, ...named }));
  });
}

/** Everything the Tyk at `options.url` gives out, as seed files. */
export async function readFromTyk(options: TykSourceOptions): Promise<TykExport> {
  const files = new Map<string, string>();
  const notes: string[] = [];
  await readApis(options, files, notes);
  await readPolicies(options, files);
  await readKeys(options, files, notes);
  return { files, notes };
}
