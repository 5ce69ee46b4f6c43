import argon2 from 'argon2';
import type { PasswordHasher } from '../core/ports.js';

/** argon2id with the library's recommended defaults (m=64 MiB, t=3, p=4). */
export const argon2Hasher: PasswordHasher = {
  hash: (password) => argon2.hash(password, { type: argon2.argon2id }),
  async verify(hash, password) {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  },
};
