import { signRecord } from '../core/approvals';
import type { Actor, AuditBody, AuditRecord } from '../core/audit';
import { importSeed } from '../core/signing';
import type { Grant } from '../core/unlocks';
import { AuditStore } from './auditStore';
import type { AuditStoreOptions } from './auditStore';
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
  /** A promise, so that the records of a breach of 2,000 files ask git once, not 2,000 times at once. */
  private actor: { value: Promise<Actor>; at: number } | undefined;

  constructor(readonly folderPath: string, private readonly now: () => number = Date.now, storeOptions: AuditStoreOptions = {}) {
    this.store = new AuditStore(folderPath, storeOptions);
  }

  /**
   * Appends a record. With `grant` (a change or deletion made under it), the record names the
   * grant's key and is signed with it, where owners' codes certified the grant.
   */
  async record(body: EventBody, grant?: Grant): Promise<AuditRecord> {
    const actor = await this.currentActor();
    const full: AuditBody = { ...body, at: new Date(this.now()).toISOString(), actor };
    const key = grant?.seed !== undefined ? importSeed(grant.seed) : undefined;
    return this.store.append(key && grant?.key ? signRecord({ ...full, grant: grant.key }, key.privateKey) : full);
  }

  async head(): Promise<string | undefined> {
    return getHead(this.folderPath);
  }

  currentActor(): Promise<Actor> {
    const t = this.now();
    if (!this.actor || t - this.actor.at > ACTOR_TTL_MS) {
      const value = getActor(this.folderPath);
      const entry = { value, at: t };
      this.actor = entry;
      // A failed look-up is not kept: the next record asks again.
      void value.catch(() => { if (this.actor === entry) this.actor = undefined; });
    }
    return this.actor.value;
  }
}
