import type { Command } from '../types.js';
import { auditExport } from './audit.js';
import { backup, restore } from './backup.js';
import { clientAdd, clientList, clientRemove } from './client.js';
import { login, logout, whoami } from './login.js';
import { migrateCmd } from './migrate.js';
import { orgAdd, orgInvite, orgLeave, orgList, orgMembers } from './org.js';
import { repoAdd, repoList, repoRemove } from './repo.js';
import { scan } from './scan.js';
import { serve } from './serve.js';
import { serviceAccountAdd, serviceAccountList, serviceAccountRemove } from './service-account.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.js';
import { tokenEdit, tokenRegenerate, tokenRenew } from './token-change.js';
import { userAdd, userDisable, userList, userPasswd } from './user.js';

/** Every command of bin/patd. Add new ones here. */
export const COMMANDS: Command[] = [
  serve, migrateCmd, userAdd, userList, userDisable, userPasswd, orgAdd, orgList, orgInvite, orgMembers, orgLeave,
  serviceAccountAdd, serviceAccountList, serviceAccountRemove, tokenCreate, tokenList, tokenRevoke,
  tokenEdit, tokenRenew, tokenRegenerate,
  clientAdd, clientList, clientRemove, scan,
  auditExport, backup, restore,
  repoAdd, repoList, repoRemove, login, logout, whoami,
];
