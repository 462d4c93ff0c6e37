/**
 * The admin rule over plain HTTP: `res.locals.admin` and `res.locals.ip`
 * for every request (the GraphQL context and the export routes read them),
 * and a guard answering 401/403 in GraphQL's error shape.
 */
import type { RequestHandler, Response } from 'express';
import { httpErrorBody } from '../errors.js';
import { adminDenied, type AdminAccess, type AdminAuth } from './admin.js';
import { callerAddress, type TrustFunction } from './caller.js';

/** Sets `res.locals.admin` (AdminAccess) and `res.locals.ip` (the caller's address). */
export function adminAccess(auth: AdminAuth, trust: TrustFunction): RequestHandler {
  return (req, res, next) => {
    res.locals.admin = auth.checkRequest(req);
    res.locals.ip = callerAddress(req, trust);
    next();
  };
}

/** The access `adminAccess` put on `res`; a route mounted without it grants nothing. */
export function adminAccessOf(res: Response): AdminAccess {
  return (res.locals.admin as AdminAccess | undefined) ?? { granted: false, code: 'FORBIDDEN', reason: 'remote' };
}

/** Lets admins through; answers everyone else 401 UNAUTHENTICATED or 403 FORBIDDEN with what to send. */
export function requireAdmin(operation: string): RequestHandler {
  return (_req, res, next) => {
    const access = adminAccessOf(res);
    if (access.granted) return next();
    const error = adminDenied(access, operation);
    res
      .status(access.code === 'UNAUTHENTICATED' ? 401 : 403)
      .json(httpErrorBody(access.code, error.message));
  };
}
