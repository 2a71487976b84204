/** `chidao --help`: every command, in the words a clerk uses. */
export const USAGE = `chidao: theo dõi việc thực hiện công văn chỉ đạo

Cách dùng:
  chidao start <công-văn.yaml> --registry <danh-mục.yaml|mã> [--dry-run [--at <ngày gửi>]] [--calendar <tệp>]
                                              --dry-run --at 2024-04-25: lập kế hoạch như thể gửi ngày đó
  chidao calendar [<năm>] [--calendar <tệp>]   ngày nghỉ lễ, Tết, thứ Bảy làm bù, số ngày làm việc và nguồn
  chidao calendar apply <tệp lịch> [<văn bản>]
                                              đưa lịch nghỉ mới tới các đơn vị đang theo dõi; tính lại thời hạn
  chidao status <văn bản> [--json] [--overdue] [--unit <mã đơn vị>]
  chidao overdue <văn bản> [--json]
  chidao ack <văn bản> <mã đơn vị>
  chidao report <văn bản> <mã đơn vị> --text <nội dung> [--file <tệp>]
  chidao accept <văn bản> <mã đơn vị>
  chidao return <văn bản> <mã đơn vị> --reason <lý do> --due <hạn mới>
  chidao extend <văn bản> <mã đơn vị> --until <hạn mới> [--reason <lý do>]
  chidao answer <văn bản> <mã đơn vị> <số vướng mắc> --text <trả lời>
  chidao address <văn bản> <mã đơn vị> <email> [<email>…]
  chidao resend <văn bản> <mã đơn vị>          gửi lại văn bản tới địa chỉ hiện có (đơn vị báo chưa nhận được)
  chidao recall <văn bản> --reason <lý do>
  chidao close <văn bản> [--note <ghi chú>]
  chidao correct <văn bản> --kind dinh-chinh|thay-the --changes <những gì thay đổi> [--file <văn bản ký số>]
                                              đính chính / thay thế: gửi phiên bản mới tới mọi nơi nhận
  chidao correct <văn bản> --resend <phiên bản>   gửi lại phiên bản đó cho đơn vị chưa nhận
  chidao user add <tên đăng nhập> --name <họ tên> --role <vai trò> [--role …] [--title <chức vụ>] [--unit <đơn vị>]
  chidao user list [--json]                    tài khoản, vai trò, trạng thái
  chidao user disable|enable <tên đăng nhập>   khóa (kết thúc ngay các phiên đang mở) hoặc mở lại
  chidao user reset-password <tên đăng nhập>   mật khẩu tạm mới; phải đổi khi đăng nhập
  chidao user roles <tên đăng nhập> <vai trò>…
                                              vai trò: quan-tri, van-thu, chuyen-vien, lanh-dao, kiem-toan
  chidao registry import <tệp .yaml|.csv|.xlsx> [--id <mã> --name <tên> --effective <ngày>]
                                              nhập phiên bản danh mục đơn vị; in những gì thay đổi
  chidao registry list | show <mã> [<ngày>] | diff <mã> <ngày> | activate <mã> <ngày>
  chidao registry template --out <mẫu.csv|.xlsx> | export <mã> --out <tệp.csv|.xlsx>
  chidao token add --name <hệ thống> --role <vai trò> [--role …]   khóa cho JSON API (/api/v1), hiện một lần
  chidao token list | revoke <mã khóa>
  chidao webhook add <url> [--event <loại>…]  báo sự kiện (acknowledged, report-submitted, sent.escalation…)
  chidao webhook list | remove <mã> | log [<mã>]
  chidao serve                                 trang cho đơn vị (liên kết ký số) và bảng điều khiển Văn phòng
  chidao audit export <văn bản> <thư mục>     lịch sử workflow + bản ghi kiểm toán, lưu lâu dài
  chidao audit replay <thư mục|văn bản>       chạy lại lịch sử bằng mã hiện tại, in dòng thời gian
  chidao audit verify <thư mục|văn bản> [--keyring <tệp>]
                                              kiểm tra chuỗi băm, chữ ký số và đối chiếu lịch sử ↔ bản ghi
  chidao audit pack <thư mục|văn bản> [--unit <mã đơn vị>] --out <tệp.pdf>
                                              hồ sơ chứng cứ (PDF) của một đơn vị hoặc cả đợt gửi
  chidao audit keygen --key <tệp> --keyring <tệp>   tạo khóa ký sổ kiểm toán (Ed25519)
  chidao audit rotate --key <tệp> --keyring <tệp>   thay khóa ký; khóa công khai cũ được giữ kèm thời hạn

Việc làm (start, ack, resend, report, accept, return, extend, answer, address, recall, close, correct, calendar apply, registry import/activate) ghi tên
tài khoản làm việc đó: --as <tên đăng nhập> hoặc biến CHIDAO_USER; tài khoản cần vai trò có quyền làm việc ấy.
<văn bản> là tệp công văn (.yaml) hoặc khóa năm-số-ký hiệu, ví dụ 2023-4432-TCTHADS-VP.
Hạn viết dạng 2023-12-15, 2023-12-15T17:00:00+07:00 hoặc "5 ngày làm việc".
Kết nối Temporal theo biến môi trường của Temporal CLI: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*.`;
