/**
 * @file The chDB Sessions queries run on: a small pool for sessionless queries (they run side by
 * side) and named sessions (HTTP `session_id`), each used by one query at a time.
 */
import { Session } from 'chdb';
import { EngineError } from './errors';
import { withServerDefaults } from './server-defaults';

export interface Handle {
  id: number;
  session: Session;
  /** Settings this engine set on the Session for the current query (name -> SQL literal). */
  applied: Map<string, string>;
  /** Named sessions: values their own `SET` statements left (name -> SQL literal); others are DEFAULT. */
  baseline: Map<string, string>;
  database: string | undefined;
  /**
   * Names of the parameters bound on this Session (`SET param_x`); they cannot be unset, so a query
   * that references one without binding it must not run here (see `needsFreshSession`).
   */
  params: Set<string>;
  busy: boolean;
  /** A named session's settings being put back after a failure; its next query waits for it. */
  settling: Promise<void> | undefined;
}

/** A named session: one chDB Session used by one query at a time. */
export class EngineSession {
  lastUsed = Date.now();
  constructor(
    readonly id: string,
    readonly timeoutSeconds: number,
    /** @internal */ readonly handle: Handle,
  ) {}
  get busy(): boolean {
    return this.handle.busy;
  }
}

export class SessionPool {
  private readonly pool: Handle[] = [];
  private readonly waiters: Array<(h: Handle) => void> = [];
  private readonly named = new Map<string, EngineSession>();
  private nextHandleId = 1;

  constructor(
    private readonly dataPath: string,
    private readonly size: number,
  ) {}

  /** Sessions opened so far (pooled and named): a measure of how often pooled ones were replaced. */
  get opened(): number {
    return this.nextHandleId - 1;
  }

  /** Opens (or finds) a named session. `create: false` returns undefined for an unknown id. */
  session(id: string, options: { create: boolean; timeoutSeconds?: number }): EngineSession | undefined {
    const found = this.named.get(id);
    if (found) {
      found.lastUsed = Date.now();
      return found;
    }
    if (!options.create) return undefined;
    const s = new EngineSession(id, options.timeoutSeconds ?? 60, this.newHandle());
    this.named.set(id, s);
    return s;
  }

  isOpen(s: EngineSession): boolean {
    return this.named.has(s.id);
  }

  closeSession(id: string): void {
    const s = this.named.get(id);
    if (!s) return;
    this.named.delete(id);
    if (!s.busy) s.handle.session.close();
  }

  /** Closes named sessions idle for longer than their timeout. */
  expireSessions(): void {
    const now = Date.now();
    for (const [id, s] of this.named) {
      if (!s.busy && now - s.lastUsed > s.timeoutSeconds * 1000) this.closeSession(id);
    }
  }

  /** The Session of a named session, or an error when another query holds it. */
  async lock(s: EngineSession): Promise<Handle> {
    while (s.handle.settling) await s.handle.settling;
    if (s.handle.busy) {
      throw new EngineError(`Session ${s.id} is locked by a concurrent client: one query at a time per session_id.`, {
        code: 373,
        type: 'SESSION_IS_LOCKED',
      });
    }
    s.handle.busy = true;
    s.lastUsed = Date.now();
    return s.handle;
  }

  /** Gives a named session's Session back (closing it if the session was closed meanwhile). */
  unlock(s: EngineSession): void {
    s.handle.busy = false;
    s.lastUsed = Date.now();
    if (!this.named.has(s.id)) s.handle.session.close();
  }

  /**
   * A free pooled Session (waits when all are busy) on which a query sees no parameter of an
   * earlier one: a Session whose bound names the query rebinds or never mentions (the common case:
   * the same query shape again, or a query without them), else a free one made fresh.
   */
  async take(sql: string, params?: Readonly<Record<string, string>>): Promise<Handle> {
    const fits = (h: Handle): boolean =>
      [...h.params].every((name) => (params !== undefined && Object.hasOwn(params, name)) || !mentions(sql, name));
    const free = this.pool.find((h) => !h.busy && fits(h)) ?? this.pool.find((h) => !h.busy);
    if (free) {
      free.busy = true;
      return fits(free) ? free : this.replace(free);
    }
    if (this.pool.length < this.size) {
      const h = this.newHandle();
      h.busy = true;
      this.pool.push(h);
      return h;
    }
    const handed = await new Promise<Handle>((resolve) => this.waiters.push(resolve));
    return fits(handed) ? handed : this.replace(handed);
  }

  /** Returns a pooled handle; one whose state is uncertain after a failure is replaced. */
  giveBack(handle: Handle, ok: boolean): void {
    const h = ok ? handle : this.replace(handle);
    const waiter = this.waiters.shift();
    if (waiter) {
      h.busy = true;
      waiter(h);
    } else h.busy = false;
  }

  /** Closes a pooled handle's Session and puts a new one in its place (busy as the old one was). */
  replace(handle: Handle): Handle {
    const i = this.pool.indexOf(handle);
    try {
      handle.session.close();
    } catch {
      /* already gone */
    }
    const h = this.newHandle();
    h.busy = handle.busy;
    if (i >= 0) this.pool[i] = h;
    return h;
  }

  closeAll(): void {
    for (const s of this.named.values()) s.handle.session.close();
    this.named.clear();
    for (const h of this.pool) h.session.close();
    this.pool.length = 0;
  }

  private newHandle(): Handle {
    return {
      id: this.nextHandleId++,
      session: withServerDefaults(new Session(this.dataPath)),
      applied: new Map(),
      baseline: new Map(),
      database: undefined,
      params: new Set(),
      busy: false,
      settling: undefined,
    };
  }
}

/**
 * Whether a statement's text names a parameter anywhere (`{name:Type}`, a parameterised view's
 * `name = ...`, or merely a word): deliberately broad, a false alarm only costs a fresh Session.
 */
function mentions(sql: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[^A-Za-z0-9_]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(sql);
}
