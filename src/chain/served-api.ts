import type { CoreApi } from "../apidef/compile";
import type { FieldWarning } from "../apidef/manifest";
import type { Handler } from "./step";

/** An API as one config snapshot serves it: its core, its chain, and what its definition asks for that nothing honours. */
export interface ServedApi extends CoreApi {
  /** The API's chain: the steps of the features it uses, in Tyk's order. */
  handle: Handler;
  /** Names of the features in the chain, for logs and tests. */
  chain: string[];
  warnings: FieldWarning[];
  /** Security-relevant fields that are not honoured; when any, the chain only refuses. */
  notServed: string[];
}
