import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function safeEqual(a: string, b: string): boolean {
  // Hash both so lengths match and the comparison takes the same time whatever the input.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const b64 = (b: Buffer) => b.toString('base64url');

export interface Session {
  /** SHA-256 of the cookie's token: the file never holds a token that would log someone in. */
  id: string;
  /** The account logged in; it and its name sign the Office's acts in the audit trail. */
  login: string;
  name: string;
  /** The account's generation at login: a password, role or active change moves it and ends this session. */
  generation: number;
  createdAt: number;
  lastSeen: number;
}

export interface SessionStoreOptions {
  /** Where sessions persist, so a restart or a second `chidao serve` on the same data folder keeps them. */
  file?: string;
  secret: string;
  idleMs: number;
  ttlMs: number;
  maxSessions?: number;
}

/**
 * Server-side sessions: the cookie holds a random token; the server keeps what it means, so logging out
 * ends the session at once, an idle one expires, and the caller's check (the account still active and
 * unchanged) ends it on the next request.
 */
export class SessionStore {
  private readonly key: Buffer;
  private sessions = new Map<string, Session>();
  private loadedMtime = -1;

  constructor(private readonly opts: SessionStoreOptions) {
    // A key of its own, so a session's CSRF token can never pass as a unit's link or the other way round.
    this.key = createHmac('sha256', opts.secret).update('chidao/office-session').digest();
    this.reload();
  }

  private mac(s: string): string {
    return b64(createHmac('sha256', this.key).update(s).digest());
  }

  private idOf(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  create(who: { login: string; name: string; generation: number }, now: number): string {
    this.reload();
    const token = b64(randomBytes(32));
    this.sessions.set(this.idOf(token), {
      id: this.idOf(token),
      login: who.login,
      name: who.name,
      generation: who.generation,
      createdAt: now,
      lastSeen: now,
    });
    this.persist(now);
    return token;
  }

  /** The live session behind a cookie's token, touched; undefined if unknown, ended, idle or refused by `valid`. */
  read(token: string | undefined, now: number, valid: (s: Session) => boolean): Session | undefined {
    if (!token || token.length > 100) return undefined;
    const id = this.idOf(token);
    if (!this.sessions.has(id)) this.reload();
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (!this.live(s, now) || !valid(s)) {
      this.sessions.delete(id);
      this.persist(now);
      return undefined;
    }
    const stale = now - s.lastSeen > 60_000;
    s.lastSeen = now;
    // Persist the touch at most once a minute: idle expiry is precise to a minute across processes.
    if (stale) this.persist(now);
    return s;
  }

  destroy(token: string | undefined, now: number): void {
    if (!token) return;
    this.reload();
    if (this.sessions.delete(this.idOf(token))) this.persist(now);
  }

  csrf(session: Session): string {
    return this.mac(`csrf:${session.id}`);
  }

  get size(): number {
    return this.sessions.size;
  }

  private live(s: Session, now: number): boolean {
    return now - s.lastSeen <= this.opts.idleMs && now - s.createdAt <= this.opts.ttlMs;
  }

  private reload(): void {
    const file = this.opts.file;
    if (!file) return;
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      return;
    }
    if (mtime === this.loadedMtime) return;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Session[];
      this.sessions = new Map(data.map((s) => [s.id, s]));
      this.loadedMtime = mtime;
    } catch {
      // A damaged file logs everyone out; it is rewritten on the next login.
      this.sessions = new Map();
    }
  }

  private persist(now: number): void {
    for (const [id, s] of this.sessions) if (!this.live(s, now)) this.sessions.delete(id);
    const max = this.opts.maxSessions ?? 1000;
    if (this.sessions.size > max) {
      const oldest = [...this.sessions.values()]
        .sort((a, b) => a.lastSeen - b.lastSeen)
        .slice(0, this.sessions.size - max);
      for (const s of oldest) this.sessions.delete(s.id);
    }
    const file = this.opts.file;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.sessions.values()]), { mode: 0o600 });
    renameSync(tmp, file);
    this.loadedMtime = statSync(file).mtimeMs;
  }
}
