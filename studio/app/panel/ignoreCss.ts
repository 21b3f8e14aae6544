import { register } from 'node:module';

/**
 * For tests that import components under Node: makes `import './x.css'` load as an empty module,
 * as Vite's server build treats it (Node itself refuses the extension). A loader hook registered
 * after tsx's, so it runs first; import the components dynamically after calling this.
 *
 * @example
 * ignoreCss();
 * const { SidePanel } = await import('./SidePanel.tsx');
 */
export function ignoreCss(): void {
  const hook = `export async function load(url, context, next) {
    if (new URL(url).pathname.endsWith('.css')) return { format: 'module', source: '', shortCircuit: true };
    return next(url, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
