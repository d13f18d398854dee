import type { CameraVideo } from '../lib/frame-geometry.ts';
import type { Frame } from '../lib/frame.ts';

export type CameraStatus = 'starting' | 'online' | 'offline' | 'disabled';

/** What installers and the health endpoint see of one camera. */
export interface CameraState {
  id: string;
  status: CameraStatus;
  online: boolean;
  /** Why it is offline: the last ffmpeg error line, or "stalled: no frame for 10 s". */
  reason?: string;
  /** Detect-stream frames per second over the last few seconds. */
  fpsIn: number;
  /** Recorded video bitrate in kbit/s, from the last finished segment. */
  bitrateKbps: number;
  restarts: number;
  lastFrameAt?: string;
  since: string;
  /** The picture probed at the last start and the detect frames planned from it (issue 13). */
  video?: CameraVideo;
}

export type FrameListener = (frame: Frame) => void;

/** What the cameras module offers: states and each camera's detect frames. */
export interface CameraService {
  states(): CameraState[];
  state(id: string): CameraState | undefined;
  /** Calls `fn` with every frame of camera `id` (or of all cameras with '*'); returns unsubscribe. */
  onFrame(id: string | '*', fn: FrameListener): () => void;
}

declare module '../context.ts' {
  interface HubServices {
    cameras: CameraService;
  }
}

declare module '../core/hub-events.ts' {
  interface HubEvents {
    'camera.state': CameraState;
    /** A recording segment ffmpeg finished writing (before indexing), placed in wall-clock ms on the detect frames' clock; consecutive segments abut. */
    'camera.segment': { cameraId: string; file: string; startedAt: number; endedAt: number };
  }
}
