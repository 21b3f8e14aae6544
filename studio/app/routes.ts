import { index, type RouteConfig, route } from '@react-router/dev/routes';

export default [
  index('routes/environments.tsx'),
  route('env/:name', 'routes/environment.tsx'),
  route('import', 'routes/import.tsx'),
  route('env/:name/simulate', 'routes/simulate.tsx'),
  route('env/:name/check', 'routes/envCheck.tsx'),
  route('env/:name/run', 'routes/runAgents.tsx'),
  route('env/:name/learnability', 'routes/learnability.tsx'),
  route('runs', 'routes/runs.tsx'),
  route('runs/:id', 'routes/run.tsx'),
  route('runs/:id/episode/*', 'routes/replay.tsx'),
  route('runs/:id/diff', 'routes/diff.tsx'),
  route('runs/:id/branch/*', 'routes/branch.tsx'),
  route('jobs/:id/events', 'routes/jobEvents.tsx'),
  route('*', 'routes/notFound.tsx'),
] satisfies RouteConfig;
