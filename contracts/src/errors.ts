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
  // Sending a settlement (`palestra submit`): each refused before any transaction is sent.
  SUBMIT_FILE_MISSING: 'a settlement file (proof.json, public.json, calldata.json) is not beside the run',
  SUBMIT_FILE_INVALID: 'a settlement file beside the run does not validate',
  SUBMIT_PROOF_INVALID:
    'the proof does not verify against its public signals (edited, or made for another key)',
  SUBMIT_RUN_MISMATCH:
    "the proof's episodes are not the run's (another run, or episodes added since proving)",
  SUBMIT_RUN_TOO_LARGE: 'the run has more episodes than one settlement proof covers',
  SUBMIT_NO_CHAIN: 'no chain.json: the local chain is not set up',
  SUBMIT_JOB_STATE: 'the job is not waiting for a result (unknown, or in another state)',
  SUBMIT_NOT_PROVIDER: 'the sending account is not the provider that claimed the job',
  SUBMIT_DEADLINE_PASSED: "the job's submit deadline has passed",
  SUBMIT_TOO_FEW_PASSING: 'the proof counts fewer passing episodes than the job asks for',
  SUBMIT_ADAPTER_MISSING: 'the job produces an adapter and no adapter root was given',
  SUBMIT_PUBLIC_MISMATCH: 'a public signal differs from the value the chain will compute',
  SUBMIT_NO_ACCOUNT:
    'no account to send from (no key given, and the provider is not an unlocked dev account)',
  SUBMIT_REJECTED: 'the escrow would refuse the submission (its simulation reverted)',
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
