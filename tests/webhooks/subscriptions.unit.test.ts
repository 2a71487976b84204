import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Subscriptions } from '../../src/webhooks/subscriptions';

const subs = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chidao-webhooks-'));
  return { dir, s: new Subscriptions(dir) };
};

describe('webhook subscriptions', () => {
  it('refuse a URL with credentials in it, or plain http to another machine', () => {
    const { s } = subs();
    expect(() => s.add('https://vp:mat-khau@eoffice.example.gov.vn/hook', [])).toThrow(
      'Địa chỉ nhận sự kiện không được chứa tên đăng nhập hay mật khẩu.',
    );
    expect(() => s.add('http://eoffice.example.gov.vn/hook', [])).toThrow(/phải là https/);
    expect(() => s.add('không phải url', [])).toThrow(/không phải URL/);
    expect(s.list()).toEqual([]);
  });

  it('pick the receivers of an event type; a removed one or a broken file stops nothing else', () => {
    const { dir, s } = subs();
    const all = s.add('https://a.example/hook', []);
    const acks = s.add('https://b.example/hook', ['acknowledged']);
    expect(
      s
        .wanting('acknowledged')
        .map((x) => x.id)
        .sort(),
    ).toEqual([all.id, acks.id].sort());
    expect(s.wanting('recalled').map((x) => x.id)).toEqual([all.id]);
    s.remove(all.id);
    expect(s.wanting('recalled')).toEqual([]);
    // A file someone broke: the last good list stands, and no call throws into the audit path.
    writeFileSync(join(dir, 'webhooks.json'), '{ hỏng');
    expect(s.wanting('acknowledged').map((x) => x.id)).toEqual([acks.id]);
  });
});
