/**
 * Passwords too common to accept, all shipped with the hub (it often has no Internet):
 * - zxcvbn-ts's common list (`@zxcvbn-ts/language-common` 3.x, MIT): about 49,000 passwords from
 *   public breach corpora, lowercase, as a plain JSON array (4.x compresses it and adds a
 *   dependency, hence 3.x);
 * - our own list of passwords common in Vietnam (no diacritics: that is how they are typed), which
 *   that corpus barely covers: endearments, places, the commune office's own words, and the
 *   number-and-letter combinations shops and installers set.
 */
import { createRequire } from 'node:module';

/** Written for this hub from what Vietnamese users and installers commonly type. */
export const VIETNAMESE_COMMON = [
  // endearments and phrases
  'anhyeuem', 'emyeuanh', 'yeuem', 'yeuanh', 'anhyeuemnhieu', 'emyeuanhnhieu', 'yeuemnhieu', 'iloveyou', 'iuem', 'iuanh',
  'anhnhoem', 'emnhoanh', 'yeuemmaimai', 'maimaiyeuem', 'muonnamyeuem', 'tinhyeu', 'tinhyeucuatoi', 'vothuong', 'giadinh',
  'hanhphuc', 'thanhcong', 'binhan', 'matkhau', 'matkhaucuatoi', 'matkhaumoi', 'doimatkhau', 'khongbiet', 'khongcomatkhau',
  'xinchao', 'chaoban', 'hoilamgi', 'toilaai', 'bimat',
  // places
  'vietnam', 'vietnamvodich', 'vietnamoi', 'hanoi', 'hanoiyeuthuong', 'saigon', 'hochiminh', 'tphcm', 'danang', 'haiphong',
  'cantho', 'hue', 'nhatrang', 'dalat', 'vungtau', 'quangninh', 'nghean', 'thanhhoa', 'mekong',
  // the commune office, the police, the installer
  'congan', 'conganxa', 'conganphuong', 'conganhuyen', 'canhsat', 'anninh', 'uyban', 'ubnd', 'ubndxa', 'uybanxa', 'xaphuong',
  'quantri', 'quanly', 'quantrivien', 'admin', 'administrator', 'camera', 'cameraip', 'hikvision', 'dahua', 'kbvision',
  'ezviz', 'imou', 'vnpt', 'viettel', 'fpt', 'mobifone', 'vinaphone', 'wifi', 'wifimienphi', 'bomnuoc', 'tramhom',
  // common names (family and given) typed alone or with a year
  'nguyen', 'tran', 'pham', 'hoang', 'huynh', 'phan', 'dang', 'bui', 'ngo', 'duong', 'truong', 'nguyenvanan', 'nguyenvana',
  'tranvanb', 'minh', 'tuan', 'hung', 'huong', 'trang', 'linh', 'ngoc', 'thao', 'phuong', 'hoa', 'lan', 'mai', 'tuyet',
  'dung', 'dung123', 'quang', 'thanh', 'thuy', 'hieu', 'long', 'khanh', 'nam', 'bao', 'baongoc', 'anhthu',
  // keyboard and number habits seen on installed equipment
  '123456789a', 'a123456789', '123456aa', 'aa123456', '12345678a', 'a12345678', '1234567890a', 'abc123456', '123456abc',
  'qwerty123', '123qwe', '1q2w3e4r', '1q2w3e4r5t', 'zxcvbnm123', 'asdfghjkl', '88888888', '66668888', '68686868', '86868686',
  '39393939', '79797979', '6868', '8888', '1368', '123456789@', 'admin@123', 'admin123456', 'vietnam123', 'hanoi123',
  'matkhau123', 'matkhau123456', 'anhyeuem123', 'emyeuanh123', 'congan113', 'goi113', 'bomnuoc123',
] as const;

let loaded: Set<string> | undefined;

/** Every common password, lowercase; read once, on first use (about 0.5 MB of JSON). */
export function commonPasswords(): ReadonlySet<string> {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const { dictionary } = require('@zxcvbn-ts/language-common') as { dictionary: { passwords: string[] } };
    loaded = new Set([...dictionary.passwords, ...VIETNAMESE_COMMON]);
  }
  return loaded;
}
