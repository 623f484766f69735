import { ApiProblem, isAbort, MandateApi } from './api';
import { el, fill } from './dom';
import { chainText } from './missions';
import type { ChainVerificationResponse } from './types';

export interface AuditContext {
  api: MandateApi;
  tenantId: string;
  announce(message: string): void;
  /** Aborted at sign-out: a download under way stops, and the file offered is let go. */
  signal: AbortSignal;
}

const NEWLINE = 10;

/**
 * The audit of the tenant: the verification of its hash chain (on opening the page, and on asking again), and the
 * export, every stored event as a line of NDJSON, read as it arrives with its progress shown, then offered as a file.
 * The file is made in the page (a Blob URL) because the export needs the key in a header, which a plain link cannot send.
 */
export class AuditPage {
  readonly element: HTMLElement;
  private readonly chain = el('p', { className: 'chain', attrs: { role: 'status' } });
  private readonly verifyButton = el('button', { attrs: { type: 'button' } }, 'Verify again');
  private readonly download = el('button', { attrs: { type: 'button' } }, 'Download export');
  private readonly cancel = el('button', { attrs: { type: 'button' }, hidden: true }, 'Cancel');
  private readonly progress = el('progress', { id: 'export-progress' });
  private readonly progressText = el('p', { className: 'muted', attrs: { role: 'status' } });
  private readonly saveLink = el('a', { className: 'save', hidden: true });
  private readonly error = el('p', { className: 'error', attrs: { role: 'alert' } });
  private exporting: AbortController | null = null;
  private fileUrl: string | null = null;

  constructor(private readonly context: AuditContext) {
    this.verifyButton.addEventListener('click', () => void this.verify());
    this.download.addEventListener('click', () => void this.export());
    this.cancel.addEventListener('click', () => this.exporting?.abort());
    context.signal.addEventListener('abort', () => {
      this.exporting?.abort();
      this.letGoOfFile();
    }, { once: true });
    this.progress.value = 0;
    this.element = el(
      'section',
      { attrs: { 'aria-labelledby': 'audit-title' } },
      el('h1', { id: 'audit-title', attrs: { tabindex: '-1' } }, 'Audit'),
      el(
        'section',
        { className: 'card', attrs: { 'aria-labelledby': 'audit-verify-title' } },
        el('h2', { id: 'audit-verify-title' }, 'Chain verification'),
        el('p', {}, "Mandate recomputes the tenant's hash chain from the stored events: a link that does not match names where the history was altered."),
        this.chain,
        this.verifyButton,
      ),
      el(
        'section',
        { className: 'card', attrs: { 'aria-labelledby': 'audit-export-title' } },
        el('h2', { id: 'audit-export-title' }, 'Export'),
        el('p', {}, 'Every stored event of the tenant, oldest first, one JSON object a line (NDJSON), each with its chain link, so that anyone can check the chain again from the file.'),
        el('div', { className: 'buttons' }, this.download, this.cancel),
        el('label', { attrs: { for: this.progress.id } }, 'Export progress'),
        this.progress,
        this.progressText,
        this.saveLink,
        this.error,
      ),
    );
  }

  /** Called each time the page is opened. */
  opened(): void {
    void this.verify();
  }

  private async verify(): Promise<ChainVerificationResponse | null> {
    this.verifyButton.disabled = true;
    this.chain.removeAttribute('data-ok');
    this.chain.textContent = 'Verifying the audit chain…';
    try {
      const verified = await this.context.api.get<ChainVerificationResponse>('/v1/audit/verify', this.context.signal);
      this.chain.dataset.ok = String(verified.ok);
      fill(this.chain, ...chainText(verified));
      return verified;
    } catch (failure) {
      if (!isAbort(failure)) this.chain.textContent = `The audit chain could not be verified: ${problemText(failure)}`;
      return null;
    } finally {
      this.verifyButton.disabled = false;
    }
  }

  private async export(): Promise<void> {
    this.letGoOfFile();
    this.error.textContent = '';
    this.exporting = new AbortController();
    const signal = AbortSignal.any([this.exporting.signal, this.context.signal]);
    this.download.disabled = true;
    this.cancel.hidden = false;
    // The export is streamed, so it has no Content-Length, and the store's head position counts every tenant's events.
    // The verification counts this tenant's events (`checked`), one line of the export each: asked just before, it is
    // the total the lines are measured against. A broken chain stops the count at the break, so then there is none.
    const verified = await this.verify();
    const expectedLines = verified?.ok ? verified.checked : null;
    if (expectedLines === null) this.progress.removeAttribute('value');
    else {
      this.progress.max = Math.max(expectedLines, 1);
      this.progress.value = 0;
    }
    const chunks: Uint8Array[] = [];
    let lines = 0;
    let bytes = 0;
    this.progressText.textContent = 'Starting the export…';
    try {
      const response = await this.context.api.open('/v1/audit/export', 'application/x-ndjson', signal);
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.byteLength;
        for (const byte of value) if (byte === NEWLINE) lines++;
        if (expectedLines !== null) {
          // Events appended since the count are in the export too: the bar grows rather than overflow.
          this.progress.max = Math.max(this.progress.max, lines);
          this.progress.value = lines;
        }
        this.progressText.textContent = `${lines}${expectedLines !== null ? ` of ${Math.max(expectedLines, lines)}` : ''} events, ${sizeText(bytes)} received`;
      }
    } catch (failure) {
      this.progressText.textContent = isAbort(failure) ? `Export cancelled after ${lines} events: nothing is offered.` : '';
      if (!isAbort(failure)) this.error.textContent = `The export failed: ${problemText(failure)}`;
      this.progress.value = 0;
      return;
    } finally {
      this.exporting = null;
      this.download.disabled = false;
      this.cancel.hidden = true;
    }
    this.progress.max = Math.max(lines, 1);
    this.progress.value = this.progress.max;
    const file = new Blob(chunks, { type: 'application/x-ndjson' });
    this.fileUrl = URL.createObjectURL(file);
    const name = `mandate-audit-${this.context.tenantId}-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}Z.ndjson`;
    this.saveLink.href = this.fileUrl;
    this.saveLink.download = name;
    this.saveLink.textContent = `Save ${name} (${lines} events, ${sizeText(bytes)})`;
    this.saveLink.hidden = false;
    this.progressText.textContent = `Export complete: ${lines} events, ${sizeText(bytes)}.`;
    this.context.announce(this.progressText.textContent);
    this.saveLink.focus();
  }

  /** The file of the last export is held by the page until the next one, or sign-out. */
  private letGoOfFile(): void {
    if (this.fileUrl) URL.revokeObjectURL(this.fileUrl);
    this.fileUrl = null;
    this.saveLink.hidden = true;
    this.saveLink.removeAttribute('href');
  }
}

const sizeText = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

const problemText = (failure: unknown): string => (failure instanceof ApiProblem ? `${failure.code}: ${failure.message}` : 'Mandate cannot be reached.');
