/**
 * The protocols ffmpeg may use for each kind of input the hub gives it: one place, used by every
 * ffmpeg run (cameras, recordings, evidence, the detector's self-check). Without a whitelist a
 * file name or a concat list line such as `http://10.0.0.1/...` or `subfile:...` makes ffmpeg
 * open whatever it names (issue 11, finding 6). Put the arguments before the input's `-i`.
 */
export type FfmpegInputKind = 'rtsp' | 'file' | 'lavfi';

/**
 * - rtsp: the RTSP control connection (`rtsp`, over `tcp`; `rtsps` over `tls`), and the media:
 *   interleaved in that connection with `-rtsp_transport tcp`, or `rtp` over `udp` (`srtp` for
 *   SAVP). Measured on ffmpeg 4.x: TCP fails without `tcp`, UDP without `rtp` or `udp`.
 * - file: local files only, the concat demuxer's listed files included (they inherit the list).
 * - lavfi: a generated picture opens no protocol; `file` keeps the list from being empty.
 */
export const PROTOCOL_WHITELIST: Record<FfmpegInputKind, string> = {
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  file: 'file',
  lavfi: 'file',
};

/** `-protocol_whitelist LIST` for one input of `kind`. */
export function protocolWhitelist(kind: FfmpegInputKind): string[] {
  return ['-protocol_whitelist', PROTOCOL_WHITELIST[kind]];
}

/** A local file as an ffmpeg input: its whitelist, `before` (demuxer options), then `-i path`. */
export function fileInput(path: string, before: readonly string[] = []): string[] {
  return [...protocolWhitelist('file'), ...before, '-i', path];
}
