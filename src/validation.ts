import type { z } from "zod";

/** "proxy.target_url: Invalid URL; name: Required", one entry per issue, paths joined with dots. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
