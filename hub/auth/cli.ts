/**
 * `hub user <command>`: accounts from the hub's own machine, for the first admin and for when no
 * admin can sign in. Works on the data directory's database directly (the hub may be running:
 * SQLite's locks and the store's transactions keep the two consistent). Every change is audited
 * with the operating-system user who ran it, as `cli:NAME`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createLogger } from '../core/log.ts';
import { openDatabase } from '../store/database.ts';
import { AuditLog, auditMigrations } from '../audit/audit-log.ts';
import { ROLES, type Role } from './roles.ts';
import { UserStore, authMigrations } from './users.ts';

export const USER_USAGE = `  hub user add --username NAME --role ROLE [--data DIR] [--password-stdin]
                                                     add a user (roles: ${ROLES.join(', ')})
  hub user disable|enable|delete --username NAME [--data DIR]
                                                     disable (ends sessions), enable (lifts a lock), delete a user
  hub user reset-password --username NAME [--data DIR]
                                                     print a one-time password, to change at next sign-in
  hub user end-sessions --username NAME [--data DIR] sign a user out everywhere`;

const COMMANDS = ['add', 'disable', 'enable', 'delete', 'reset-password', 'end-sessions'] as const;
type Command = (typeof COMMANDS)[number];

async function readSecret(prompt: string, fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) return readFileSync(0, 'utf8').split('\n')[0]?.trim() ?? '';
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(prompt);
  rl.close();
  return answer.trim();
}

/** Who ran the command, for the audit log. */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry for this uid (some containers).
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Runs `hub user ...` (argv without `user`); returns the exit code. Errors are thrown with their message. */
export async function runUserCli(argv: string[]): Promise<number> {
  const [sub] = argv;
  if (!COMMANDS.includes(sub as Command)) {
    process.stderr.write(`usage:\n${USER_USAGE}\n`);
    return 2;
  }
  const command = sub as Command;
  const { values } = parseArgs({
    args: argv.slice(1),
    options: { data: { type: 'string' }, username: { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  });
  const username = values.username;
  if (!username) throw new Error(`cli: user ${command} needs --username`);
  const dir = resolve(values.data ?? process.env.HUB_DATA ?? './data');
  const file = join(dir, 'hub.db');
  let password: string | undefined;
  if (command === 'add') {
    if (!values.role) throw new Error('cli: user add needs --username and --role');
    if (!ROLES.includes(values.role as Role)) throw new Error(`cli: --role must be one of ${ROLES.join(', ')}`);
    password = await readSecret(`password for ${username}: `, !!values['password-stdin']);
    mkdirSync(dir, { recursive: true });
  } else if (!existsSync(file)) {
    throw new Error(`cli: no hub database at ${file} (is --data right?)`);
  }

  const { db } = openDatabase(file, [...auditMigrations, ...authMigrations], createLogger('cli'));
  try {
    const users = new UserStore(db);
    const audit = new AuditLog(db);
    const write = (action: string, detail?: Record<string, unknown>) =>
      audit.write({ actor: cliActor(), action, target: `user:${username}`, result: 'ok', ...(detail ? { detail } : {}) });
    switch (command) {
      case 'add':
        await users.add(username, values.role as Role, password!);
        write('users.add', { role: values.role });
        process.stdout.write(`user ${username} added with role ${values.role}\n`);
        break;
      case 'disable':
      case 'enable':
        users.setDisabled(username, command === 'disable');
        write(`users.${command}`);
        process.stdout.write(`user ${username} ${command}d${command === 'disable' ? ' and signed out' : ''}\n`);
        break;
      case 'delete':
        users.delete(username);
        write('users.delete');
        process.stdout.write(`user ${username} deleted\n`);
        break;
      case 'reset-password': {
        const once = await users.resetPassword(username);
        write('users.reset-password');
        // The terminal is the only place this password is ever shown; it is stored hashed only.
        process.stdout.write(`one-time password for ${username} (to change at next sign-in): ${once}\n`);
        break;
      }
      case 'end-sessions': {
        const n = users.endSessions(username);
        write('users.end-sessions', { ended: n });
        process.stdout.write(`${n} session(s) of ${username} ended\n`);
        break;
      }
    }
  } finally {
    db.close();
  }
  return 0;
}
