import { describe, expect, it } from 'vitest';
import { TamperDetector } from './tamper.ts';
import type { GreyImage } from './grey.ts';

const textured: GreyImage = { width: 40, height: 20, data: new Uint8Array(800).map((_, i) => 60 + ((i * 37) % 120)) };
const black: GreyImage = { width: 40, height: 20, data: new Uint8Array(800).fill(6) };

describe('tamper', () => {
  it('a covered lens raises blackout after the hold, once, and clears when uncovered', () => {
    const t = new TamperDetector({ cameraId: 'c', blackoutLuma: 20, blurRatio: 0.3, holdFrames: 3 });
    const seen: string[] = [];
    const feed = (grey: GreyImage, sharp: number, n: number, from: number): void => {
      for (let i = 0; i < n; i++)
        for (const s of t.process({ at: from + i, grey, sharpness: sharp, sceneChange: false, changedFraction: 0 })) seen.push(`${s.kind}:${s.active}@${s.at}`);
    };
    feed(textured, 20, 10, 0);
    feed(black, 0, 6, 10);
    feed(textured, 20, 5, 16);
    expect(seen).toEqual(['blackout:true@12', 'blackout:false@18']);
  });

  it('heavy blur is measured against the usual sharpness of the scene', () => {
    const t = new TamperDetector({ cameraId: 'c', blackoutLuma: 20, blurRatio: 0.3, holdFrames: 2 });
    const kinds: string[] = [];
    for (let i = 0; i < 10; i++) t.process({ at: i, grey: textured, sharpness: 20, sceneChange: false, changedFraction: 0 });
    for (let i = 10; i < 14; i++)
      for (const s of t.process({ at: i, grey: textured, sharpness: 4, sceneChange: false, changedFraction: 0 })) kinds.push(`${s.kind}:${s.active}`);
    expect(kinds).toEqual(['blur:true']);
  });
});
