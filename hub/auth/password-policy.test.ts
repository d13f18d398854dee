import { describe, expect, it } from 'vitest';
import { weakPasswordReason } from './password-policy.ts';

describe('password policy', () => {
  it.each([
    ['qwertyuiop', /sequence/],
    ['abababababab', /repeat a pattern|different characters/],
    ['Passw0rd123', /too common/],
    ['P@ssw0rd!2026', /too common/],
    ['abcdefghijk', /sequence/],
    ['0987654321', /sequence/],
    ['qwertyuiop123', /sequence/],
    ['matkhau123', /too common/],
    ['Mật khẩu 2026', /too common/],
    ['anhyeuem2024', /too common/],
    ['vietnam123', /too common/],
    ['123456789a', /too common/],
    ['emyeuanh!!!', /too common/],
    ['1111122222', /different characters/],
    ['short', /at least 10 characters/],
  ])('refuses %s', (password, reason) => {
    expect(weakPasswordReason(password)).toMatch(reason);
  });

  it('refuses a password holding the user name', () => {
    expect(weakPasswordReason('tuananh-2026-song', 'tuananh')).toMatch(/user name/);
  });

  it.each(['correct-horse-battery-staple', 'mekong-delta-2026', 'a-long-enough-Passw0rd!', 'Ruộng lúa chín vàng 7', 'x9Gq2mZ7kPw4'])(
    'accepts %s',
    (password) => {
      expect(weakPasswordReason(password, 'admin')).toBeUndefined();
    },
  );
});
