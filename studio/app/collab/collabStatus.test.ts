import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CollabConnection, collabStatus, STATUS_TEXT } from './collabStatus.ts';

const at = (c: Partial<CollabConnection>): CollabConnection => ({
  connected: false,
  synced: false,
  triedOnce: false,
  saved: false,
  readOnly: false,
  withdrawn: false,
  ...c,
});

test('the status follows the connection: connecting, saving, saved, offline', () => {
  assert.equal(collabStatus(at({})), 'connecting');
  assert.equal(collabStatus(at({ connected: true, triedOnce: true })), 'connecting');
  assert.equal(collabStatus(at({ connected: true, synced: true, triedOnce: true })), 'saving');
  assert.equal(collabStatus(at({ connected: true, synced: true, triedOnce: true, saved: true })), 'saved');
  // Lost, or never reached after a first attempt: offline, even with everything saved before.
  assert.equal(collabStatus(at({ triedOnce: true, saved: true })), 'offline');
});

test('a viewer reads "Read-only" once synced, and "Offline" when the studio is gone', () => {
  assert.equal(
    collabStatus(at({ connected: true, synced: true, triedOnce: true, readOnly: true })),
    'read-only',
  );
  assert.equal(collabStatus(at({ triedOnce: true, readOnly: true })), 'offline');
});

test('a member whose access was withdrawn reads so, whatever the socket did last', () => {
  assert.equal(collabStatus(at({ withdrawn: true, triedOnce: true, readOnly: true })), 'withdrawn');
  assert.equal(
    collabStatus(at({ withdrawn: true, connected: true, synced: true, saved: true })),
    'withdrawn',
  );
  assert.match(STATUS_TEXT.withdrawn, /^Access withdrawn: .* stays in this browser$/);
});

test('each status has its words', () => {
  assert.equal(STATUS_TEXT.saved, 'Saved');
  assert.match(STATUS_TEXT.offline, /^Offline: your edits are kept in this browser/);
  assert.equal(STATUS_TEXT['read-only'], 'Read-only (viewer)');
});
