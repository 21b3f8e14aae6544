import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ContractsError } from './errors.ts';
import { deployToNetwork, networkClients, networks } from './networks.ts';

const KEY = `0x${'11'.repeat(32)}`;

it('presets 0G Galileo testnet (16602) and Base Sepolia (84532)', () => {
  assert.equal(networks['0g-galileo'].chain.id, 16602);
  assert.equal(networks['base-sepolia'].chain.id, 84532);
  const zg = networkClients('0g-galileo', { ZG_RPC_URL: 'http://127.0.0.1:1', ZG_PRIVATE_KEY: KEY });
  assert.equal(zg.wallet.chain.id, 16602);
  assert.equal(zg.rpcUrl, 'http://127.0.0.1:1');
  assert.match(zg.account.address, /^0x[0-9a-fA-F]{40}$/);
});

it('names the missing or malformed environment variable', () => {
  const fails = (env: NodeJS.ProcessEnv, code: string, variable: string) =>
    assert.throws(
      () => networkClients('base-sepolia', env),
      (e) =>
        e instanceof ContractsError &&
        e.code === code &&
        e.message.includes(variable) &&
        (e.hint ?? '').includes(variable),
    );
  fails({}, 'NETWORK_ENV_MISSING', 'BASE_SEPOLIA_RPC_URL');
  fails({ BASE_SEPOLIA_RPC_URL: 'http://x' }, 'NETWORK_ENV_MISSING', 'BASE_SEPOLIA_PRIVATE_KEY');
  fails(
    { BASE_SEPOLIA_RPC_URL: 'http://x', BASE_SEPOLIA_PRIVATE_KEY: '0x12' },
    'NETWORK_KEY_INVALID',
    'BASE_SEPOLIA_PRIVATE_KEY',
  );
  assert.throws(
    () => networkClients('mainnet' as never, {}),
    (e) => e instanceof ContractsError && e.code === 'NETWORK_UNKNOWN',
  );
});

it('refuses to put the test verifier or resolver on a public network unless asked', async () => {
  const env = { ZG_RPC_URL: 'http://127.0.0.1:1', ZG_PRIVATE_KEY: KEY };
  await assert.rejects(
    deployToNetwork('0g-galileo', {}, env),
    (e) => e instanceof ContractsError && e.code === 'PLACEHOLDERS_REFUSED',
  );
  await assert.rejects(
    deployToNetwork('0g-galileo', { verifier: '0x0000000000000000000000000000000000000001' }, env),
    (e) => e instanceof ContractsError && e.code === 'PLACEHOLDERS_REFUSED',
  );
  await assert.rejects(
    deployToNetwork('base-sepolia', { allowPlaceholders: true }, {}),
    (e) => e instanceof ContractsError && e.code === 'NETWORK_ENV_MISSING',
  );
});
