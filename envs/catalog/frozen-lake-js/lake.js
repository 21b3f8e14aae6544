// FrozenLake-v1 dynamics: intended direction or one of the two perpendicular ones, 1/3 each
// (Math.random is the episode's seeded generator inside the sandbox).
const DIRS = { left: 0, down: 1, right: 2, up: 3 };

export function move({ context, event, task }) {
  const slip = Math.floor(Math.random() * 3) - 1;
  const dir = (DIRS[event.direction] + slip + 4) % 4;
  let { row, col } = context;
  if (dir === 0) col = Math.max(col - 1, 0);
  else if (dir === 1) row = Math.min(row + 1, 3);
  else if (dir === 2) col = Math.min(col + 1, 3);
  else row = Math.max(row - 1, 0);
  return { row, col, tile: task.data.tiles[row * 4 + col] };
}
