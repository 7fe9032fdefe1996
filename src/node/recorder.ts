import type { Actor, AuditBody, AuditRecord } from '../core/audit';
import { AuditStore } from './auditStore';
import { getActor, getHead } from './gitInfo';

const ACTOR_TTL_MS = 60_000;

/** What a caller says about an event; time and actor are filled in here. */
export type EventBody = Omit<AuditBody, 'at' | 'actor'>;

/**
 * Writes audit records for one folder: stamps time and actor (git user, cached for a minute) and
 * appends through the locked, chained store.
 */
export class AuditRecorder {
  readonly store: AuditStore;
  private actor: { value: Actor; at: number } | undefined;

  constructor(readonly folderPath: string, private readonly now: () => number = Date.now) {
    this.store = new AuditStore(folderPath);
  }

  async record(body: EventBody): Promise<AuditRecord> {
    const actor = await this.currentActor();
    return this.store.append({ ...body, at: new Date(this.now()).toISOString(), actor });
  }

  async head(): Promise<string | undefined> {
    return getHead(this.folderPath);
  }

  async currentActor(): Promise<Actor> {
    const t = this.now();
    if (!this.actor || t - this.actor.at > ACTOR_TTL_MS) this.actor = { value: await getActor(this.folderPath), at: t };
    return this.actor.value;
  }
}
