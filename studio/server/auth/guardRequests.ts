/**
 * Workspaces on every page of one environment or one run, in one place: an express middleware in
 * front of React Router that answers 404 (the words of an unknown id) to anyone who is not a
 * member of the workspace of the environment (`/env/<id>/…`) or run (`/runs/<id>/…`) a URL
 * names, for pages, their `.data` requests, actions and resource routes alike. Guarding the URL
 * rather than each loader means a route added later under these paths is guarded too.
 *
 * 404, not 403: like GitHub's private repositories, a stranger cannot tell a workspace's
 * environment from one that does not exist. Catalog environments (`/env/<catalog name>`) and
 * runs of no studio environment are everyone's and pass.
 */
import type { Request, Response } from 'express';
import type { StudioContext } from '../context.ts';
import { requestAccess } from './access.ts';
import type { Membership } from './members.ts';
import { readCookie, SESSION_COOKIE } from './sessionCookie.ts';

/** The environment id or run id a path names, if any (React Router's `.data` suffix removed). */
export function guardedTarget(path: string): { kind: 'env' | 'run'; id: string } | undefined {
  const match = /^\/(env|runs)\/([^/]+)/.exec(path);
  if (!match) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[2] ?? '').replace(/\.data$/, '');
  } catch {
    return undefined;
  }
  return id === '' ? undefined : { kind: match[1] === 'env' ? 'env' : 'run', id };
}

/**
 * @example
 * app.use(ownerCookie(membership));   // first: a loopback visit is the owner's
 * app.use(guardRequests(context, membership));
 */
export function guardRequests(studio: StudioContext, membership: Membership) {
  return async (req: Request, res: Response, next: (error?: unknown) => void) => {
    const target = guardedTarget(req.path);
    if (!target) return next();
    try {
      if (target.kind === 'env') {
        if (!(await studio.repo.getEnvironment(target.id))) return next();
        const member = await membership.sessionMember(readCookie(req.headers.cookie, SESSION_COOKIE));
        if (member && (await membership.environmentRole(member.id, target.id))) return next();
        res.status(404).type('text').send(`No environment named "${target.id}"`);
        return;
      }
      const headers = new Headers(req.headers.cookie ? { cookie: req.headers.cookie } : {});
      const run = await studio.repo.getRun(target.id);
      if (!run) return next();
      const access = await requestAccess(studio, { membership }, { headers });
      if (access.seesRun(run)) return next();
      res.status(404).type('text').send(`No run has the id "${target.id}"`);
    } catch (e) {
      next(e);
    }
  };
}
