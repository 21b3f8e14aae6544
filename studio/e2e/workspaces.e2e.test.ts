import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Harness, openHarness } from './harness.ts';

/**
 * Workspaces in the browser alone: the owner makes a workspace for a team, creates an environment
 * in it from `/new` (the workspace chosen there) and makes an invite link for it; the colleague who
 * opens that link sees that workspace only; a member of the default workspace alone gets the
 * environment's page as an unknown one (404) and does not see it listed. Axe and the screenshot
 * of the workspaces page for the docs. Then the owner manages the team: makes the colleague a
 * viewer (their open page turns read-only at once), removes them (their page says access was
 * withdrawn, and reloading it is a 404), renames the workspace, is refused deleting it while it
 * holds an environment, and deletes an empty one. (A browser's upgrade refused after a removal,
 * closed with 4403 rather than answered 403, is tested in server/auth/accessFollows.test.ts.)
 */

let h: Harness;
let owner: Page;
const errors: string[][] = [];
const at = (path: string) => new URL(path, h.studio.url).href;
const TEAM = 'Refund team';
/** The colleague (Ana), the member of Local alone, the team environment's URL: the second test goes on with them. */
let colleague: { page: Page; errors: string[] };
let stranger: { page: Page; errors: string[] };
let envUrl = '';

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
  envUrl = owner.url();
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
  colleague = await h.newPerson();
  errors.push(colleague.errors);
  await colleague.page.goto(`${link}?name=Ana`);
  await colleague.page.waitForURL(h.studio.url);
  await colleague.page.goto(at('/workspaces'));
  assert.deepEqual(await colleague.page.getByRole('article').locator('h2').allTextContents(), [TEAM]);
  await colleague.page.getByRole('link', { name: 'team-desk' }).click();
  await colleague.page.locator('.react-flow__node [data-state="open"]').waitFor({ timeout: 15_000 });

  // A member of Local alone: the team's environment is an unknown page, and not on the home page.
  stranger = await h.invitedPerson('editor');
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

test('the owner manages the team: a role, a removal, a new name, a deletion', async () => {
  // The member of Local joins the team as a viewer, by a link the owner makes.
  await owner.goto(at('/workspaces'));
  const team = owner.getByRole('article', { name: TEAM });
  await team
    .getByRole('form', { name: `Invite to ${TEAM}` })
    .getByRole('combobox')
    .selectOption('viewer');
  await team.getByRole('button', { name: 'Make an invite link' }).click();
  const link = await owner.getByRole('status').locator('code').textContent();
  await stranger.page.goto(link!);
  await stranger.page.waitForURL(h.studio.url);

  // Both have the team's environment open: their sockets are live.
  for (const [person, state] of [
    [colleague.page, 'saved'],
    [stranger.page, 'read-only'],
  ] as const) {
    await person.goto(envUrl);
    await person.locator(`.collab-status[data-status="${state}"]`).waitFor({ timeout: 15_000 });
  }
  const ana = colleague.page;

  await owner.reload();
  const role = team.getByRole('form', { name: `Role of Ana in ${TEAM}` });
  await role.getByLabel('Role of Ana').selectOption('viewer');
  await role.getByRole('button', { name: 'Change role' }).click();
  await team.getByRole('status').getByText(`Ana is now a viewer of ${TEAM}.`).waitFor();
  // Her open page turns read-only at once, before she types anything.
  await ana.locator('.collab-status[data-status="read-only"]').waitFor();

  await team.getByRole('button', { name: 'Remove Ana' }).click();
  await team.getByRole('status').getByText(`Removed Ana from ${TEAM}`).waitFor();
  await team.getByRole('button', { name: 'Remove Ana' }).waitFor({ state: 'detached' });
  // Her page says so and stops: no reconnecting into a refusal. Reloading it is a 404.
  await ana.locator('.collab-status[data-status="withdrawn"]').waitFor();
  assert.match((await ana.locator('.collab-status').textContent()) ?? '', /^Access withdrawn/);
  assert.equal((await ana.reload())?.status(), 404);

  // A new name; a workspace holding an environment is not deleted, and says why.
  const renamed = 'Refund desk';
  await team.getByLabel('New name').fill(renamed);
  await team.getByRole('button', { name: 'Rename' }).click();
  const desk = owner.getByRole('article', { name: renamed });
  await desk.getByRole('status').getByText(`Renamed ${TEAM} to ${renamed}.`).waitFor();
  await desk.getByRole('button', { name: 'Delete this workspace' }).click();
  await desk
    .getByRole('alert')
    .getByText(`${renamed} still holds 1 environment: it cannot be deleted`)
    .waitFor();
  assert.match(
    (await desk.getByRole('alert').textContent()) ?? '',
    /delete its environment or move it to another workspace first/,
  );
  await h.axeScan('the workspaces page with a refusal');

  // An empty workspace is deleted; the default one offers no delete at all.
  await owner.getByLabel('Name', { exact: true }).fill('Scratch');
  await owner.getByRole('button', { name: 'Make it' }).click();
  const scratch = owner.getByRole('article', { name: 'Scratch' });
  await scratch.getByRole('button', { name: 'Delete this workspace' }).click();
  await owner.getByRole('status').getByText('Deleted the workspace Scratch').waitFor();
  await scratch.waitFor({ state: 'detached' });
  assert.equal(
    await owner
      .getByRole('article', { name: 'Local' })
      .getByRole('button', { name: 'Delete this workspace' })
      .count(),
    0,
  );
  // The browser's only complaints: the refused deletion (409), the removed members' pages (404,
  // a bare text page: the browser asks for a favicon too), and the sockets refused.
  const expected = [
    /status of 409 .*\/workspaces\.data\)$/,
    /status of 404 .*\/(env\/[^/]+|favicon\.ico)\)$/,
    /^WebSocket connection to .* failed/,
    /net::ERR_CONNECTION_REFUSED/,
  ];
  assert.deepEqual(
    [...errors.flat(), ...stranger.errors].filter((e) => !expected.some((x) => x.test(e))),
    [],
  );
});
