import type { Command } from '../types.js';
import { migrateCmd } from './migrate.js';
import { orgAdd } from './org.js';
import { serve } from './serve.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.js';
import { userAdd, userDisable, userList } from './user.js';

/** Every command of bin/patd. Add new ones here. */
export const COMMANDS: Command[] = [
  serve, migrateCmd, userAdd, userList, userDisable, orgAdd, tokenCreate, tokenList, tokenRevoke,
];
