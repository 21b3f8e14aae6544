import { index, type RouteConfig, route } from '@react-router/dev/routes';

export default [
  index('routes/environments.tsx'),
  route('env/:name', 'routes/environment.tsx'),
  route('import', 'routes/import.tsx'),
  route('env/:name/simulate', 'routes/simulate.tsx'),
  route('env/:name/check', 'routes/envCheck.tsx'),
  route('*', 'routes/notFound.tsx'),
] satisfies RouteConfig;
