// How times, durations, effects and fleet receipts read on the page. Times are shown in UTC, like the audit trail.

const pad = n => String(n).padStart(2, '0');

/** "2026-11-23 10:21:33 UTC" from an ISO time; empty for none. */
export function time(iso) {
  if (!iso) {
    return '';
  }

  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return String(iso);
  }

  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** "3 h 2 min", "4 min 10 s", "12 s", "850 ms". */
export function duration(ms) {
  if (ms < 1000) {
    return `${Math.max(0, Math.round(ms))} ms`;
  }

  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) {
    return `${h} h ${m} min`;
  }

  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** Milliseconds from a .NET TimeSpan as JSON writes it ("[-][d.]hh:mm:ss[.fffffff]"). */
export function timeSpanMs(text) {
  const match = /^(-)?(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.(\d+))?$/.exec(text ?? '');
  if (!match) {
    return null;
  }

  const [, minus, days, hours, minutes, seconds, fraction] = match;
  const ms = ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60000 + Number(seconds) * 1000
    + (fraction ? Number(`0.${fraction}`) * 1000 : 0);
  return minus ? -ms : ms;
}

/** What an effect reads as. */
export function effect(value) {
  return { allow: 'Allowed', deny: 'Denied', require_approval: 'Approval required' }[value] ?? value ?? '';
}

/**
 * A fleet receipt in words: how many silos acknowledged the change, how long it took, and which silos did not
 * confirm. An operator reads this to know the change holds everywhere.
 */
export function receipt(r, at) {
  if (!r) {
    return 'No fleet receipt was returned.';
  }

  const elapsed = timeSpanMs(r.elapsed);
  const parts = [`${r.silosAcknowledged} of ${r.silosLive} silos acknowledged`];
  if (elapsed !== null) {
    parts.push(`in ${duration(elapsed)}`);
  }

  parts.push(`(epoch ${r.epoch})`);
  let text = `Fleet receipt: ${parts.join(' ')}, ${time(at ?? new Date().toISOString())}.`;
  if (r.unconfirmed && r.unconfirmed.length > 0) {
    text += ` Not confirmed by: ${r.unconfirmed.join(', ')}; those silos refuse decisions until they catch up.`;
  }

  return text;
}

/** The tenant part of "tenant/name". */
export function tenantOf(id) {
  const slash = String(id).indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

/** The name part of "tenant/name". */
export function nameOf(id) {
  const slash = String(id).indexOf('/');
  return slash < 0 ? id : id.slice(slash + 1);
}

/** Arguments as the approver should read them: pretty JSON when they are JSON, else the text as sent. */
export function prettyArguments(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
