import type { YAMLError } from 'yaml';

// --- YAML syntax ------------------------------------------------------------------------------------

/**
 * The parser's error in Vietnamese. Keyed by the `yaml` package's error codes; within a code, the
 * commonest cases get their own sentence, recognised by the parser's English text.
 */
export function yamlErrorMessage(e: Pick<YAMLError, 'code' | 'message' | 'pos'>, text: string): string {
  const m = e.message;
  const q = (s: string) => `"${s}"`;
  const line = text.slice(e.pos[0]).split('\n', 1)[0]!;
  // The word the parser stopped at (its range is often a single character).
  const at = q(/^([^\s,:[\]{}#]{1,40}|\S)/.exec(line)?.[1] ?? '');
  // The parser points at the start of a duplicate key; the key runs to its ":".
  const key = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|.*?)\s*:(\s|$)/.exec(line)?.[1]?.replace(/^(["'])(.*)\1$/, '$2');
  const said = (() => {
    switch (e.code) {
      case 'ALIAS_PROPS':
        return 'bí danh (*…) không được kèm neo (&…) hay thẻ (!…)';
      case 'BAD_ALIAS':
        return /ending in :/.test(m)
          ? 'tên neo hoặc bí danh không được kết thúc bằng ":"; thêm dấu cách trước ":"'
          : 'neo (&) hoặc bí danh (*) thiếu tên';
      case 'BAD_DIRECTIVE':
        return 'chỉ thị YAML (dòng bắt đầu bằng "%") không hợp lệ';
      case 'BAD_DQ_ESCAPE':
        return `chuỗi trong ngoặc kép có chuỗi thoát không hợp lệ ${q(m.replace(/^.*sequence /, ''))}; viết "\\\\" cho dấu "\\", hoặc dùng ngoặc đơn '…'`;
      case 'BAD_INDENT':
        if (/Flow (sequence|mapping) in block collection/.test(m))
          return `ngoặc ${/sequence/.test(m) ? '"[" chưa được đóng bằng "]"' : '"{" chưa được đóng bằng "}"'}, hoặc dòng tiếp theo thụt lề chưa đủ`;
        if (/same column/.test(m)) return 'thụt lề không đều: các mục cùng cấp phải bắt đầu ở cùng một cột';
        return 'thụt lề không đúng: dòng này phải thụt vào nhiều hơn dòng cha của nó';
      case 'BAD_PROP_ORDER':
        return 'neo (&…) và thẻ (!…) phải đứng sau dấu "-", "?" hoặc ":"';
      case 'BAD_SCALAR_START':
        return `giá trị không được bắt đầu bằng ký tự ${q(m.slice(-1))}; hãy đặt giá trị trong ngoặc kép`;
      case 'BLOCK_AS_IMPLICIT_KEY':
        return /compact mappings/.test(m)
          ? 'hai dấu ":" trên cùng một dòng (kiểu "a: b: c"), hoặc dòng sau thụt lề sai; nếu giá trị chứa ": ", hãy đặt nó trong ngoặc kép'
          : 'một danh sách không thể làm khóa; có thể thiếu dấu ":" hoặc thụt lề sai';
      case 'BLOCK_IN_FLOW':
        return 'trong ngoặc [ ] hoặc { } các mục phải cách nhau bằng dấu ","; nếu giá trị chứa ", " hoặc ": ", hãy đặt nó trong ngoặc kép';
      case 'DUPLICATE_KEY':
        return `khóa ${key === undefined ? at : q(key)} bị lặp: mỗi khóa chỉ được ghi một lần trong cùng một mục`;
      case 'IMPOSSIBLE':
        return 'cấu trúc tệp không đọc được ở đây; hãy kiểm tra thụt lề và các dấu ngoặc, dấu "|" hoặc ">"';
      case 'KEY_OVER_1024_CHARS':
        return 'khóa dài quá 1024 ký tự: có thể thiếu dấu ":" hoặc một ngoặc chưa đóng';
      case 'MISSING_CHAR':
        if (/closing "quote/.test(m)) return 'thiếu dấu ngoặc kép đóng (")';
        if (/closing 'quote/.test(m)) return "thiếu dấu nháy đơn đóng (')";
        if (/Missing , or :/.test(m)) return 'thiếu dấu "," hoặc ":" giữa các mục trong ngoặc';
        if (/Missing ,/.test(m)) return 'thiếu dấu "," giữa các mục trong ngoặc';
        if (/space after :/.test(m)) return 'thiếu dấu cách sau ":"';
        if (/followed by map values/.test(m)) return 'khóa thiếu dấu ":" và giá trị';
        if (/Comments must be separated/.test(m)) return 'chú thích (#) phải cách nội dung đứng trước một dấu cách';
        if (/Sequence item without -/.test(m)) return 'mục danh sách thiếu dấu "-"';
        if (/Tags and anchors must be separated/.test(m))
          return 'neo (&…) hoặc thẻ (!…) phải cách nội dung sau nó một dấu cách';
        if (/end with ([\]}])/.test(m)) return `thiếu dấu đóng ngoặc "${/end with ([\]}])/.exec(m)![1]}"`;
        return 'thiếu một ký tự bắt buộc (dấu ngoặc đóng, ",", ":" hoặc "-")';
      case 'MULTILINE_IMPLICIT_KEY':
        return 'khóa phải nằm trọn trên một dòng: có thể dòng trên thiếu dấu ":", thụt lề sai hoặc còn ngoặc chưa đóng';
      case 'MULTIPLE_ANCHORS':
        return 'một mục chỉ được có một neo (&…)';
      case 'MULTIPLE_TAGS':
        return 'một mục chỉ được có một thẻ (!…)';
      case 'MULTIPLE_DOCS':
        return 'tệp chứa nhiều văn bản YAML (ngăn cách bởi "---"); mỗi tệp chỉ được chứa một';
      case 'NON_STRING_KEY':
        return 'khóa phải là chuỗi ký tự';
      case 'RESOURCE_EXHAUSTION':
        return 'tệp lồng quá nhiều cấp, không đọc được';
      case 'TAB_AS_INDENT':
        return 'không được thụt lề bằng phím Tab; hãy dùng dấu cách';
      case 'TAG_RESOLVE_FAILED':
        return `thẻ YAML không được hỗ trợ ${q(m.replace(/^.*: /, ''))}`;
      case 'BAD_COLLECTION_TYPE':
        return 'thẻ YAML không hợp với kiểu của mục (danh sách hay bảng)';
      case 'UNEXPECTED_TOKEN':
        if (/Unexpected , in/.test(m)) return 'dấu "," thừa hoặc không đúng chỗ';
        if (/empty item/.test(m)) return 'mục rỗng trong ngoặc (hai dấu "," liền nhau?)';
        if (/Unexpected [\]}]/.test(m)) return `dấu đóng ngoặc ${q(/Unexpected ([\]}])/.exec(m)?.[1] ?? '')} thừa`;
        return `nội dung ${at} không đúng chỗ: có thể thụt lề sai, thiếu dấu "-" hoặc ":", hoặc giá trị cần đặt trong ngoặc kép`;
      default:
        return `cú pháp không đúng (${e.code})`;
    }
  })();
  return `YAML không hợp lệ: ${said}`;
}
