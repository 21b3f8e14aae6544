/**
 * Typed errors of `@palestra/contracts`. `ContractsError` is a `PalestraError` (`code`, message,
 * `details`, `hint` saying what to do), so the CLI prints it by the same rule as every other
 * error; its codes are declared once, here, in the shared registry of `@palestra/errors`.
 *
 * @example
 * try { await chainUp() } catch (e) { if (e instanceof ContractsError) console.error(e.explain()) }
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

/** Every code a `ContractsError` may carry, with what it means. */
export const contractsErrorCodes = registerCodes('contracts', {
  ANVIL_MISSING: "anvil's binary package for this platform is not installed",
  ANVIL_SPAWN_FAILED: 'the anvil process could not be started',
  ANVIL_EXITED: 'anvil exited before it answered on its JSON-RPC port',
  RPC_UNREACHABLE: 'no JSON-RPC answer from the chain within the timeout',
  PORT_BUSY: "the local chain's port is already in use",
  CHAIN_INFO_INVALID: 'the chain.json written by `palestra chain up` cannot be read',
  NETWORK_UNKNOWN: 'no network preset has that name',
  NETWORK_ENV_MISSING: 'an environment variable a network preset needs is not set',
  NETWORK_KEY_INVALID: "a network's private key is not a 0x-prefixed 32-byte hex key",
  PLACEHOLDERS_REFUSED: 'the test verifier or resolver may not be deployed to a public network',
  DEPLOY_INVALID: 'the deployment options are out of range',
  DEPLOY_FAILED: 'a deployment transaction reverted',
  TX_NOT_MINED: 'a transaction was not mined within the timeout',
  SOLC_FAILED: 'solc reported errors compiling the Solidity sources',
});

/** A code of `contractsErrorCodes`; a code not declared there does not compile. */
export type ContractsErrorCode = keyof typeof contractsErrorCodes;

/** A failure of the chain, its deployment or its build: anvil, JSON-RPC, networks, solc. */
export class ContractsError extends PalestraError {
  override name = 'ContractsError';
  declare readonly code: ContractsErrorCode;

  constructor(code: ContractsErrorCode, message: string, options: PalestraErrorOptions = {}) {
    super(code, message, options);
  }
}
