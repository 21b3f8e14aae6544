/**
 * The reward histogram of a run: how many kept episodes fell in each bin of return, drawn in SVG
 * by the page itself, with labelled axes and a text description for screen readers.
 */
import type { Bin } from '../../../server/runs/histogram.ts';
import { plural } from '../list/format.ts';

const W = 560;
const H = 220;
const M = { top: 12, right: 16, bottom: 44, left: 48 };

/** A bin edge as the axis writes it: few decimals, no trailing zeros. */
const edge = (x: number) => String(Number(x.toFixed(3)));

export function RewardHistogram({ bins }: { bins: Bin[] }) {
  if (bins.length === 0)
    return (
      <p className="muted">
        No complete episode to draw: the histogram counts complete, not failed episodes.
      </p>
    );
  const maxCount = Math.max(...bins.map((b) => b.count));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  // One bin (every return the same) is drawn as a bar of a fifth of the width, not a wall.
  const barW = bins.length === 1 ? plotW / 5 : plotW / bins.length;
  const x0 = bins.length === 1 ? M.left + (plotW - barW) / 2 : M.left;
  const y = (count: number) => M.top + plotH - (count / maxCount) * plotH;
  const described = bins
    .map((b) =>
      b.low === b.high
        ? `${plural(b.count, 'episode')} at ${edge(b.low)}`
        : `${edge(b.low)} to ${edge(b.high)}: ${b.count}`,
    )
    .join('; ');
  const ticks = bins.length === 1 ? [] : [0, Math.floor(bins.length / 2), bins.length];
  return (
    <svg
      className="reward-histogram"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby="reward-histogram-title reward-histogram-desc"
    >
      <title id="reward-histogram-title">Returns of the complete episodes</title>
      <desc id="reward-histogram-desc">Episodes per bin of return. {described}.</desc>
      {/* Axes */}
      <line className="axis" x1={M.left} y1={M.top} x2={M.left} y2={M.top + plotH} />
      <line className="axis" x1={M.left} y1={M.top + plotH} x2={M.left + plotW} y2={M.top + plotH} />
      <text className="tick" x={M.left - 6} y={M.top + plotH} textAnchor="end" dominantBaseline="middle">
        0
      </text>
      <text className="tick" x={M.left - 6} y={M.top} textAnchor="end" dominantBaseline="middle">
        {maxCount}
      </text>
      <text
        className="axis-label"
        transform={`translate(14 ${M.top + plotH / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        episodes
      </text>
      <text className="axis-label" x={M.left + plotW / 2} y={H - 6} textAnchor="middle">
        return
      </text>
      {bins.map((b, i) => (
        <rect
          key={`${b.low}-${b.high}`}
          className="bar"
          x={x0 + i * barW + 1}
          y={y(b.count)}
          width={Math.max(1, barW - 2)}
          height={M.top + plotH - y(b.count)}
        >
          <title>
            {b.low === b.high
              ? `${edge(b.low)}: ${b.count}`
              : `${edge(b.low)} to ${edge(b.high)}: ${b.count}`}
          </title>
        </rect>
      ))}
      {bins.length === 1 ? (
        <text className="tick" x={M.left + plotW / 2} y={M.top + plotH + 16} textAnchor="middle">
          {edge((bins[0] as Bin).low)}
        </text>
      ) : (
        ticks.map((i) => (
          <text key={i} className="tick" x={M.left + i * barW} y={M.top + plotH + 16} textAnchor="middle">
            {edge(i === bins.length ? (bins[i - 1] as Bin).high : (bins[i] as Bin).low)}
          </text>
        ))
      )}
    </svg>
  );
}
