import { createHash } from "node:crypto";
import { validApi, validSession } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A valid seed directory and the store documents it must produce. */
export const goodFiles = {
  "apps/orders.json": validApi(),
  "apps/users.json": validApi({ api_id: "users", proxy: { listen_path: "/users/", target_url: "http://127.0.0.1:9" } }),
  "policies/policies.json": { gold: { name: "Gold", rate: 100, per: 1 } },
  "keys/k1.json": { ...validSession({ alias: "one" }), key: "first-key" },
  "keys/second-key.json": validSession({ alias: "two" }),
};

export const expectedDocuments = {
  "tyk-api:orders": validApi(),
  "tyk-api:users": goodFiles["apps/users.json"],
  "tyk-policy:gold": { id: "gold", name: "Gold", rate: 100, per: 1 },
  [`apikey-${sha256("first-key")}`]: validSession({ alias: "one" }),
  [`apikey-${sha256("second-key")}`]: validSession({ alias: "two" }),
};
