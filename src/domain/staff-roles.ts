/**
 * Who may do what in the Office. A role is a set of permissions; a person may hold several roles. Every
 * way in (pages, CLI, API) asks `can` before it acts, so the table below is the one place to read.
 */
export const STAFF_ROLES = ['quan-tri', 'van-thu', 'chuyen-vien', 'lanh-dao', 'kiem-toan'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
  'quan-tri': 'Quản trị',
  'van-thu': 'Văn thư',
  'chuyen-vien': 'Chuyên viên theo dõi',
  'lanh-dao': 'Lãnh đạo',
  'kiem-toan': 'Kiểm toán',
};

export const PERMISSIONS = [
  /** See runs, units and their timelines. */
  'runs.view',
  /** Start a dissemination. */
  'runs.start',
  /** Record an acknowledgement or a report a unit gave by phone or paper; correct an address. */
  'units.record',
  /** Accept or return a report, answer a difficulty, grant an extension. */
  'units.follow-up',
  /** Recall or close a run. */
  'runs.decide',
  /** Read, export and verify the audit trail. */
  'audit.read',
  /** Accounts, calendar file, registries, settings. */
  'admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const PERMISSION_LABELS: Record<Permission, string> = {
  'runs.view': 'xem các đợt gửi',
  'runs.start': 'bắt đầu đợt gửi',
  'units.record': 'ghi nhận thay đơn vị và sửa địa chỉ',
  'units.follow-up': 'duyệt báo cáo, trả lời vướng mắc, gia hạn',
  'runs.decide': 'thu hồi hoặc kết thúc đợt gửi',
  'audit.read': 'xem và xuất nhật ký kiểm toán',
  admin: 'quản trị tài khoản, lịch và danh bạ',
};

const GRANTS: Record<StaffRole, readonly Permission[]> = {
  'quan-tri': ['runs.view', 'admin'],
  'van-thu': ['runs.view', 'runs.start', 'units.record'],
  'chuyen-vien': ['runs.view', 'units.follow-up'],
  // A leader sees everything, the audit trail included, and decides on runs.
  'lanh-dao': ['runs.view', 'runs.decide', 'audit.read'],
  'kiem-toan': ['runs.view', 'audit.read'],
};

export function can(roles: readonly StaffRole[], permission: Permission): boolean {
  return roles.some((r) => GRANTS[r]?.includes(permission));
}

/** The roles that grant a permission, for a refusal that says whom to ask. */
export function rolesGranting(permission: Permission): StaffRole[] {
  return STAFF_ROLES.filter((r) => GRANTS[r].includes(permission));
}

/** "Văn thư, Lãnh đạo" */
export const roleNames = (roles: readonly StaffRole[]): string => roles.map((r) => STAFF_ROLE_LABELS[r]).join(', ');

/** The Vietnamese refusal when someone lacks a permission. */
export function refusalFor(permission: Permission): string {
  return `Tài khoản không có quyền ${PERMISSION_LABELS[permission]}; việc này cần vai trò ${roleNames(rolesGranting(permission))}.`;
}
