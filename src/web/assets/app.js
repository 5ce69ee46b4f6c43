// patd's page script. Every page works without it; it only enhances:
// times in the viewer's locale, Copy buttons, the revoke dialog, and the token form
// (organization policy limits applied as the choice changes, implied scopes shown).

document.documentElement.classList.add('js');
document.body.classList.add('js');

const now = Date.parse(document.body.dataset.now || '') || Date.now();

// ---- Times: <time datetime data-format="datetime|relative"> ----
const UNITS = [['year', 31536e6], ['month', 2592e6], ['day', 864e5], ['hour', 36e5], ['minute', 6e4]];
const rtf = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function relative(at) {
  const diff = at - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return rtf ? rtf.format(Math.round(diff / ms), unit) : null;
  }
  return rtf ? rtf.format(0, 'minute') : null;
}

for (const el of document.querySelectorAll('time[datetime][data-format]')) {
  const at = Date.parse(el.getAttribute('datetime'));
  if (Number.isNaN(at)) continue;
  const absolute = dtf.format(at);
  if (el.dataset.format === 'relative') {
    const text = relative(at);
    if (text) el.textContent = text;
    el.title = absolute;
  } else {
    el.textContent = absolute;
  }
}

// ---- Copy buttons: <button data-copy="ID" hidden> copies the input's value or the element's text ----
const copyStatus = document.querySelector('[data-copy-status]');
for (const button of document.querySelectorAll('button[data-copy]')) {
  const target = document.getElementById(button.dataset.copy);
  if (!target || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const text = 'value' in target ? target.value : target.textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
      if (copyStatus) copyStatus.textContent = 'Copied to the clipboard.';
    } catch {
      if (target.select) target.select();
      if (copyStatus) copyStatus.textContent = 'Copying was not allowed: the text is selected, copy it with your keyboard.';
    }
  });
}
for (const input of document.querySelectorAll('input.secret-value')) {
  input.addEventListener('focus', () => input.select());
}

// ---- Dialogs: <a href="/confirm-page" data-dialog="ID"> opens <dialog id=ID> instead ----
for (const link of document.querySelectorAll('a[data-dialog]')) {
  const dialog = document.getElementById(link.dataset.dialog);
  if (!dialog || typeof dialog.showModal !== 'function') continue;
  link.addEventListener('click', (e) => {
    e.preventDefault();
    dialog.showModal();
  });
  for (const close of dialog.querySelectorAll('[data-close-dialog]')) close.addEventListener('click', () => dialog.close());
}

// ---- The token form ----
for (const form of document.querySelectorAll('form[data-token-form]')) tokenForm(form);

function tokenForm(form) {
  const expires = form.querySelector('select[name="expires"]');
  const customDate = form.querySelector('[data-custom-date]');
  const dateInput = form.querySelector('input[name="expires_on"]');
  const daysNote = form.querySelector('[data-limit-note="days"]');
  const fullNote = form.querySelector('[data-limit-note="full"]');
  const fullRadio = form.querySelector('input[data-access="full"]');
  const customRadio = form.querySelector('input[data-access="custom"]');
  const groups = form.querySelector('[data-scope-groups]');
  const orgBoxes = [...form.querySelectorAll('input[type="checkbox"][name="org"]')];
  const modeAll = form.querySelector('input[data-org-mode="all"]');
  const modeSome = form.querySelector('input[data-org-mode="some"]');
  // A service account's token: one org, fixed (its limits are on that element).
  const fixedOrg = form.querySelector('[data-fixed-org]');
  const instanceMax = Number(daysNote ? daysNote.dataset.instanceMax : 365);
  const day = 864e5;
  const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

  function chosenOrgs() {
    if (fixedOrg) return [fixedOrg];
    if (modeAll?.checked) return orgBoxes;
    return orgBoxes.filter((b) => b.checked);
  }

  function applyLimits() {
    const orgs = chosenOrgs();
    let max = instanceMax;
    let by = null;
    for (const b of orgs) {
      const m = b.dataset.maxDays ? Number(b.dataset.maxDays) : null;
      if (m !== null && m < max) {
        max = m;
        by = b.value || b.dataset.fixedOrg;
      }
    }
    const noFull = orgs.filter((b) => b.dataset.full === '0').map((b) => b.value || b.dataset.fixedOrg);
    if (daysNote) daysNote.textContent = by ? `The policy of ${by} allows at most ${max} days.` : `At most ${max} days.`;
    if (expires) {
      for (const opt of expires.querySelectorAll('option[data-days]')) {
        const off = Number(opt.dataset.days) > max;
        opt.hidden = off;
        opt.disabled = off;
      }
      if (expires.selectedOptions[0]?.disabled) {
        const allowed = [...expires.querySelectorAll('option[data-days]:not([disabled])')];
        const last = allowed[allowed.length - 1];
        expires.value = last ? last.value : 'custom';
      }
    }
    if (dateInput) dateInput.max = isoDay(now + max * day - 86399e3);
    if (fullRadio) {
      const allowed = noFull.length === 0;
      fullRadio.disabled = !allowed;
      fullRadio.closest('label').hidden = !allowed;
      if (!allowed && fullRadio.checked && customRadio) customRadio.checked = true;
      if (fullNote) {
        fullNote.hidden = allowed;
        const names = fullNote.querySelector('[data-limit-orgs]');
        if (names) names.textContent = noFull.join(', ');
      }
    }
    applyAccess();
  }

  function applyCustomDate() {
    if (customDate && expires) customDate.hidden = expires.value !== 'custom';
  }

  function applyAccess() {
    if (!groups || !customRadio) return;
    const custom = customRadio.checked;
    groups.setAttribute('aria-disabled', custom ? 'false' : 'true');
    for (const box of groups.querySelectorAll('input[name="scope"]')) {
      if (!custom) box.disabled = true;
    }
    if (custom) applyImplied();
  }

  // A scope that a chosen one includes is shown as included (checked and disabled: sending it too changes nothing).
  function applyImplied() {
    const boxes = [...groups.querySelectorAll('input[name="scope"]')];
    const implied = new Set();
    for (const b of boxes) {
      if (b.checked && !b.dataset.impliedBy) for (const s of (b.dataset.implies || '').split(' ')) if (s) implied.add(s);
    }
    for (const b of boxes) {
      const isImplied = implied.has(b.value);
      const note = b.parentElement.querySelector('.implied-note');
      if (isImplied) {
        if (!b.dataset.impliedBy) b.dataset.wasChecked = b.checked ? '1' : '';
        b.dataset.impliedBy = '1';
        b.checked = true;
        b.disabled = true;
      } else if (b.dataset.impliedBy) {
        delete b.dataset.impliedBy;
        b.checked = b.dataset.wasChecked === '1';
        b.disabled = false;
      } else {
        b.disabled = false;
      }
      if (note) note.hidden = !isImplied;
    }
  }

  form.addEventListener('change', (e) => {
    const t = e.target;
    if (t.name === "org" && t.checked && modeSome && !modeSome.checked) modeSome.checked = true;
    if (t.name === 'org' || t.name === 'orgs_mode') applyLimits();
    if (t.name === 'expires') applyCustomDate();
    if (t.name === 'access') applyAccess();
    if (t.name === 'scope') applyImplied();
  });
  // Implied scopes were only disabled for display: the chosen ones carry them.
  form.addEventListener('submit', () => {
    if (!groups) return;
    for (const b of groups.querySelectorAll('input[name="scope"][data-implied-by]')) b.checked = false;
  });
  applyLimits();
  applyCustomDate();
}
