import { DAY_MS } from '../../core/clock.js';
import type { PatdError } from '../../core/errors.js';
import { limitsFor, type OrgLimits, orgLimitsOf } from '../../core/policies/limits.js';
import type { CreateTokenInput, EditTokenInput } from '../../core/tokens/service.js';
import { PRESET_DAYS } from '../../core/tokens/expiry.js';
import type { TokenView } from '../../core/tokens/view.js';
import type { AppDeps } from '../../adapters/http/deps.js';
import type { FieldErrors } from '../components/form.js';
import type { TokenFormOptions, TokenFormValues } from '../components/token-fields.js';
import { utcText } from '../components/time.js';
import { scopeGroups } from '../scope-groups.js';
import { field, fields } from './form.js';

/** A token form as posted. Nothing is decided here: the use case checks every value. */
export function readTokenForm(b: unknown): TokenFormValues {
  return {
    name: (field(b, 'name') ?? '').slice(0, 500),
    orgMode: field(b, 'orgs_mode') === 'all' ? 'all' : 'some',
    orgs: fields(b, 'org', 100),
    expires: (field(b, 'expires') ?? '30').slice(0, 10),
    expiresOn: (field(b, 'expires_on') ?? '').slice(0, 10),
    access: field(b, 'access') === 'full' ? 'full' : 'custom',
    scopes: fields(b, 'scope', 100),
  };
}

/** The first choices of a new token: 30 days (or the longest the policies allow), all orgs when allowed, no scope yet. */
export function defaultValues(orgs: OrgLimits[], maxTokenDays: number): TokenFormValues {
  const all = limitsFor(orgs, '*', maxTokenDays);
  const first = orgs[0]?.org;
  const mode = all.allowGlobal || !first ? 'all' : 'some';
  const l = mode === 'all' ? all : limitsFor(orgs, first ? [first] : [], maxTokenDays);
  return { name: '', orgMode: mode, orgs: mode === 'some' && first ? [first] : [], expires: presetFor(l.maxDays), expiresOn: '', access: 'custom', scopes: [] };
}

/** 30 days, or the longest preset within `maxDays`, or a custom date. */
function presetFor(maxDays: number): string {
  if (maxDays >= 30) return '30';
  const fit = PRESET_DAYS.filter((d) => d <= maxDays).pop();
  return fit ? String(fit) : 'custom';
}

/** The form's options for the organizations chosen in `v`. */
export async function formOptions(deps: AppDeps, userId: string, v: TokenFormValues, keepExpiry?: string): Promise<TokenFormOptions> {
  const orgs = await orgLimitsOf(deps.core.store.r, userId);
  const max = deps.core.settings.maxTokenDays;
  return {
    orgs, limits: limitsFor(orgs, v.orgMode === 'all' ? '*' : v.orgs, max), instanceMaxDays: max,
    presets: PRESET_DAYS.filter((d) => d <= max), groups: scopeGroups(deps.core.catalog), now: deps.core.clock.now(), keepExpiry,
  };
}

type Expiry = Pick<CreateTokenInput, 'expiresInDays' | 'expiresAt'>;

/** The expiry the form asks for; a custom date means the end of that day (UTC). */
function expiryOf(v: TokenFormValues): { expiry?: Expiry; error?: string } {
  if (v.expires === 'keep') return { expiry: {} };
  if (v.expires === 'custom') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v.expiresOn)) return { error: 'Choose the date the token expires, or one of the periods.' };
    return { expiry: { expiresAt: `${v.expiresOn}T23:59:59Z` } };
  }
  if (!/^\d{1,4}$/.test(v.expires)) return { error: 'Choose how long the token lives.' };
  return { expiry: { expiresInDays: Number(v.expires) } };
}

const orgsOf = (v: TokenFormValues): string[] | '*' => (v.orgMode === 'all' ? '*' : v.orgs);
const scopesOf = (v: TokenFormValues): string[] => (v.access === 'full' ? ['*'] : v.scopes);

export function toCreateInput(v: TokenFormValues): { input?: CreateTokenInput; errors: FieldErrors } {
  const e = expiryOf(v);
  if (!e.expiry) return { errors: { expires: e.error } };
  return { input: { name: v.name, orgs: orgsOf(v), scopes: scopesOf(v), ...e.expiry }, errors: {} };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Only what changed, so the audit event says what was edited. */
export function toEditInput(v: TokenFormValues, t: TokenView): { input?: EditTokenInput; errors: FieldErrors } {
  const e = expiryOf(v);
  if (!e.expiry) return { errors: { expires: e.error } };
  const input: EditTokenInput = { ...e.expiry };
  if (v.name.trim() !== t.name) input.name = v.name;
  const scopes = scopesOf(v);
  if (!sameSet(scopes, t.scopes)) input.scopes = scopes;
  const orgs = orgsOf(v);
  if (orgs === '*' ? t.orgs !== '*' : t.orgs === '*' || !sameSet(orgs, t.orgs)) input.orgs = orgs;
  return { input, errors: {} };
}

/** The form of an existing token. */
export function valuesOf(t: TokenView): TokenFormValues {
  return {
    name: t.name, orgMode: t.orgs === '*' ? 'all' : 'some', orgs: t.orgs === '*' ? [] : t.orgs, expires: 'keep', expiresOn: '',
    access: t.scopes.includes('*') ? 'full' : 'custom', scopes: t.scopes.filter((s) => s !== '*'),
  };
}

export const keepExpiryText = (t: TokenView, now: number) =>
  `Keep the current expiry (${Date.parse(t.expiresAt) <= now ? 'expired ' : ''}${utcText(t.expiresAt)})`;

const sentence = (m: string) => `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}`;

/** Which field of the form a refusal of the use case is about, and how to say it to a person. */
export function formErrorOf(e: PatdError): FieldErrors {
  const policy = e.extras.policy;
  const f = e.extras.field;
  const key = policy === 'allowGlobalTokens' ? 'orgs' : policy === 'allowFullAccess' ? 'scopes' : policy === 'maxLifetimeDays' ? 'expires'
    : f === 'name' ? 'name' : f === 'scopes' ? 'scopes' : f === 'orgs' ? 'orgs' : f === 'expiresAt' || f === 'expiresInDays' ? 'expires' : 'form';
  let msg = sentence(e.message);
  if (e.code === 'validation_failed' && key === 'scopes') msg = 'Choose at least one scope, or full access.';
  if (e.code === 'validation_failed' && key === 'orgs' && /non-empty list/.test(e.message)) msg = 'Choose at least one organization, or all of them.';
  if (e.code === 'validation_failed' && key === 'name') msg = 'Give the token a name of 1 to 120 characters.';
  return { [key]: msg };
}

/** Renew choices: the presets within the limits of the token's organizations. */
export async function renewDays(deps: AppDeps, userId: string, t: TokenView): Promise<number[]> {
  const orgs = await orgLimitsOf(deps.core.store.r, userId);
  const max = limitsFor(orgs, t.orgs, deps.core.settings.maxTokenDays).maxDays;
  const days = PRESET_DAYS.filter((d) => d <= max);
  return days.length ? days : [Math.max(1, Math.floor(max))];
}

export const daysLeft = (t: TokenView, now: number) => Math.ceil((Date.parse(t.expiresAt) - now) / DAY_MS);
