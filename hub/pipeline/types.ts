/**
 * The contract between the frame pipeline (hub/pipeline) and the events subsystem (hub/events).
 * Owned by the pipeline issue; events code against these types only.
 */
import type { Frame } from '../lib/frame.ts';

export type Box = [number, number, number, number];

/** One tracked object as the pipeline sees it after a processed frame. */
export interface TrackedObject {
  /** Stable across frames for as long as the tracker keeps the object. */
  trackId: string;
  label: string;
  /** Latest detection score and the median of its history (confirmation uses the median). */
  score: number;
  medianScore: number;
  /** Box in detect-frame pixel coordinates (camera's detect width x height). */
  box: Box;
  /** Confirmed after several hits with a median score over the threshold. */
  confirmed: boolean;
  stationary: boolean;
  /** Epoch ms. */
  firstSeenAt: number;
  lastSeenAt: number;
  /** Set when the tracker gave the object up (left the scene). */
  leftAt?: number;
}

/** What the pipeline emits per camera for each processed frame. */
export interface TrackUpdate {
  cameraId: string;
  /** Capture time (epoch ms) of the frame this update comes from. */
  frameAt: number;
  frameWidth: number;
  frameHeight: number;
  /** Every object currently tracked (confirmed or not), and the ones that left on this frame. */
  objects: TrackedObject[];
}

/**
 * What the pipeline publishes on 'pipeline.tracks': the update with the frame its tracks were
 * computed on (a reference, never a copy: frames are not written to once assembled). An event's
 * snapshot is cut from it, so nothing has to find the frame again by its time (on a loaded box the
 * report comes seconds after capture). Rules read the TrackUpdate part only.
 */
export interface TrackReport extends TrackUpdate {
  frame: Frame;
}

/** Camera-level signals from the motion stage. */
export interface TamperSignal {
  cameraId: string;
  at: number;
  kind: 'blackout' | 'blur' | 'scene-change';
  active: boolean;
  /** The measure that crossed its threshold (mean luma, sharpness, changed fraction). */
  value: number;
}

declare module '../core/hub-events.ts' {
  interface HubEvents {
    'pipeline.tracks': TrackReport;
    'pipeline.tamper': TamperSignal;
    /** A camera whose detect rate fell below its configured floor (or came back above it). */
    'pipeline.health': { cameraId: string; belowFloor: boolean; detectFps: number; floorFps: number };
  }
}
