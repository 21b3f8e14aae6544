import type { Command } from 'commander';

/** `palestra chain up|down`: the local anvil chain with Palestra's contracts, the embedded default. */
export function registerChainCommands(program: Command): void {
  const chain = program
    .command('chain')
    .description(
      "the local chain (anvil) with Palestra's contracts deployed: the default for marketplace and escrow",
    );
  chain
    .command('up')
    .description(
      'start anvil with its state under .palestra/chain, deploy the contracts once, fund dev accounts',
    )
    .option('--dir <dir>', 'where chain.json, the state file and the log live', '.palestra/chain')
    .option(
      '--port <port>',
      'loopback port (default: the last one used, else 8545, else any free port)',
      (v) => Number(v),
    )
    .action(async (opts: { dir: string; port?: number }) => {
      // The contracts (and viem) load only when a chain command runs, not for every `palestra` command.
      const { chainUp } = await import('@palestra/contracts');
      const r = await chainUp({ dir: opts.dir, ...(opts.port ? { port: opts.port } : {}) });
      console.log(
        `${r.started ? 'started' : 'already running'}: ${r.rpcUrl} (chain id ${r.chainId}, pid ${r.pid})`,
      );
      if (r.notice) console.log(`notice: ${r.notice}`);
      console.log(r.deployed ? 'contracts deployed:' : 'contracts found (deployed earlier):');
      for (const [name, address] of Object.entries(r.contracts))
        if (typeof address === 'string' && address.startsWith('0x'))
          console.log(`  ${name.padEnd(24)} ${address}`);
      const placeholders = Object.entries(r.contracts.placeholders)
        .filter(([, p]) => p)
        .map(([name]) => name);
      console.log(
        placeholders.length === 0
          ? 'no placeholder contracts'
          : `placeholders (their deployer decides, development only): ${placeholders.join(', ')}`,
      );
      console.log(
        `addresses in ${r.infoFile} · ${r.devAccounts.length} funded dev accounts · stop with: palestra chain down`,
      );
    });
  chain
    .command('down')
    .description('stop the local chain (its state file keeps the contracts for the next `chain up`)')
    .option('--dir <dir>', 'the folder given to chain up', '.palestra/chain')
    .action(async (opts: { dir: string }) => {
      const { chainDown } = await import('@palestra/contracts');
      const r = await chainDown({ dir: opts.dir });
      console.log(r.stopped ? `stopped anvil (pid ${r.pid})` : 'no local chain was running');
    });
}
