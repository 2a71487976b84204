import { describe, expect, it } from 'vitest';
import { directiveSchema } from '../../src/domain/directive';
import { loadRegistry } from '../../src/files/load';
import { directiveFromForm, tasksFrom, type RunForm } from '../../src/web/office/new-run-fields';

const registry = loadRegistry('examples/units-thads-2023.yaml');

const filled = (over: Record<string, string> = {}, picks = ['group:cuc-thads-tinh', 'unit:TCT']): RunForm => ({
  fields: {
    number: '4501',
    symbol: 'tcthads-vp',
    date: '2023-11-22',
    place: 'Hà Nội',
    subject: 'hướng dẫn triển khai Luật thực hiện dân chủ ở cơ sở',
    urgency: 'khan',
    confidentiality: 'thuong',
    issuerName: 'Tổng cục Thi hành án dân sự',
    issuerCode: 'TCTHADS',
    issuerParent: 'Bộ Tư pháp',
    office: 'VP',
    signerAuthority: 'KT.',
    signerAuthorityTitle: 'Tổng Cục trưởng',
    signerTitle: 'Phó Tổng cục trưởng',
    signerName: 'Nguyễn Văn Sơn',
    tasks: '1. Quán triệt Luật.\n2. Báo cáo kết quả\nvề Văn phòng.',
    contactUnit: 'Văn phòng Tổng cục',
    'purpose:unit:TCT': 'để b/c',
    esc1Notify: 'head',
    esc2Notify: 'leader',
    esc3Notify: 'office',
    ...over,
  },
  picks,
});

describe('the new-run form as a directive', () => {
  it('a filled form is a directive the schema accepts; empty policy fields are left to the urgency', () => {
    const { directive, errors } = directiveFromForm(filled(), registry);
    expect(errors).toEqual({});
    const d = directiveSchema.parse(directive);
    expect(d).toMatchObject({
      number: 4501,
      symbol: 'TCTHADS-VP',
      subject: 'V/v hướng dẫn triển khai Luật thực hiện dân chủ ở cơ sở',
      urgency: 'khan',
      tasks: [
        { no: 1, text: 'Quán triệt Luật.' },
        { no: 2, text: 'Báo cáo kết quả\nvề Văn phòng.' },
      ],
      recipients: [
        { group: 'cuc-thads-tinh', purpose: 'Như trên' },
        { unit: 'TCT', purpose: 'để b/c' },
      ],
    });
    expect(d.policy).toBeUndefined();
  });

  it('policy fields written become the policy; each wrong one is named by its field', () => {
    const ok = directiveFromForm(
      filled({
        ackDue: '2 ngày làm việc',
        reportTitle: 'Báo cáo',
        reportDue: '2023-12-15',
        reminders: '1 ngày, 2 giờ',
        esc1After: '1 ngày làm việc',
      }),
      registry,
    );
    expect(ok.directive?.policy).toEqual({
      acknowledge: { due: '2 ngày làm việc' },
      reports: [{ id: 'ket-qua', title: 'Báo cáo', due: '2023-12-15' }],
      reminders: ['1 ngày', '2 giờ'],
      escalation: [{ after: '1 ngày làm việc', notify: 'head' }],
    });
    const bad = directiveFromForm(
      filled(
        { ackDue: 'mai', reportTitle: 'Báo cáo', reminders: '1 tuần', esc2After: 'sau', number: '-3', signerName: '' },
        [],
      ),
      registry,
    );
    expect(bad.directive).toBeUndefined();
    expect(Object.keys(bad.errors).sort()).toEqual(
      ['ackDue', 'esc2After', 'number', 'recipients', 'reminders', 'reportDue', 'signerName'].sort(),
    );
    expect(bad.errors.ackDue).toMatch(/^Hạn xác nhận: hạn không hợp lệ "mai"/);
    expect(bad.errors.recipients).toBe('Chọn ít nhất một nơi nhận.');
  });

  it('up to three reports, each with its own deadline; a row half filled is refused beside the missing box', () => {
    const two = directiveFromForm(
      filled({
        reportTitle: 'Báo cáo quán triệt',
        reportDue: '5 ngày làm việc',
        report3Title: 'Báo cáo kết quả năm',
        report3Due: '2024-12-15',
      }),
      registry,
    );
    expect(two.errors).toEqual({});
    expect(two.directive?.policy).toEqual({
      reports: [
        { id: 'ket-qua', title: 'Báo cáo quán triệt', due: '5 ngày làm việc' },
        { id: 'ket-qua-3', title: 'Báo cáo kết quả năm', due: '2024-12-15' },
      ],
    });
    expect(directiveSchema.parse(two.directive).policy?.reports).toHaveLength(2);
    const half = directiveFromForm(filled({ report2Title: 'Báo cáo giữa kỳ', report3Due: 'sau' }), registry);
    expect(half.directive).toBeUndefined();
    expect(half.errors).toEqual({
      report2Due: 'Cần hạn báo cáo (hoặc để trống cả hai ô của báo cáo này).',
      report3Title: 'Cần tên báo cáo (hoặc để trống cả hai ô của báo cáo này).',
      report3Due: expect.stringMatching(/^Hạn báo cáo: /),
    });
  });

  it('the requireView box becomes policy.requireView, and only when ticked', () => {
    expect(directiveFromForm(filled({ requireView: '1' }), registry).directive?.policy).toEqual({ requireView: true });
    expect(directiveFromForm(filled(), registry).directive?.policy).toBeUndefined();
  });

  it('a secret document is refused beside Độ mật, with the reason; a pick outside the registry is refused', () => {
    const r = directiveFromForm(filled({ confidentiality: 'mat' }, ['unit:KHONG-CO']), registry);
    expect(r.errors.confidentiality).toMatch(/^Văn bản mật không gửi qua chidao/);
    expect(r.errors.recipients).toBe('Nơi nhận không có trong danh mục: unit:KHONG-CO.');
    // Copies alone are not a dissemination: someone must carry it out.
    expect(directiveFromForm(filled({}, ['unit:TCT']), registry).errors.recipients).toMatch(
      /^Cần ít nhất một nơi nhận thực hiện \(mục đích "Như trên"\)/,
    );
  });

  it('a field past 20,000 characters is refused beside it', () => {
    const r = directiveFromForm(filled({ preamble: 'x'.repeat(20_001) }), registry);
    expect(r.directive).toBeUndefined();
    expect(r.errors).toEqual({ preamble: 'Ô này dài quá 20.000 ký tự.' });
  });

  it('tasks pasted as numbered items or as paragraphs', () => {
    expect(tasksFrom('1. Một.\n2) Hai\ndòng hai.\n3. Ba.')).toEqual([
      { no: 1, text: 'Một.' },
      { no: 2, text: 'Hai\ndòng hai.' },
      { no: 3, text: 'Ba.' },
    ]);
    expect(tasksFrom('Đoạn một.\n\nĐoạn hai.')).toEqual([
      { no: 1, text: 'Đoạn một.' },
      { no: 2, text: 'Đoạn hai.' },
    ]);
    expect(tasksFrom('  ')).toEqual([]);
  });
});
