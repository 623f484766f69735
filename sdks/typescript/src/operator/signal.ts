/** What every method of the SDK accepts last: an `AbortSignal` that cancels it (the waits between retries too). */
export interface Signal {
  signal?: AbortSignal | undefined;
}
