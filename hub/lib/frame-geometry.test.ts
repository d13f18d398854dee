import { describe, expect, it } from 'vitest';
import { detectFilter, detectGeometry, frameContent, frameToPicture, pictureToFrame, type FrameContent } from './frame-geometry.ts';

const BOX = { width: 640, height: 360 };
const CAM_4_3 = { width: 768, height: 576 };

describe('detectGeometry', () => {
  it('scales a 4:3 picture to fit 640x360 as 480x360 frames that are the whole picture', () => {
    const g = detectGeometry(BOX, 'scale', CAM_4_3);
    expect([g.width, g.height, detectFilter(g)]).toEqual([480, 360, 'scale=480:360']);
    expect(frameContent(g)).toBeUndefined();
  });

  it('letterboxes a 4:3 picture into 640x360: the picture in the centre 480 columns', () => {
    const g = detectGeometry(BOX, 'letterbox', CAM_4_3);
    expect([g.width, g.height, detectFilter(g)]).toEqual([640, 360, 'scale=480:360,pad=640:360:80:0']);
    expect(frameContent(g)).toEqual({ inFrame: { x: 80, y: 0, width: 480, height: 360 }, ofPicture: { x: 0, y: 0, width: 1, height: 1 } });
  });

  it('crops a 4:3 picture to 640x360: the centre three quarters of its height', () => {
    const g = detectGeometry(BOX, 'crop', CAM_4_3);
    expect([g.width, g.height, detectFilter(g)]).toEqual([640, 360, 'scale=640:480,crop=640:360:0:60']);
    expect(frameContent(g)).toEqual({ inFrame: { x: 0, y: 0, width: 640, height: 360 }, ofPicture: { x: 0, y: 0.125, width: 1, height: 0.75 } });
  });

  it('leaves a 16:9 camera as before in every mode', () => {
    for (const fit of ['scale', 'letterbox', 'crop', 'stretch'] as const) {
      const g = detectGeometry(BOX, fit, { width: 1920, height: 1080 });
      expect([fit, g.width, g.height, detectFilter(g), frameContent(g)]).toEqual([fit, 640, 360, 'scale=640:360', undefined]);
    }
  });

  it('takes the display aspect of non-square pixels (720x576 anamorphic 16:9) and keeps sizes even', () => {
    const g = detectGeometry(BOX, 'scale', { width: 720, height: 576, aspect: 16 / 9 });
    expect([g.width, g.height]).toEqual([640, 360]);
    const odd = detectGeometry({ width: 640, height: 480 }, 'scale', { width: 1000, height: 999 });
    expect([odd.width % 2, odd.height % 2]).toEqual([0, 0]);
  });

  it('falls back to the configured box, stretched, when the picture is not known', () => {
    const g = detectGeometry(BOX, 'letterbox', undefined);
    expect([g.fit, g.width, g.height, detectFilter(g), frameContent(g)]).toEqual(['stretch', 640, 360, 'scale=640:360', undefined]);
  });

  it('a portrait camera scales to fit the height and letterboxes at the sides', () => {
    const g = detectGeometry(BOX, 'letterbox', { width: 1080, height: 1920 });
    expect(detectFilter(g)).toBe('scale=202:360,pad=640:360:218:0');
  });
});

describe('frame ↔ picture', () => {
  const letterbox = frameContent(detectGeometry(BOX, 'letterbox', CAM_4_3))!;
  const crop = frameContent(detectGeometry(BOX, 'crop', CAM_4_3))!;

  it('maps picture fractions to frame pixels and back in each mode', () => {
    const cases: Array<[FrameContent | undefined, number, number, [number, number], [number, number]]> = [
      [undefined, 480, 360, [0.5, 0.5], [240, 180]],
      [letterbox, 640, 360, [0, 0], [80, 0]],
      [letterbox, 640, 360, [1, 1], [560, 360]],
      [crop, 640, 360, [0.5, 0.125], [320, 0]],
      [crop, 640, 360, [0.25, 0.875], [160, 360]],
    ];
    for (const [content, w, h, pic, px] of cases) {
      expect(pictureToFrame(pic, w, h, content)).toEqual(px);
      expect(frameToPicture(px, w, h, content)).toEqual(pic);
    }
  });

  it('a zone over the left half of the picture covers the left half of what the frame shows of it', () => {
    // Letterbox: the picture's left half is frame columns 80-320 (the bars belong to no half).
    expect(pictureToFrame([0.5, 0], 640, 360, letterbox)[0]).toBe(320);
    expect(frameToPicture([100, 180], 640, 360, letterbox)[0]).toBeLessThan(0.5);
    expect(frameToPicture([330, 180], 640, 360, letterbox)[0]).toBeGreaterThan(0.5);
    // Crop: the full width is shown, so the left half is columns 0-320 still; rows map to the centre band.
    expect(pictureToFrame([0.5, 0.5], 640, 360, crop)).toEqual([320, 180]);
  });
});
