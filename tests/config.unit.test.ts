import { describe, expect, it } from 'vitest';
import { loadConfig, MIN_SECRET_LENGTH, requireSecret } from '../src/config';

/** A start-up that reads a wrong setting must say which one and why, in words an administrator can act on. */
describe('configuration errors', () => {
  it('an empty environment gives the documented defaults', () => {
    const c = loadConfig({});
    expect(c.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(c.CHIDAO_TASK_QUEUE).toBe('chidao');
    expect(c.CHIDAO_AUDIT_STORE).toBe('file');
    expect(c.CHIDAO_SEARCH_ATTRIBUTES).toBe(true);
    expect(c.CHIDAO_LINK_SECRET).toBeUndefined();
  });

  it('names every invalid variable on a line of its own under one heading', () => {
    let message = '';
    try {
      loadConfig({ CHIDAO_SMTP_URL: 'not a url', CHIDAO_BATCH_SIZE: '0', CHIDAO_AUDIT_STORE: 'mysql' });
    } catch (e) {
      message = (e as Error).message;
    }
    const [heading, ...lines] = message.split('\n');
    expect(heading).toBe('Cấu hình không hợp lệ:');
    expect(lines.map((l) => l.trim().split(':')[0]).sort()).toEqual([
      'CHIDAO_AUDIT_STORE',
      'CHIDAO_BATCH_SIZE',
      'CHIDAO_SMTP_URL',
    ]);
    for (const l of lines) expect(l).toMatch(/^ {2}CHIDAO_\w+: \S/);
  });

  it('the old shared Office password is refused, saying what replaced it, in Vietnamese', () => {
    expect(() => loadConfig({ CHIDAO_OFFICE_PASSWORD: 'mat-khau-chung-cu' })).toThrow(
      'Cấu hình không hợp lệ:\n  CHIDAO_OFFICE_PASSWORD: không còn dùng: mỗi người đăng nhập bằng tài khoản riêng (tạo bằng chidao user add … --role …); hãy bỏ biến này',
    );
    expect(loadConfig({}).CHIDAO_OFFICE_PASSWORD).toBeUndefined();
  });

  it.each([
    ['CHIDAO_SEARCH_ATTRIBUTES', 'yes'],
    ['CHIDAO_WEB_PORT', '70000'],
    ['CHIDAO_SESSION_IDLE_MINUTES', '481'],
    ['CHIDAO_WORKER_CACHE_SIZE', '1'],
    ['CHIDAO_SEND_RATE', '-1'],
  ])('%s=%s is refused and named', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Cấu hình không hợp lệ:\\n  ${name}: `));
  });

  it('booleans take true/false/1/0', () => {
    expect(loadConfig({ CHIDAO_SEARCH_ATTRIBUTES: '0' }).CHIDAO_SEARCH_ATTRIBUTES).toBe(false);
    expect(loadConfig({ TEMPORAL_TLS: '1' }).TEMPORAL_TLS).toBe(true);
  });
});

describe('required secrets', () => {
  const good = 'f3b1c9d27a4e8061b5c2d9e7a3f40816';

  it('a missing secret stops the start and says how to make one', () => {
    expect(() => requireSecret(undefined, 'CHIDAO_LINK_SECRET')).toThrow(
      `Thiếu CHIDAO_LINK_SECRET: đặt một chuỗi ngẫu nhiên ít nhất ${MIN_SECRET_LENGTH} ký tự (tạo bằng: openssl rand -hex 32).`,
    );
    expect(() => requireSecret('', 'CHIDAO_SESSION_SECRET')).toThrow(/^Thiếu CHIDAO_SESSION_SECRET:/);
  });

  it('a short secret gives its length and the minimum', () => {
    expect(() => requireSecret('abcdefghij', 'CHIDAO_SESSION_SECRET')).toThrow(
      'CHIDAO_SESSION_SECRET quá ngắn (10 ký tự): cần ít nhất 32 ký tự ngẫu nhiên (tạo bằng: openssl rand -hex 32).',
    );
  });

  it.each([
    ['the old development default', 'dev-only-secret-change-me-in-production'],
    ['a repeated character', 'a'.repeat(40)],
    ['seven distinct characters', 'abcdefg'.repeat(6)],
  ])('%s is refused as guessable', (_t, value) => {
    expect(() => requireSecret(value, 'CHIDAO_LINK_SECRET')).toThrow(
      'CHIDAO_LINK_SECRET là giá trị mẫu hoặc dễ đoán: hãy đặt một chuỗi ngẫu nhiên (tạo bằng: openssl rand -hex 32).',
    );
  });

  it('a random secret of 32 characters is returned as given', () => {
    expect(good).toHaveLength(MIN_SECRET_LENGTH);
    expect(requireSecret(good, 'CHIDAO_LINK_SECRET')).toBe(good);
  });
});
