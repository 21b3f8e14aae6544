import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { type GymSpec, parseSpec } from '@palestra/envs/core';
import { layoutGraph } from '../canvas/layoutGraph.ts';
import { statechartGraph } from '../canvas/statechartGraph.ts';
import { statechartSvg } from './svg.ts';

/** An element of the parsed document. */
interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The text directly inside, unescaped. */
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const NAME = '[A-Za-z_][\\w.:-]*';

function decode(s: string, where: string): string {
  const bare = s.replace(ENTITY, '');
  assert.ok(!bare.includes('&'), `a bare & in ${where}: ${s}`);
  assert.ok(!bare.includes('<'), `a bare < in ${where}: ${s}`);
  return s.replace(ENTITY, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]!,
  );
}

/**
 * A strict parser for the XML the exporter writes (elements, attributes in quotes, text; no
 * comments, CDATA or doctype): it throws on an unbalanced tag, an unquoted or duplicate attribute,
 * a bare `&` or `<`, or anything after the root element.
 */
function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"]*")*)\\s*(/?)>`);
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const end = lt === -1 ? source.length : lt;
    const top = stack[stack.length - 1]!;
    top.text += decode(source.slice(i, end), `the text of <${top.name}>`);
    if (lt === -1) break;
    const m = tag.exec(source.slice(lt));
    assert.ok(m, `a malformed tag at ${lt}: ${source.slice(lt, lt + 60)}`);
    const [whole, closing, name, attrText, selfClosing] = m;
    if (closing) {
      assert.equal(attrText, '', `attributes on </${name}>`);
      const open = stack.pop()!;
      assert.equal(open.name, name, `</${name}> closes <${open.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText!.matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"]*)"`, 'g'))) {
        assert.ok(!(a[1]! in attrs), `duplicate attribute ${a[1]} on <${name}>`);
        attrs[a[1]!] = decode(a[2]!, `the attribute ${a[1]} of <${name}>`);
      }
      const element: XmlElement = { name: name!, attrs, children: [], text: '' };
      if (top === root) assert.equal(root.children.length, 0, 'one root element');
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    }
    i = lt + whole.length;
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1]!.name}>`);
  assert.equal(root.text.trim(), '', 'text outside the root element');
  return root.children[0]!;
}

function all(element: XmlElement, test: (e: XmlElement) => boolean): XmlElement[] {
  return [...(test(element) ? [element] : []), ...element.children.flatMap((c) => all(c, test))];
}

function textOf(element: XmlElement): string {
  return element.text + element.children.map(textOf).join('');
}

/** Every state's dotted path, from the spec. */
function statePaths(node: GymSpec['machine'], prefix = ''): string[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...statePaths(child, path)];
  });
}

async function svgOf(spec: GymSpec) {
  const graph = statechartGraph(spec);
  const layout = await layoutGraph(graph);
  return { graph, layout, svg: parseXml(statechartSvg(layout, { title: spec.name })) };
}

describe('statechartSvg', () => {
  it('the strict parser refuses what is not well-formed', () => {
    assert.throws(() => parseXml('<svg><g></svg>'), /closes/);
    assert.throws(() => parseXml('<svg><text>a & b</text></svg>'), /bare &/);
    assert.throws(() => parseXml('<svg><g data-state="a<b"/></svg>'), /malformed|bare </);
    assert.throws(() => parseXml('<svg x=1/>'), /malformed/);
    assert.equal(textOf(parseXml('<svg><text>a &amp; &lt;b&gt;</text></svg>')), 'a & <b>');
  });

  it('refund-desk: one group per state, final states double-bordered, every edge with its label', async () => {
    const { spec } = loadCatalog('refund-desk');
    const { graph, svg } = await svgOf(spec);
    assert.equal(svg.name, 'svg');
    assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
    assert.equal(all(svg, (e) => e.name === 'foreignObject').length, 0, 'plain SVG, no HTML inside');
    const states = all(svg, (e) => e.name === 'g' && 'data-state' in e.attrs);
    assert.deepEqual(
      states.map((g) => g.attrs['data-state']),
      statePaths(spec.machine),
    );
    for (const g of states) {
      const rects = g.children.filter((c) => c.name === 'rect').length;
      assert.equal(
        rects,
        g.attrs['data-type'] === 'final' ? 2 : 1,
        `${g.attrs['data-state']}: ${rects} borders`,
      );
    }
    const edges = all(svg, (e) => e.name === 'g' && 'data-edge' in e.attrs);
    assert.equal(edges.length, graph.edges.length);
    for (const [i, e] of graph.edges.entries()) {
      assert.equal(edges[i]!.attrs['data-edge'], e.id);
      assert.equal(textOf(edges[i]!), e.label);
      const path = edges[i]!.children.find((c) => c.name === 'path')!;
      assert.equal(path.attrs['marker-end'], 'url(#arrow)');
      assert.match(path.attrs.d!, /^M [\d.-]+ [\d.-]+( [LC] [\d. -]+)+$/);
    }
    assert.ok(graph.edges.some((e) => e.label === 'LOOKUP [orderExists] / loadOrder'));
  });

  it('escapes names with < & " and still draws edges ELK does not route', async () => {
    const odd = 'x<&"y\'>';
    const spec = parseSpec({
      specVersion: 1,
      name: 'odd',
      version: '1.0.0',
      tasks: { list: [{ id: 't' }] },
      tools: [{ name: 'go', description: 'go', event: 'GO' }],
      observation: { template: 'x' },
      machine: {
        initial: odd,
        // A transition on the machine itself: drawn from a container around everything, unrouted.
        on: { 'RESET<&"': `.${odd}` },
        states: {
          [odd]: {
            description: 'a <b> & "c"',
            on: { 'GO<&"': { target: 'done', actions: 'note' }, GO: 'done' },
          },
          done: { type: 'final' },
        },
      },
      actions: { note: { assign: { n: '1' } } },
    });
    const { graph, layout, svg } = await svgOf(spec);
    assert.ok(
      layout.edges.some((e) => e.data?.route === undefined),
      'one edge is not routed by ELK',
    );
    const states = all(svg, (e) => e.name === 'g' && 'data-state' in e.attrs);
    assert.deepEqual(
      states.map((g) => g.attrs['data-state']),
      [odd, 'done'],
    );
    const child = (g: XmlElement, name: string) => textOf(g.children.find((c) => c.name === name)!);
    assert.equal(child(states[0]!, 'text'), odd);
    assert.equal(child(states[0]!, 'desc'), 'a <b> & "c"');
    const labels = all(svg, (e) => e.name === 'g' && 'data-edge' in e.attrs).map(textOf);
    assert.deepEqual(
      labels,
      graph.edges.map((e) => e.label),
    );
    assert.ok(labels.includes('GO<&" / note'));
    assert.ok(labels.includes('RESET<&"'));
  });
});
