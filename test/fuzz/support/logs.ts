import { vi } from "vitest";

/*
 * The gateway logs every error nothing handled ("unhandled error", with the
 * error and its stack) through console.error; tests and the Worker share one
 * isolate, so the lines a request causes can be read back. They name the
 * cause of a crash and where in src/ it was thrown. While a probe runs,
 * error and warning lines are kept out of the test output: a fuzz run would
 * otherwise print thousands of expected ones (invalid definitions skipped…).
 */

export interface LoggedError {
  message: string;
  error: string;
  /** The innermost frame in src/, as `src/…:line`. */
  at: string;
}

function parsed(line: unknown): LoggedError | null {
  if (typeof line !== "string") return null;
  try {
    const fields = JSON.parse(line) as Record<string, unknown>;
    const stack = typeof fields["stack"] === "string" ? fields["stack"] : "";
    const frame = /\/(src\/[^\s):]+:\d+)/.exec(stack)?.[1] ?? "";
    return { message: String(fields["message"] ?? ""), error: String(fields["error"] ?? ""), at: frame };
  } catch {
    return null;
  }
}

/** Runs `work` and returns what it resolved to with the error lines the gateway logged meanwhile. */
export async function withLoggedErrors<T>(work: () => Promise<T>): Promise<{ value: T; logged: LoggedError[] }> {
  const lines: unknown[] = [];
  const errors = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
    lines.push(line);
  });
  const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const value = await work();
    return { value, logged: lines.map(parsed).filter((entry) => entry !== null) };
  } finally {
    errors.mockRestore();
    warnings.mockRestore();
  }
}

/** The unhandled error's cause, for a crash's signature: "TypeError: … at src/…:12". */
export function causeOf(logged: readonly LoggedError[]): string {
  const unhandled = logged.find((entry) => entry.message.includes("unhandled") || entry.message.includes("failed"));
  if (!unhandled) return "";
  return `${unhandled.error}${unhandled.at ? ` at ${unhandled.at}` : ""}`;
}
