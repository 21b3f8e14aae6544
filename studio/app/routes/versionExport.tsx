import type { LoaderFunctionArgs } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { versionZip } from '../../server/versions/exportVersion.ts';

/**
 * A version as a .zip download (a resource route: no page). It unzips to one folder, `spec.json`
 * and the code files beside it, that `palestra check` accepts with the version's root.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const env = await studio.repo.getEnvironment(params.name ?? '');
  const seq = Number(params.seq);
  const version = env && Number.isSafeInteger(seq) ? await studio.repo.getVersion(env.id, seq) : undefined;
  if (!env || !version)
    throw new Response(`No version ${params.seq} of "${params.name}"`, {
      status: 404,
      statusText: 'Not Found',
    });
  const { folder, bytes } = await versionZip(studio, version.root, `${env.name}-v${version.seq}`);
  // A copy typed over a plain ArrayBuffer, as a fetch body must be.
  return new Response(new Uint8Array(bytes), {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${folder}.zip"`,
      'x-palestra-root': version.root,
    },
  });
}
