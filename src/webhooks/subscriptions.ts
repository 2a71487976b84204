import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LockedJsonMap } from '../files/locked-json-map';

/** A system that wants to hear of events: where, which events, and the secret its deliveries are signed with. */
export interface Subscription {
  id: string;
  url: string;
  /** Event types (see eventType); empty for all. */
  events: string[];
  /** Standard Webhooks format: "whsec_" and the base64 of 32 random bytes. Kept only here (mode 0600). */
  secret: string;
  createdAt: string;
  removedAt?: string;
}

export class WebhookRefusal extends Error {
  override name = 'WebhookRefusal';
}

const MAX = 100;

/** `webhooks.json` under CHIDAO_DATA_DIR, written by `chidao webhook`, read by the workers. */
export class Subscriptions {
  private readonly map: LockedJsonMap<Subscription>;
  private cache: { stamp: string; live: Subscription[] } | undefined;

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.map = new LockedJsonMap<Subscription>(join(dataDir, 'webhooks.json'), (s) => s.id, {
      count: MAX,
      refusal: () => new WebhookRefusal(`Đã có ${MAX} địa chỉ nhận sự kiện, không thêm được nữa.`),
    });
  }

  add(url: string, events: string[]): Subscription {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new WebhookRefusal(`Địa chỉ "${url.slice(0, 200)}" không phải URL.`);
    }
    // A password in the URL would travel into logs and failures; fetch refuses such URLs anyway.
    if (u.username || u.password)
      throw new WebhookRefusal('Địa chỉ nhận sự kiện không được chứa tên đăng nhập hay mật khẩu.');
    if (u.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
      throw new WebhookRefusal('Địa chỉ nhận sự kiện phải là https (http chỉ dùng cho máy này khi thử nghiệm).');
    const s: Subscription = {
      id: randomBytes(6).toString('hex'),
      url: u.href,
      events: [...new Set(events.map((e) => e.trim()).filter(Boolean))].slice(0, 50),
      secret: `whsec_${randomBytes(32).toString('base64')}`,
      createdAt: new Date(this.now()).toISOString(),
    };
    this.map.update(s.id, () => ({ record: s, result: undefined }));
    return s;
  }

  remove(id: string): Subscription {
    return this.map.update(id, (s) => {
      if (!s) throw new WebhookRefusal(`Không có địa chỉ nhận sự kiện ${id}.`);
      const record = { ...s, removedAt: s.removedAt ?? new Date(this.now()).toISOString() };
      return { record, result: record };
    });
  }

  list(): Subscription[] {
    return this.map.list();
  }

  get(id: string): Subscription | undefined {
    return this.map.get(id);
  }

  /**
   * The live subscriptions wanting an event type, read again only when the file changed. A file that does
   * not parse keeps the last good list: a broken settings file must not stop every run's audit records.
   */
  wanting(type: string): Subscription[] {
    let stamp: string;
    try {
      const st = statSync(this.map.file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return [];
    }
    if (this.cache?.stamp !== stamp)
      try {
        this.cache = { stamp, live: this.map.list().filter((s) => !s.removedAt) };
      } catch {
        this.cache = { stamp, live: this.cache?.live ?? [] };
      }
    return this.cache.live.filter((s) => !s.events.length || s.events.includes(type));
  }
}
