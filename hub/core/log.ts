/** Logging: one line per message on stderr, prefixed with the module that speaks. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(module: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const env = (process.env.HUB_LOG_LEVEL ?? 'info') as LogLevel;
  return ORDER[env] ?? ORDER.info;
}

/**
 * `scheme://user:password@`: the password part runs to the last `@` before the host, so a raw `@`
 * in a badly written password is covered too. It stops at whitespace, a quote and `/?#`, so it
 * never reaches into a neighbouring field of a JSON line.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:"'<>]*):[^\s/?#"'<>]*@/gi;

/** Replaces the password of every `scheme://user:password@host` in `text` with `***`. */
export function redactUserinfo(text: string): string {
  return text.replace(USERINFO, '$1$2:***@');
}

/**
 * Creates a logger whose lines start with `module:`. HUB_LOG_LEVEL sets the floor. Every line,
 * message and fields, has URL passwords masked: the last line of defence should a camera URL or an
 * ffmpeg error reach a log call unredacted (issue 11: passwords were in every offline line).
 */
export function createLogger(module: string, sink: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = threshold();
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    sink(redactUserinfo(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${module}: ${msg}${extra}`) + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (sub) => createLogger(`${module}/${sub}`, sink),
  };
}
