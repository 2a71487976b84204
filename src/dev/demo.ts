import { parseArgs } from 'node:util';
import { startStack } from './stack';
import { exitAfterFlush, stopOnSignal } from './process-exit';
import { loadPlan } from '../files/load';
import { WorkingCalendar } from '../domain/calendar';
import { policySchema } from '../domain/policy';
import { directiveKey } from '../domain/directive';
import { runWorkflowId } from '../workflows/ids';
import { Office } from '../office';
import { renderStatus } from '../cli/render';
import { progress } from '../cli/progress';
import { postfixBounce, unitReply } from './demo-mail';

/**
 * npm run demo: the seed directive 4432/TCTHADS-VP to the 2023 registry, on a fresh in-memory Temporal
 * and a real SMTP server. Deadlines are shortened to minutes (ISO 8601) so reminders show up while
 * you watch; everything else is the real path.
 */
const { values } = parseArgs({
  // --temporal 127.0.0.1:7433: on the cluster of `npm run cluster` instead of a fresh dev server.
  options: { once: { type: 'boolean' }, temporal: { type: 'string' } },
  strict: true,
});

const DIRECTIVE = 'examples/4432-TCTHADS-VP.yaml';
const REGISTRY = 'examples/units-thads-2023.yaml';

const stack = await startStack({
  persistent: false,
  dataDir: '.data/demo',
  ...(values.temporal ? { temporalAddress: values.temporal } : {}),
}).catch((e) => {
  console.error(`Lỗi: ${(e as Error).message}`);
  return exitAfterFlush(1);
});
let exitCode = 0;
let runKey = '2023-4432-TCTHADS-VP';
const runExists = (key: string) =>
  stack.client.workflow
    .getHandle(runWorkflowId(key))
    .describe()
    .then(
      () => true,
      (e: Error) => {
        if (e.name === 'WorkflowNotFoundError') return false;
        throw e;
      },
    );
try {
  const plan = loadPlan(DIRECTIVE, REGISTRY, { now: Date.now(), calendar: new WorkingCalendar() });
  plan.directive.policy = policySchema.parse({
    acknowledge: { due: 'PT2M' },
    reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả triển khai', due: 'PT10M' }],
    reminders: ['PT1M', 'PT30S'],
    escalation: [
      { after: 'PT30S', notify: 'head' },
      { after: 'PT2M', notify: 'leader' },
      { after: 'PT4M', notify: 'office' },
    ],
    digest: { every: 'PT5M' },
  });
  // A cluster keeps earlier demos' runs, and a directive is disseminated once: take the next free number.
  while (values.temporal && (await runExists(directiveKey(plan.directive)))) plan.directive.number += 1;
  console.log(
    `\nGửi ${plan.directive.number}/${plan.directive.symbol} tới ${plan.recipients.length} nơi nhận (hạn rút ngắn cho bản trình diễn: xác nhận trong 2 phút, báo cáo trong 10 phút).`,
  );
  const bar = progress(process.stderr, 'Thêm nơi nhận');
  // The same Office service the CLI and the pages use.
  const office = new Office(stack.client, {
    taskQueue: stack.config.CHIDAO_TASK_QUEUE,
    searchAttributes: true,
    batchSize: stack.config.CHIDAO_BATCH_SIZE,
    dataDir: stack.config.CHIDAO_DATA_DIR,
  });
  const key = directiveKey(plan.directive);
  runKey = key;
  await office.start(plan, { onProgress: bar.update });
  bar.done();

  // Wait until every implementing unit's email has been accepted by SMTP.
  const implementers = plan.recipients.filter((r) => r.role === 'implement');
  const until = Date.now() + 120_000;
  let rows = (await office.rows(key)).rows;
  while (rows.filter((r) => r.stage !== 'dispatching').length < implementers.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    rows = (await office.rows(key)).rows;
  }

  // Some units answer. Half of them click the acknowledgement link in the email they received (a real
  // HTTP POST to our pages); the others phoned, and the Office records it for them.
  const phone = { channel: 'office' as const, by: 'Văn phòng (ghi nhận qua điện thoại)' };
  const acking = implementers.filter((_, i) => i % 4 === 0);
  const inbox = (await (await fetch(`${stack.urls.mailApi}/email`)).json()) as {
    text: string;
    to: { address: string }[];
    headers: Record<string, string>;
  }[];
  const viaLink = await Promise.all(
    acking.map(async (r, i) => {
      const mail = inbox.find(
        (m) => m.headers['x-chidao-kind'] === 'dispatch' && m.to.some((t) => r.emails.includes(t.address)),
      );
      const link = mail && /(http\S+\/u\/acknowledge\?t=[\w.-]+)/.exec(mail.text)?.[1];
      if (i % 2 === 0 && link) {
        const res = await fetch(link, { method: 'POST', headers: { 'user-agent': 'Mozilla/5.0 (chidao-demo)' } });
        return res.ok;
      }
      await office.acknowledge({ key, unit: r.code, by: phone });
      return false;
    }),
  );
  const report = 'Đã tổ chức quán triệt Luật Thực hiện dân chủ ở cơ sở tới toàn thể công chức.';
  await office.report({ key, unit: acking[1]!.code, by: phone, text: report });
  const difficulty = 'Đề nghị hướng dẫn mẫu Quy chế dân chủ cập nhật theo Nghị định 59/2023/NĐ-CP.';
  await office.raiseDifficulty({ key, unit: acking[2]!.code, by: phone, text: difficulty });
  console.log(
    `\n${viaLink.filter(Boolean).length} đơn vị xác nhận qua liên kết trong thư, ${viaLink.filter((x) => !x).length} đơn vị do Văn phòng ghi nhận thay.`,
  );

  // Mail that comes back: one unit's address bounces after the relay took the message, and another unit
  // simply replies "Đã nhận". Both land in the Office's inbox, which the worker reads.
  let bouncedCode: string | undefined;
  if (stack.imap) {
    const officeBox = 'chidao@thads.example.gov.vn';
    const dispatchTo = (r: (typeof implementers)[number]) =>
      inbox.find((m) => m.headers['x-chidao-kind'] === 'dispatch' && m.to.some((t) => r.emails.includes(t.address)));
    const [bounced, replying] = implementers.filter((r) => !acking.includes(r)).slice(0, 2);
    const b = bounced && dispatchTo(bounced);
    const rp = replying && dispatchTo(replying);
    if (b && rp) {
      bouncedCode = bounced.code;
      await stack.imap.deliver(
        postfixBounce({
          messageId: b.headers['message-id']!,
          check: b.headers['x-chidao-check']!,
          rcpt: b.to[0]!.address,
          office: officeBox,
        }),
      );
      await stack.imap.deliver(
        await unitReply({
          messageId: rp.headers['message-id']!,
          from: rp.to[0]!.address,
          office: officeBox,
          text: 'Đơn vị đã nhận công văn.',
        }),
      );
      const seen = Date.now() + 60_000;
      while (office.inbound().length < 2 && Date.now() < seen) await new Promise((r) => setTimeout(r, 500));
      for (const m of office.inbound()) console.log(`\nThư đến: ${m.detail}`);
      if (office.inbound().length < 2) exitCode = 1;
    }
  }

  const { status, rows: finalRows } = await office.rows(key);
  console.log('\n' + renderStatus(status, finalRows, Date.now()));
  const mails = (await (await fetch(`${stack.urls.mailApi}/email`)).json()) as unknown[];
  // The unit whose address bounced was reached first: its mail left, then came back.
  const dispatched =
    finalRows.filter((r) => r.stage !== 'dispatching' && (r.stage !== 'undeliverable' || r.code === bouncedCode))
      .length + status.info.filter((i) => i.delivered).length;
  console.log(
    `\nĐã gửi văn bản tới ${dispatched}/${plan.recipients.length} nơi nhận; hộp thư SMTP đã nhận ${mails.length} thư.`,
  );
  // Each recipient's email must be in the SMTP server's mailbox, not only marked as sent.
  if (dispatched !== plan.recipients.length || mails.length < plan.recipients.length) exitCode = 1;
} catch (e) {
  console.error(`Lỗi: ${(e as Error).message}`);
  exitCode = 1;
}

if (values.once || exitCode) {
  await stack.stop();
  await exitAfterFlush(exitCode);
}
console.log(
  `\nHệ thống vẫn chạy để bạn xem: thư tại ${stack.urls.mailUi}` +
    (values.temporal ? ` (cụm Temporal ${values.temporal}),` : `, workflow tại ${stack.urls.temporalUi},`),
);
console.log(`bảng điều khiển Văn phòng tại ${stack.urls.web}/office/run/${runKey}.`);
console.log(
  `Bắt đầu đợt gửi thứ hai từ trình duyệt: ${stack.urls.web}/office/runs/new (tài khoản vanthu: tải lên tệp công văn đã ký, điền số, trích yếu, nhiệm vụ, chọn nơi nhận trong danh mục).`,
);
console.log(`Thử: npx chidao status ${runKey}   (Ctrl-C để dừng)`);
stopOnSignal('\nĐang dừng…', () => stack.stop());
