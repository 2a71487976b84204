import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The one place that reads the environment. Temporal connection settings follow the Temporal CLI's
 * variable names, so a shell set up for `temporal` works for `chidao` too.
 */
export const configSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: bool.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  CHIDAO_TASK_QUEUE: z.string().default('chidao'),
  CHIDAO_SMTP_URL: z.url().default('smtp://localhost:1025'),
  CHIDAO_MAIL_FROM: z.string().default('"Văn phòng (chidao)" <chidao@thads.example.gov.vn>'),
  /** Messages per second per worker; providers throttle bursts. */
  CHIDAO_SEND_RATE: z.coerce.number().positive().default(50),
  CHIDAO_SMTP_POOL_SIZE: z.coerce.number().int().positive().default(5),
  CHIDAO_DATA_DIR: z.string().default('.data'),
  /** Signs units' links. No default: see requireSecret. */
  CHIDAO_LINK_SECRET: z.string().optional(),
  /** Signs the Office's CSRF tokens; sessions themselves live on the server. Must differ from the link secret. */
  CHIDAO_SESSION_SECRET: z.string().optional(),
  /** An Office session ends after this long without a request (and after 8 hours in any case). */
  CHIDAO_SESSION_IDLE_MINUTES: z.coerce.number().positive().max(480).default(30),
  CHIDAO_LINK_TTL_DAYS: z.coerce.number().positive().default(90),
  /** Where units' links point: the address of `chidao serve` as the units' browsers reach it. */
  CHIDAO_PUBLIC_URL: z.url().default('http://localhost:8080'),
  CHIDAO_WEB_HOST: z.string().default('127.0.0.1'),
  CHIDAO_WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Gone: one shared password let anyone sign as anyone. A deployment that still sets it is told why. */
  CHIDAO_OFFICE_PASSWORD: z
    .undefined({
      error:
        'không còn dùng: mỗi người đăng nhập bằng tài khoản riêng (tạo bằng chidao user add … --role …); hãy bỏ biến này',
    })
    .optional(),
  CHIDAO_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  /** All report files one unit may keep on the server, summed. */
  CHIDAO_UPLOAD_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  CHIDAO_MESSAGE_ID_DOMAIN: z.string().default('chidao.local'),
  CHIDAO_SEARCH_ATTRIBUTES: bool.default(true),
  CHIDAO_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(100),
  /**
   * Workflows a worker keeps in memory between tasks. Lifecycles wait for weeks, so the SDK's default
   * (sized from the heap, ~2,300 here) holds ~2 GiB of idle units; an evicted one replays its short
   * history when it next wakes. 250 measured as fast as 500 at 10,000 units, with 300 MiB less.
   */
  CHIDAO_WORKER_CACHE_SIZE: z.coerce.number().int().min(2).default(250),
  CHIDAO_CALENDAR_FILE: z.string().optional(),
  /** The follow-up each urgency gets when a directive leaves it out (YAML; see README "Độ khẩn"). */
  CHIDAO_POLICY_FILE: z.string().optional(),
  /** The registry of units runs started in the browser are sent to (YAML, as for chidao start --registry). */
  CHIDAO_REGISTRY_FILE: z.string().optional(),
  /** Single sign-on (OpenID Connect, authorization code + PKCE): the provider's issuer URL and our client. */
  CHIDAO_OIDC_ISSUER: z.url().optional(),
  CHIDAO_OIDC_CLIENT_ID: z.string().optional(),
  CHIDAO_OIDC_CLIENT_SECRET: z.string().optional(),
  /** The ID token claim that lists a person's roles. */
  CHIDAO_OIDC_ROLES_CLAIM: z.string().default('roles'),
  /** Provider role → our role, e.g. "VP_VanThu=van-thu,VP_LanhDao=lanh-dao"; without it, names must match ours. */
  CHIDAO_OIDC_ROLE_MAP: z.string().optional(),
  /** The account the CLI's acts are done as, when --as is not given. */
  CHIDAO_USER: z.string().optional(),
  /** A workflow bundle built by `npm run bundle`; without it the worker bundles the code at start. */
  CHIDAO_WORKFLOW_BUNDLE: z.string().optional(),
  /** Where audit records go: an fsync'd JSONL file per directive under CHIDAO_DATA_DIR, or PostgreSQL. */
  CHIDAO_AUDIT_STORE: z.enum(['file', 'postgres']).default('file'),
  CHIDAO_AUDIT_PG_URL: z.string().optional(),
  /** Where accounts live: a file under CHIDAO_DATA_DIR, or PostgreSQL (every server of the Office sharing them). */
  CHIDAO_ACCOUNT_STORE: z.enum(['file', 'postgres']).default('file'),
  /** Defaults to CHIDAO_AUDIT_PG_URL. */
  CHIDAO_ACCOUNT_PG_URL: z.string().optional(),
  /** The audit writer's Ed25519 private key (PEM): it signs digests of each run's chain. Without it, none. */
  CHIDAO_AUDIT_SIGNING_KEY: z.string().optional(),
  /** The public keys auditors check digests with (`chidao audit keygen`/`rotate` keep it). */
  CHIDAO_AUDIT_KEYRING: z.string().optional(),
  /** A digest after this many records, and at this interval for chains that grew since the last one. */
  CHIDAO_AUDIT_DIGEST_EVERY: z.coerce.number().int().positive().default(100),
  CHIDAO_AUDIT_DIGEST_INTERVAL_SECONDS: z.coerce.number().positive().default(900),
  /**
   * The Office's mailbox, read for bounces and replies (imaps://user:password@host/ or imap://…); unset,
   * nothing is read. Messages handled are moved to CHIDAO_IMAP_PROCESSED_FOLDER, never deleted.
   */
  CHIDAO_IMAP_URL: z.url({ protocol: /^imaps?$/, error: 'phải có dạng imaps://tên:mật-khẩu@máy-chủ/' }).optional(),
  CHIDAO_IMAP_PROCESSED_FOLDER: z.string().min(1).max(100).default('chidao-da-xu-ly'),
  CHIDAO_IMAP_POLL_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  /** A message larger than this is not parsed; it is moved and shown to the Office. */
  CHIDAO_INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 1024 * 1024),
  /** Act on a reply only when its DKIM or SPF passed (mailauth, or the server named below). */
  CHIDAO_INBOUND_REQUIRE_AUTH: bool.default(false),
  /** The authserv-id of the Office's own mail server, whose Authentication-Results are trusted. */
  CHIDAO_INBOUND_AUTHSERV_ID: z.string().optional(),
  /** chidao as the mail server of a routed subdomain: where it listens for SMTP, and the domain it takes. */
  CHIDAO_INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CHIDAO_INBOUND_SMTP_HOST: z.string().default('127.0.0.1'),
  CHIDAO_INBOUND_SMTP_DOMAIN: z.string().optional(),
});
export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = configSchema.safeParse(env);
  if (r.success) return r.data;
  throw new Error(
    'Cấu hình không hợp lệ:\n' + r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n'),
  );
}

/** Secrets published somewhere (the old development default, the docs' placeholders) or trivially guessed. */
const KNOWN_SECRETS = new Set([
  'dev-only-secret-change-me-in-production',
  'test-secret-0123456789abcdef',
  'changeme',
  'secret',
  'password',
]);
export const MIN_SECRET_LENGTH = 32;

/**
 * A secret the process cannot run without. There is no default: a forgotten setting must stop the
 * worker or the web server at start, not sign every unit's link with a value anyone can read.
 */
export function requireSecret(value: string | undefined, name: 'CHIDAO_LINK_SECRET' | 'CHIDAO_SESSION_SECRET'): string {
  const how = `tạo bằng: openssl rand -hex 32`;
  if (!value) throw new Error(`Thiếu ${name}: đặt một chuỗi ngẫu nhiên ít nhất ${MIN_SECRET_LENGTH} ký tự (${how}).`);
  if (value.length < MIN_SECRET_LENGTH)
    throw new Error(
      `${name} quá ngắn (${value.length} ký tự): cần ít nhất ${MIN_SECRET_LENGTH} ký tự ngẫu nhiên (${how}).`,
    );
  if (KNOWN_SECRETS.has(value) || new Set(value).size < 8)
    throw new Error(`${name} là giá trị mẫu hoặc dễ đoán: hãy đặt một chuỗi ngẫu nhiên (${how}).`);
  return value;
}
