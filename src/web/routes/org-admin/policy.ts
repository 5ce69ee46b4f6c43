import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Policy } from '../../../core/model.js';
import { MAX_UNUSED_DAYS } from '../../../core/orgs/service.js';
import type { FieldErrors } from '../../components/form.js';
import { type PolicyValues, policyPage, policyPath } from '../../pages/org-admin/policy.js';
import { seeOther, sendPage } from '../../render.js';
import { field } from '../form.js';
import type { WebKit } from '../kit.js';
import { isRefusal } from '../refusal.js';
import { type OrgCtx, orgAdmin, param, routeOpts, sentence } from './kit.js';

const valuesOf = (p: Policy): PolicyValues => ({
  maxLifetimeDays: p.maxLifetimeDays === null ? '' : String(p.maxLifetimeDays), allowGlobalTokens: p.allowGlobalTokens, allowFullAccess: p.allowFullAccess,
  ipAllowlist: p.ipAllowlist.join('\n'), revokeUnusedDays: p.revokeUnusedDays === null ? '' : String(p.revokeUnusedDays), autoRevokeLeaked: p.autoRevokeLeaked,
});

const readForm = (b: unknown): PolicyValues => ({
  maxLifetimeDays: (field(b, 'max_lifetime_days') ?? '').trim().slice(0, 20), allowGlobalTokens: field(b, 'allow_global') === 'on',
  allowFullAccess: field(b, 'allow_full') === 'on', ipAllowlist: (field(b, 'ip_allowlist') ?? '').slice(0, 20_000),
  revokeUnusedDays: (field(b, 'revoke_unused_days') ?? '').trim().slice(0, 20), autoRevokeLeaked: field(b, 'auto_revoke_leaked') === 'on',
});

const DAYS = /^\d{1,5}$/;

/** The form as the use case's input; only the form's own parsing is checked here (whole numbers), every rule in OrgService.putPolicy. */
function toPolicy(v: PolicyValues): { policy?: Policy; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (v.maxLifetimeDays && !DAYS.test(v.maxLifetimeDays)) errors.maxLifetimeDays = 'Enter a whole number of days, or leave it empty for the instance limit.';
  if (v.revokeUnusedDays && !DAYS.test(v.revokeUnusedDays)) errors.revokeUnusedDays = 'Enter a whole number of days, or leave it empty to keep unused tokens.';
  if (Object.keys(errors).length > 0) return { errors };
  const ipAllowlist = v.ipAllowlist.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return {
    errors,
    policy: {
      maxLifetimeDays: v.maxLifetimeDays ? Number(v.maxLifetimeDays) : null, allowGlobalTokens: v.allowGlobalTokens, allowFullAccess: v.allowFullAccess,
      ipAllowlist, revokeUnusedDays: v.revokeUnusedDays ? Number(v.revokeUnusedDays) : null, autoRevokeLeaked: v.autoRevokeLeaked,
    },
  };
}

/** The use case's refusal in the words of the form. */
function say(f: string, msg: string, instanceMax: number): string {
  if (f === 'maxLifetimeDays') return `The longest lifetime must be 1 to ${instanceMax} days (the instance limit), or empty.`;
  if (f === 'revokeUnusedDays') return `Unused tokens are revoked after 1 to ${MAX_UNUSED_DAYS} days, or leave it empty.`;
  if (f === 'ipAllowlist') return `${msg} Write one address or CIDR range per line, such as 203.0.113.0/24.`;
  return msg;
}

const POLICY_FIELDS = ['maxLifetimeDays', 'allowGlobalTokens', 'allowFullAccess', 'ipAllowlist', 'revokeUnusedDays', 'autoRevokeLeaked'];

/** `/orgs/{org}/policy`: GET and PUT /api/v1/orgs/{org}/policy as a form. */
export function policyRoutes(app: FastifyInstance, k: WebKit): void {
  const { deps } = k;
  const show = (reply: FastifyReply, c: OrgCtx, status: number, values: PolicyValues, errors: FieldErrors, saved = false) =>
    sendPage(reply, status, policyPage(c, { org: c.org, values, errors, instanceMaxDays: deps.core.settings.maxTokenDays, saved }));

  app.get('/orgs/:org/policy', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) =>
    show(reply, c, 200, valuesOf(await deps.orgs.getPolicy(c.a)), {}, (req.query as { done?: string }).done === 'saved')));

  app.post('/orgs/:org/policy', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const values = readForm(req.body);
    const { policy, errors } = toPolicy(values);
    if (!policy) return show(reply, c, 400, values, errors);
    try {
      await deps.orgs.putPolicy(c.caller, c.a, policy);
      return seeOther(reply, `${policyPath(c.org.name)}?done=saved`);
    } catch (e) {
      if (!isRefusal(e)) throw e;
      const f = typeof e.extras.field === 'string' && POLICY_FIELDS.includes(e.extras.field) ? e.extras.field : 'form';
      return show(reply, c, e.status, values, { [f]: say(f, sentence(e.message), deps.core.settings.maxTokenDays) });
    }
  }, { back: policyPath(param(req, 'org')) }));
}
