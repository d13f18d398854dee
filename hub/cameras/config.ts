import { z } from 'zod';
import { DETECT_FITS } from '../lib/frame-geometry.ts';

/** Camera ids appear in paths, metrics labels and URLs, so they are slugs. */
export const cameraIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1-40 lowercase letters, digits or dashes, starting with a letter or digit')
  .meta({ title: 'Camera id', description: 'Short unique name used in paths and URLs, e.g. "cong-truong"' });

const rtspSource = z.strictObject({
  type: z.literal('rtsp'),
  url: z
    .string()
    .refine((u) => {
      try {
        const p = new URL(u);
        return (p.protocol === 'rtsp:' || p.protocol === 'rtsps:') && p.hostname.length > 0;
      } catch {
        return false;
      }
    }, 'must be an rtsp:// or rtsps:// URL with a host, e.g. rtsp://192.168.1.64:554/Streaming/Channels/101')
    .meta({ title: 'RTSP URL', description: 'Main stream URL; credentials may be embedded (they are never shown by the API)' }),
  transport: z.enum(['tcp', 'udp']).default('tcp').meta({ title: 'RTSP transport', description: 'TCP survives lossy links; UDP has lower latency' }),
});

const fileSource = z.strictObject({
  type: z.literal('file'),
  path: z
    .string()
    .min(1)
    // A URL-looking value (http:, concat:, subfile:...) would have ffmpeg make requests in the LAN
    // or read other files: only plain absolute paths. Whether the file lies inside a media folder
    // needs the disk, so the API and the runner check that (hub/cameras/media-folders.ts).
    .refine((p) => !/^[^/]*:/.test(p), { message: 'must be a file path, not a URL (nothing with ":" before the first "/")', abort: true })
    .refine((p) => p.startsWith('/'), 'must be an absolute path inside one of the media folders')
    .meta({
      title: 'Video file',
      description:
        'H.264 file played in a loop at its own pace (demo and tests); it must lie inside one of the media folders ' +
        "(`media.folders` in the configuration file, `hub start --media-dir`, the data folder's media/ or the bundled demo footage)",
    }),
  loop: z.boolean().default(true),
});

const testPatternSource = z.strictObject({
  type: z.literal('testsrc'),
  width: z.number().int().min(16).max(3840).default(1280),
  height: z.number().int().min(16).max(2160).default(720),
  fps: z.number().int().min(1).max(60).default(25),
});

export const cameraSourceSchema = z.discriminatedUnion('type', [rtspSource, fileSource, testPatternSource]);

export const cameraSchema = z
  .strictObject({
    id: cameraIdSchema,
    name: z.string().min(1).max(120).meta({ title: 'Name', description: 'Shown to the police, e.g. "Cổng trường THCS"' }),
    enabled: z.boolean().default(true),
    source: cameraSourceSchema,
    detect: z
      .strictObject({
        width: z.number().int().min(64).max(1920).default(640),
        height: z.number().int().min(64).max(1080).default(360),
        fps: z.number().min(0.5).max(30).default(5),
        fit: z
          .enum(DETECT_FITS)
          .default('scale')
          .meta({
            title: 'Picture fit',
            description:
              'How the camera picture fits width x height, keeping its shape (the detector sees people in true proportion): ' +
              '"scale" fits it inside (a 4:3 camera gives 480x360 frames in 640x360), "letterbox" fits it inside and pads to width x height, ' +
              '"crop" fills width x height and cuts the picture\'s edges off (zones outside the shown part never match), ' +
              '"stretch" fills width x height ignoring the shape (before issue 13). The picture\'s size is probed at each camera start; ' +
              "when the probe fails the frames are width x height, stretched, and the camera's state says so",
          }),
      })
      .prefault({})
      .meta({ title: 'Detect stream', description: 'Size and rate of the decoded frames the pipeline sees: the picture fitted into width x height (see fit)' }),
    record: z
      .strictObject({
        enabled: z.boolean().default(true),
        retentionDays: z
          .number()
          .min(1, 'must be at least 1 day')
          .max(3650)
          .optional()
          .meta({ title: 'Retention (days)', description: 'Overrides recording.retentionDays for this camera' }),
        priority: z.number().int().min(0).max(100).default(50).meta({
          title: 'Recording priority',
          description:
            'Higher is more important. When the disk is full of held footage, the lowest-priority cameras stop recording first (they keep detecting) and resume when space returns',
        }),
      })
      .prefault({}),
    stallSeconds: z.number().min(2).max(120).default(10).meta({ title: 'Stall timeout (s)', description: 'No frame for this long restarts the camera' }),
  })
  .meta({ title: 'Camera' });

export type CameraConfig = z.infer<typeof cameraSchema>;
export type CameraSource = z.infer<typeof cameraSourceSchema>;
