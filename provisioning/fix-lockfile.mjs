// Adds lockfile entries for optional platform packages that this machine's registry proxy does
// not serve (other OS/CPU builds), so `npm ci` sees the lockfile in sync. npm skips them at
// install (wrong platform, or optional and unavailable).
import { readFileSync, writeFileSync } from 'node:fs';
const path = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const pk = lock.packages;
let added = 0;
const platform = (name) => {
  const n = name.split('/').pop();
  const os = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'netbsd', 'sunos', 'win32', 'openharmony', 'aix'].find((o) => n.includes(o));
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el', 'wasm32'].find((c) =>
    new RegExp(`(^|-)${c}(-|$)`).test(n.replace('eabi', '').replace('gnueabihf', '').replace('musleabihf', '')),
  );
  return { os, cpu };
};
for (const [key, entry] of Object.entries(pk)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // Resolution: nested first, then hoisted.
    const nested = `${key ? `${key}/` : ''}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pk[nested] || pk[hoisted]) continue;
    if (!/^\d+\.\d+\.\d+/.test(version)) continue;
    const { os, cpu } = platform(dep);
    pk[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.error(`fix-lock: added ${added} platform entries`);
