import { AsyncLocalStorage } from 'node:async_hooks';

const currentApprovalId = new AsyncLocalStorage<string>();

/**
 * Runs `work` with an approval in scope: a `mission.proxy()` call made inside it without an `approvalId` of its own
 * uses this one (what a framework integration sets while an approved tool runs, as the Python SDK's context variable).
 */
export function withApproval<T>(approvalId: string, work: () => T): T {
  return currentApprovalId.run(approvalId, work);
}

export function currentApproval(): string | undefined {
  return currentApprovalId.getStore();
}
