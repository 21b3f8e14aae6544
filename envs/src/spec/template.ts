import Mustache from 'mustache';

/**
 * Logic-less observation templates (Mustache): sections, inverted sections and variables, never
 * code. Templates are parsed once; rendering does no HTML escaping (agents read plain text).
 */
export type CompiledTemplate = (view: Record<string, unknown>) => string;

const config = { escape: (s: unknown) => String(s) };

/** Parses a template (throws on unclosed tags) and returns a renderer. */
export function compileTemplate(template: string): CompiledTemplate {
  Mustache.parse(template); // fills Mustache's cache and surfaces syntax errors now
  return (view) => Mustache.render(template, view, undefined, config);
}
