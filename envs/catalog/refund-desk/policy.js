// Refund policy of the refund desk. Pure functions of JSON: the statechart calls `correctRefund`
// (a guard) and `recordRefund` (an action); the task generator uses `decide` to label each ticket.

/** Orders with a total above this are never refunded at the desk: they go to a supervisor. */
export const ESCALATE_OVER = 500;
/** Refunds are only possible for orders at most this many days old. */
export const WINDOW_DAYS = 30;

const CENT = 0.005;

/** The correct outcome for a refund of `amount` on `order`: "refund", "deny" or "escalate". */
export function decide(order, amount) {
  if (order.total > ESCALATE_OVER) return 'escalate';
  if (order.status !== 'delivered') return 'deny';
  if (order.ageDays > WINDOW_DAYS) return 'deny';
  if (!(amount > 0) || amount > order.total + CENT) return 'deny';
  return 'refund';
}

/** Why a refund of `amount` on `order` is not allowed (or null when it is). */
export function denialReason(order, amount) {
  if (order.total > ESCALATE_OVER) return `order ${order.id} is over ${ESCALATE_OVER} and must be escalated`;
  if (order.status !== 'delivered')
    return `order ${order.id} has not been delivered (status: ${order.status})`;
  if (order.ageDays > WINDOW_DAYS)
    return `order ${order.id} is ${order.ageDays} days old, past the ${WINDOW_DAYS}-day window`;
  if (amount > order.total + CENT) return `${money(amount)} is more than the ${money(order.total)} paid`;
  return null;
}

export function money(x) {
  return (Math.round(x * 100) / 100).toFixed(2);
}

/**
 * Guard for `issue_refund`: the order was looked up in this episode, the refund is within policy,
 * and it is the refund the ticket asks for (that order, exactly the amount requested).
 */
export function correctRefund({ context, event, task }) {
  const order = (context.known || []).find((o) => o.id === event.orderId);
  if (!order) return false;
  if (decide(order, event.amount) !== 'refund') return false;
  return event.orderId === task.data.orderId && Math.abs(event.amount - task.data.amount) < CENT;
}

/** Action for `issue_refund`: records the decision and says what happened, amounts to the cent. */
export function recordRefund({ context, event }) {
  const order = (context.known || []).find((o) => o.id === event.orderId);
  const note = order ? '' : ' (this order was never looked up)';
  return {
    decision: { kind: 'refund', orderId: event.orderId, amount: event.amount },
    last: `You refunded ${money(event.amount)} on order ${event.orderId}${note}.`,
  };
}
