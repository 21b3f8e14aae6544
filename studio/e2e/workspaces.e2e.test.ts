import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Harness, openHarness } from './harness.ts';

/**
 * Workspaces in the browser alone: the owner makes a workspace for a team, creates an environment
 * in it from `/new` (the workspace chosen there) and makes an invite link for it; the colleague who
 * opens that link sees that workspace only; a member of the default workspace alone gets the
 * environment's page as an unknown one (404) and does not see it listed. Axe and the screenshot
 * of the workspaces page for the docs.
 */

let h: Harness;
let owner: Page;
const errors: string[][] = [];
const at = (path: string) => new URL(path, h.studio.url).href;
const TEAM = 'Refund team';

before(async () => {
  h = await openHarness();
  errors.push(h.pageErrors);
  owner = h.page;
  // The first page from loopback signs the owner in.
  await owner.goto(h.studio.url);
});

after(async () => {
  await h?.close();
});

test("a team's workspace: made, filled and shared in the browser; closed to everyone else", async () => {
  await owner.goto(at('/workspaces'));
  await owner.getByLabel('Name', { exact: true }).fill(TEAM);
  await owner.getByRole('button', { name: 'Make it' }).click();
  await owner.getByRole('status').getByText(`Made the workspace ${TEAM}`).waitFor();
  const team = owner.getByRole('article', { name: TEAM });

  // A new environment from the team's card: /new preselects the team among the owner's two.
  await team.getByRole('link', { name: 'New environment here' }).click();
  await owner.waitForURL(/\/new\?workspace=/);
  // Exact: /workspaces (still on screen while /new loads) labels its own regions "Workspaces".
  const choice = owner.locator('#new-workspace');
  assert.equal(await choice.locator('option:checked').textContent(), TEAM);
  for (const [label, value] of [
    ['Name', 'team-desk'],
    ['First state', 'open'],
    ['First tool', 'lookup_order'],
    ['Its event', 'LOOKUP'],
  ] as const)
    await owner.getByLabel(label, { exact: true }).fill(value);
  await owner.getByRole('button', { name: 'Create the environment' }).click();
  await owner.waitForURL(/\/env\//);
  const envUrl = owner.url();
  await owner.locator('.react-flow__node [data-state="open"]').waitFor({ timeout: 15_000 });

  // Listed under the team, not under Local; an invite link for an editor of the team.
  await owner.goto(at('/workspaces'));
  await team
    .getByRole('list', { name: `Environments of ${TEAM}` })
    .getByText('team-desk')
    .waitFor();
  assert.equal(await owner.getByRole('list', { name: 'Environments of Local' }).count(), 0);
  await team.getByRole('button', { name: 'Make an invite link' }).click();
  const link = await owner.getByRole('status').locator('code').textContent();
  assert.match(link ?? '', /\/invite\//);

  // The colleague opens it: one workspace, the team's, with its environment; the page opens.
  const colleague = await h.newPerson();
  errors.push(colleague.errors);
  await colleague.page.goto(link!);
  await colleague.page.waitForURL(h.studio.url);
  await colleague.page.goto(at('/workspaces'));
  assert.deepEqual(await colleague.page.getByRole('article').locator('h2').allTextContents(), [TEAM]);
  await colleague.page.getByRole('link', { name: 'team-desk' }).click();
  await colleague.page.locator('.react-flow__node [data-state="open"]').waitFor({ timeout: 15_000 });

  // A member of Local alone: the team's environment is an unknown page, and not on the home page.
  const stranger = await h.invitedPerson('editor');
  const response = await stranger.page.goto(envUrl);
  assert.equal(response?.status(), 404);
  await stranger.page.goto(h.studio.url);
  assert.equal(await stranger.page.getByText('team-desk').count(), 0);

  // The owner's page, as the docs show it: both workspaces, members and the invite form.
  await owner.goto(at('/workspaces'));
  await team
    .getByRole('list', { name: `Members of ${TEAM}` })
    .getByText('· editor')
    .waitFor();
  await h.screenshot('workspaces.png', owner);
  await h.axeScan('the workspaces page');
  assert.deepEqual(errors.flat(), []);
});
