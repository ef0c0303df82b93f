import { userInfo } from "node:os";

/**
 * A PostgreSQL URL with a user name. node-postgres falls back to $USER when the URL names none, and
 * some shells (CI, cron, containers) leave USER unset, which fails with "no PostgreSQL user name
 * specified"; psql uses the OS account instead, so do the same.
 *
 * @example
 * withDefaultUser("postgresql://127.0.0.1:5432/test"); // "postgresql://root@127.0.0.1:5432/test" as root
 */
export function withDefaultUser(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.username) return databaseUrl;
  url.username = process.env.PGUSER || process.env.USER || userInfo().username;
  return url.toString();
}
