/** Shared by vitest configs (Node) and tests (workerd); keep it free of imports. */
export const testSecret = "test-admin-secret";
