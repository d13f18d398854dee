/**
 * Why a pump command was refused or a pump was stopped, in English and Vietnamese. Numbers are
 * written the way each language writes them (3.4‰ / 3,4‰). Pure.
 */
export interface Reason {
  code: string;
  en: string;
  vi: string;
}

const en = (n: number, digits = 1): string => n.toFixed(digits);
/**
 * Digits (1 to 3) enough for `value` not to print as `limit` when it is beyond it: 2.05‰ against
 * a 2‰ limit read "2.0‰ > 2‰" with one (issue 12, finding 10).
 */
const beyondDigits = (value: number, limit: number): number => {
  for (let d = 1; d < 3; d++) if (Number(value.toFixed(d)) !== limit) return d;
  return 3;
};
const vi = (n: number, digits = 1): string => n.toFixed(digits).replace('.', ',');
const mins = (ms: number): number => Math.ceil(ms / 60_000);
const secs = (ms: number): number => Math.ceil(ms / 1000);

export const reasons = {
  salinityHigh: (value: number, limit: number): Reason => ({
    code: 'salinity-high',
    en: `blocked: salinity ${en(value, beyondDigits(value, limit))}‰ > ${en(limit, limit % 1 ? 1 : 0)}‰`,
    vi: `bị chặn: độ mặn ${vi(value, beyondDigits(value, limit))}‰ > ${vi(limit, limit % 1 ? 1 : 0)}‰`,
  }),
  dryRun: (level: number, min: number): Reason => ({
    code: 'dry-run',
    en: `blocked: intake level ${en(level, 2)} m < ${en(min, 2)} m (dry-run protection)`,
    vi: `bị chặn: mực nước bể hút ${vi(level, 2)} m < ${vi(min, 2)} m (chống chạy khô)`,
  }),
  dryRunCurrent: (amps: number, min: number): Reason => ({
    code: 'dry-run-current',
    en: `tripped: motor current ${en(amps)} A < ${en(min)} A while running (dry-run protection)`,
    vi: `ngắt: dòng động cơ ${vi(amps)} A < ${vi(min)} A khi đang chạy (chống chạy khô)`,
  }),
  canalLow: (level: number, min: number): Reason => ({
    code: 'canal-low',
    en: `blocked: canal level ${en(level, 2)} m < ${en(min, 2)} m`,
    vi: `bị chặn: mực nước kênh ${vi(level, 2)} m < ${vi(min, 2)} m`,
  }),
  canalHigh: (level: number, max: number): Reason => ({
    code: 'canal-high',
    en: `blocked: canal level ${en(level, 2)} m > ${en(max, 2)} m`,
    vi: `bị chặn: mực nước kênh ${vi(level, 2)} m > ${vi(max, 2)} m`,
  }),
  sensorBad: (sensor: string, quality: string): Reason => ({
    code: 'sensor-not-good',
    en: `blocked: ${sensor} reading is ${quality}`,
    vi: `bị chặn: số đo ${sensorVi(sensor)} ${qualityVi(quality)}`,
  }),
  sensorFailsafe: (sensor: string, quality: string, forMs: number): Reason => ({
    code: 'sensor-failsafe',
    en: `failsafe stop: ${sensor} reading ${quality} for ${secs(forMs)} s`,
    vi: `dừng an toàn: số đo ${sensorVi(sensor)} ${qualityVi(quality)} trong ${secs(forMs)} giây`,
  }),
  minOff: (remainingMs: number): Reason => ({
    code: 'min-off',
    en: `blocked: minimum off time, wait ${secs(remainingMs)} s`,
    vi: `bị chặn: chưa đủ thời gian nghỉ tối thiểu, chờ ${secs(remainingMs)} giây`,
  }),
  minRun: (remainingMs: number): Reason => ({
    code: 'min-run',
    en: `blocked: minimum run time, wait ${secs(remainingMs)} s`,
    vi: `bị chặn: chưa đủ thời gian chạy tối thiểu, chờ ${secs(remainingMs)} giây`,
  }),
  maxStarts: (count: number, limit: number): Reason => ({
    code: 'max-starts',
    en: `blocked: ${count} starts in the last hour (limit ${limit})`,
    vi: `bị chặn: đã khởi động ${count} lần trong một giờ qua (giới hạn ${limit})`,
  }),
  maxRun: (limitMs: number): Reason => ({
    code: 'max-run',
    en: `stopped: ran longer than ${mins(limitMs)} min without a break`,
    vi: `đã dừng: chạy liên tục quá ${mins(limitMs)} phút`,
  }),
  fault: (code: number | null): Reason => ({
    code: 'drive-fault',
    en: `blocked: drive reports fault${code ? ` ${code}` : ''}`,
    vi: `bị chặn: biến tần báo lỗi${code ? ` ${code}` : ''}`,
  }),
  notAuto: (mode: string): Reason => ({
    code: 'not-auto',
    en: `blocked: selector is in ${mode.toUpperCase()}, not AUTO`,
    vi: `bị chặn: công tắc chọn chế độ đang ở ${modeVi(mode)}, không phải TỰ ĐỘNG`,
  }),
  local: (): Reason => ({
    code: 'local-control',
    en: 'blocked: drive is under local control (keypad or terminals), not remote',
    vi: 'bị chặn: biến tần đang điều khiển tại chỗ (bàn phím hoặc đầu nối), không phải từ xa',
  }),
  commLoss: (device: string): Reason => ({
    code: 'comm-loss',
    en: `blocked: no communication with ${device}`,
    vi: `bị chặn: mất liên lạc với ${device}`,
  }),
  notVerified: (command: string, ms: number): Reason => ({
    code: 'not-verified',
    en: `failed: ${command} not confirmed by read-back within ${ms} ms`,
    vi: `thất bại: đọc lại không xác nhận lệnh ${command} trong ${ms} ms`,
  }),
  writeFailed: (message: string): Reason => ({
    code: 'write-failed',
    en: `failed: ${message}`,
    vi: `thất bại: ${message}`,
  }),
  contactorOutput: (target: string, pump: string): Reason => ({
    code: 'pump-output',
    en: `refused: ${target} switches the contactor of pump "${pump}"; use the pump's run/stop commands`,
    vi: `từ chối: ${target} đóng cắt công-tắc-tơ của bơm "${pump}"; hãy dùng lệnh chạy/dừng của bơm`,
  }),
  uncommandedStart: (kind: 'drive' | 'contactor' = 'contactor'): Reason =>
    kind === 'drive'
      ? {
          code: 'uncommanded-start',
          en: 'stopped: the drive started in AUTO without a command from the hub (another Modbus master?)',
          vi: 'đã dừng: biến tần khởi động ở chế độ TỰ ĐỘNG khi hệ thống không ra lệnh (một thiết bị chủ Modbus khác?)',
        }
      : {
          code: 'uncommanded-start',
          en: 'stopped: the contactor closed without a command from the hub (a relay module restoring its state after power returned?)',
          vi: 'đã dừng: công-tắc-tơ đóng khi hệ thống không ra lệnh (mô-đun rơ-le tự khôi phục trạng thái khi có điện lại?)',
        },
  tripLatched: (alarmId: string, en: string, vi: string): Reason => ({
    code: 'trip-latched',
    en: `blocked: trip not acknowledged (${en}); a person must acknowledge alarm ${alarmId} first`,
    vi: `bị chặn: sự cố ngắt chưa được xác nhận (${vi}); cần người vận hành xác nhận cảnh báo ${alarmId} trước`,
  }),
  programmeRunning: (id: string): Reason => ({
    code: 'programme-running',
    en: `refused: programme ${id} is already running`,
    vi: `từ chối: chương trình ${id} đang chạy`,
  }),
  programmeNotRunning: (id: string): Reason => ({
    code: 'programme-not-running',
    en: `refused: programme ${id} is not running`,
    vi: `từ chối: chương trình ${id} không chạy`,
  }),
  safeState: (atStart: boolean): Reason =>
    atStart
      ? {
          code: 'safe-state',
          en: 'stopped: its programme was interrupted when the hub went down',
          vi: 'đã dừng: chương trình tưới bị gián đoạn khi trung tâm ngừng hoạt động',
        }
      : { code: 'safe-state', en: 'stopped: the hub is shutting down', vi: 'đã dừng: trung tâm đang tắt' },
  implausible: (sensor: string, why: string, trip: boolean): Reason => ({
    code: 'implausible',
    en: `${trip ? 'tripped' : 'blocked'}: ${sensor} reading is implausible (${why}); check the transmitter`,
    vi: `${trip ? 'ngắt' : 'bị chặn'}: số đo ${sensorVi(sensor)} không hợp lý (${whyImplausibleVi(why)}); hãy kiểm tra cảm biến`,
  }),
  noProtection: (): Reason => ({
    code: 'no-protection',
    en: 'refused: this contactor pump declares no protection for when the hub is down (a relay watchdog or a hard-wired float switch), and no engineer accepted the risk in the configuration',
    vi: 'từ chối: bơm công-tắc-tơ này chưa khai báo bảo vệ khi trung tâm ngừng hoạt động (watchdog của mô-đun rơ-le hoặc phao nối cứng), và chưa có kỹ sư chấp nhận rủi ro trong cấu hình',
  }),
  protectionUnverified: (): Reason => ({
    code: 'protection-unverified',
    en: "refused: the relay module's communication-loss watchdog is not set and verified yet",
    vi: 'từ chối: watchdog mất liên lạc của mô-đun rơ-le chưa được cài đặt và xác nhận',
  }),
  minSpeed: (hz: number, min: number): Reason => ({
    code: 'min-speed',
    en: `refused: ${en(hz)} Hz is below the pump's minimum speed ${en(min)} Hz`,
    vi: `từ chối: ${vi(hz)} Hz thấp hơn tốc độ tối thiểu của bơm ${vi(min)} Hz`,
  }),
  resetWhileRunning: (): Reason => ({
    code: 'reset-while-running',
    en: 'refused: a fault reset is only sent while the pump is stopped',
    vi: 'từ chối: chỉ được xóa lỗi khi bơm đang dừng',
  }),
  journalUnavailable: (why: string): Reason => ({
    code: 'journal-unavailable',
    en: `blocked: the pump journal cannot be written (${why}); starts are refused until it can`,
    vi: `bị chặn: không ghi được nhật ký vận hành bơm (${whyVi(why)}); không cho khởi động cho đến khi ghi được`,
  }),
  auditUnavailable: (why: string): Reason => ({
    code: 'audit-unavailable',
    en: `blocked: the audit log cannot be written (${why}); starts and commands are refused until it can, stops still go through`,
    vi: `bị chặn: không ghi được nhật ký kiểm tra (${whyVi(why)}); không nhận lệnh khởi động và lệnh khác cho đến khi ghi được, lệnh dừng vẫn được thực hiện`,
  }),
  stopping: (): Reason => ({
    code: 'devices-stopping',
    en: 'refused: the devices subsystem is stopping (configuration change or hub shutdown); try again',
    vi: 'từ chối: hệ thống thiết bị đang dừng (đổi cấu hình hoặc tắt trung tâm); hãy thử lại',
  }),
  unknownCommand: (command: string): Reason => ({
    code: 'unknown-command',
    en: `refused: this device has no command "${command}"`,
    vi: `từ chối: thiết bị không có lệnh "${command}"`,
  }),
};

function whyImplausibleVi(why: string): string {
  return why
    .replace(/^frozen within (\S+) m for (\d+) s while running$/, 'không đổi quá $1 m trong $2 giây khi bơm chạy')
    .replace(/^changing (\S+) m\/s$/, 'thay đổi $1 m/giây')
    .replace(/^the float switch says dry$/, 'phao báo cạn');
}
function whyVi(why: string): string {
  return why === 'the disk is full' ? 'đĩa đầy' : why;
}
function sensorVi(s: string): string {
  return { salinity: 'độ mặn', 'intake level': 'mực nước bể hút', 'canal level': 'mực nước kênh', current: 'dòng điện' }[s] ?? s;
}
function qualityVi(q: string): string {
  return { stale: 'đã cũ', 'comm-fail': 'mất liên lạc' }[q] ?? q;
}
function modeVi(m: string): string {
  return { hand: 'TAY', off: 'TẮT', auto: 'TỰ ĐỘNG' }[m] ?? m;
}
