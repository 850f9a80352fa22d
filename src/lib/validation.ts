import type * as z from "zod";

/**
 * "proxy.target_url: Invalid URL; name: Required", one entry per issue, paths
 * joined with dots. Repeated entries (two schemas reading one field) appear once.
 */
export function formatIssues(issues: z.ZodError | readonly z.core.$ZodIssue[]): string {
  return issueLines(issues).join("; ");
}

/** One "path: message" line per distinct issue. */
export function issueLines(issues: z.ZodError | readonly z.core.$ZodIssue[]): string[] {
  const list = "issues" in issues ? issues.issues : issues;
  const lines = list.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return [...new Set(lines)];
}
