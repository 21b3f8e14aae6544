/**
 * Server-only reads of the catalog for the route loaders. The `.server` suffix keeps these Node
 * imports (`node:fs`) out of the browser bundle: React Router refuses them in client code.
 */

import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type EnvSource, usesModules } from '@palestra/envs/core';

/** A catalog environment's spec and module files, or `undefined` for a name the catalog lacks. */
export function catalogSource(name: string): (EnvSource & { modules: boolean }) | undefined {
  if (!catalogNames().includes(name)) return undefined;
  const { spec, files } = loadCatalog(name);
  return { spec, files, modules: usesModules(spec) };
}
