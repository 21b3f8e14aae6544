/**
 * Wait for a transaction's receipt by polling `eth_getTransactionReceipt`. viem's
 * `waitForTransactionReceipt` re-checks only when a new block arrives; on an automining anvil, a receipt
 * looked up a moment too early would then wait for a block that nobody mines. Polling the receipt itself
 * has no such race, and works the same on a live network.
 */
import type { Hash, PublicClient, TransactionReceipt } from 'viem';
import { ContractsError } from './errors.ts';

export async function receiptOf(
  client: Pick<PublicClient, 'getTransactionReceipt'>,
  hash: Hash,
  timeoutMs = 120_000,
): Promise<TransactionReceipt> {
  const deadline = performance.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      return await client.getTransactionReceipt({ hash });
    } catch (e) {
      if ((e as Error).name !== 'TransactionReceiptNotFoundError') throw e;
    }
    if (performance.now() > deadline) {
      throw new ContractsError(
        'TX_NOT_MINED',
        `transaction ${hash} was not mined within ${timeoutMs / 1000} s`,
        {
          details: { hash },
          hint: 'check the node is mining (anvil automines) and the sender can pay for gas',
        },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}
