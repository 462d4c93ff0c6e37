/**
 * Who may see and change which predictions: the one place that decides it.
 *
 * A visitor is an anonymous client id (a cookie, an `x-client-id` header or
 * graphql-ws `connectionParams.clientId`); it owns the predictions made with
 * it. An admin (the `ADMIN_TOKEN` bearer, see `auth/admin.ts`) owns everything. A caller
 * without a client id owns nothing. Services put `ownerCondition` in their
 * SQL and check single rows with `owns`, so adding a role only touches this file.
 */

/** The caller, as services need it; the GraphQL context satisfies it. */
export interface Viewer {
  readonly clientId: string | null;
  readonly isAdmin: boolean;
}

/** A viewer who owns nothing (no client id, no admin). */
export const NOBODY: Viewer = Object.freeze({ clientId: null, isAdmin: false });

/** Whether `viewer` may read, label or delete a prediction made by `ownerClientId`. */
export function owns(viewer: Viewer, ownerClientId: string | null): boolean {
  if (viewer.isAdmin) return true;
  return viewer.clientId !== null && ownerClientId === viewer.clientId;
}

/**
 * Whether a subscriber may be sent an event about a drawing of
 * `ownerClientId`: its owner, and whoever may run admin operations (the
 * token, or loopback when no ADMIN_TOKEN is set). A visitor's drawing is
 * nobody else's to watch.
 */
export function mayWatch(viewer: Viewer & { admin: { granted: boolean } }, ownerClientId: string | null): boolean {
  return viewer.admin.granted || owns(viewer, ownerClientId);
}

/**
 * A SQL condition keeping the rows `viewer` owns, on `column` (e.g.
 * `p.client_id`); any value it needs is appended to `params` and referenced
 * as `$n`.
 */
export function ownerCondition(viewer: Viewer, column: string, params: unknown[]): string {
  if (viewer.isAdmin) return 'TRUE';
  if (viewer.clientId === null) return 'FALSE';
  params.push(viewer.clientId);
  return `${column} = $${params.length}`;
}
