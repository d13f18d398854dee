import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

const script = fileURLToPath(new URL('../test/rtsp/rtsp-server.py', import.meta.url));

export interface RtspServer {
  port: number;
  url(mount: string): string;
  /** Kills the server (SIGKILL, like a camera losing power). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

/** Starts GStreamer's RTSP server (Debian's, through python3-gi) serving `mounts` (name → H.264 file). */
export async function startRtspServer(mounts: Record<string, string>, port?: number): Promise<RtspServer> {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn('/usr/bin/python3', [script, String(p), ...Object.entries(mounts).map(([m, f]) => `${m}=${f}`)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let err = '';
      // A cap, not a wait: python3-gi and GStreamer took several seconds to start on a loaded box.
      const t = setTimeout(() => {
        c.kill('SIGKILL');
        reject(new Error(`rtsp-server: not ready after 30 s: ${err}`));
      }, 30_000);
      c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      c.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(t);
          resolve();
        }
      });
      c.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`rtsp-server exited with ${code}: ${err}`));
      });
    });
  await launch();
  return {
    port: p,
    url: (mount) => `rtsp://127.0.0.1:${p}/${mount}`,
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((ok) => {
        c.once('exit', () => ok());
        c.kill('SIGKILL');
      });
    },
    restart: launch,
  };
}
