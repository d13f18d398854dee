import { describe, expect, it } from 'vitest';
import { movedFrom } from './stillness.ts';

/** vtest's detect size. */
const W = 640;
const H = 360;

describe('movedFrom', () => {
  it('takes a box shifted by over half its size as a move, on either axis', () => {
    expect(movedFrom([100, 100, 130, 160], [116, 100, 146, 160], W, H)).toBe(true);
    expect(movedFrom([100, 100, 130, 160], [110, 100, 140, 160], W, H)).toBe(false);
    expect(movedFrom([100, 100, 130, 160], [100, 131, 130, 191], W, H)).toBe(true);
  });
  it('does not take one edge moving for a move: half of a van, then all of it', () => {
    expect(movedFrom([543, 27, 573, 64], [543, 27, 603, 64], W, H)).toBe(false);
    expect(movedFrom([573, 27, 603, 64], [543, 27, 603, 64], W, H)).toBe(false);
  });
  it('does not count an edge on the frame border, and moves on the other edge', () => {
    // The parked car cut by the right border, boxed in part, then whole: its left edge moved 9 px.
    expect(movedFrom([601.6, 35.2, 616.1, 58.8], [611, 32.6, 640, 59.9], W, H)).toBe(false);
    // A car driving in from the right border: its left edge came 50 px in (over half of the 90 px
    // now seen), its right edge still the border.
    expect(movedFrom([600, 30, 640, 60], [550, 30, 640, 60], W, H)).toBe(true);
  });
  it('takes a box that grew in both dimensions for someone coming closer', () => {
    expect(movedFrom([300, 100, 320, 150], [295, 90, 325, 165], W, H)).toBe(true);
    expect(movedFrom([300, 100, 320, 150], [300, 100, 340, 150], W, H)).toBe(false);
  });
});
