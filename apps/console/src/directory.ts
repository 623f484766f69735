import { MandateApi } from './api';
import { el } from './dom';
import type { AgentDetailView, PassportView } from './types';

/**
 * Names for the ids the feeds carry: an agent's name, a passport's mission. Each is asked for once per session (an
 * agent's name and a mission's stated intent do not change) and shared by every card that shows it.
 */
export class Directory {
  private readonly agents = new Map<string, Promise<AgentDetailView | null>>();
  private readonly passports = new Map<string, Promise<PassportView | null>>();

  constructor(
    private readonly api: MandateApi,
    private readonly signal: AbortSignal,
  ) {}

  agent(agentId: string): Promise<AgentDetailView | null> {
    return once(this.agents, agentId, () => this.api.get<AgentDetailView>(`/v1/agents/${encodeURIComponent(agentId)}`, this.signal));
  }

  passport(jti: string): Promise<PassportView | null> {
    return once(this.passports, jti, () => this.api.get<PassportView>(`/v1/passports/${encodeURIComponent(jti)}`, this.signal));
  }

  /** "support-bot (agt_…)": the id at once, the name when it is known. */
  agentLabel(agentId: string): HTMLElement {
    const name = el('span', { className: 'name' });
    const label = el('span', {}, name, el('code', { className: 'id' }, agentId));
    void this.agent(agentId).then((agent) => {
      if (agent) name.textContent = `${agent.name} `;
    });
    return label;
  }
}

/** A failed look-up is forgotten, so that the next card asks again. */
function once<T>(cache: Map<string, Promise<T | null>>, id: string, load: () => Promise<T>): Promise<T | null> {
  let found = cache.get(id);
  if (!found) {
    found = load().catch(() => {
      cache.delete(id);
      return null;
    });
    cache.set(id, found);
  }
  return found;
}
