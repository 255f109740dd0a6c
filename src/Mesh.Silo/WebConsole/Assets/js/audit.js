// The audit viewer: search the record with the same filters as `mesh audit query`, open a record to see every field
// of its hashed body, follow a request from its decision through its approval to its outcome, and run the
// verification. Admins and auditors only, like the audit API.

import { api, ApiError } from './api.js';
import { announce, details, h, idFor, table, tags } from './dom.js';
import { effect, time } from './format.js';

const KINDS = ['decision', 'outcome', 'approval_opened', 'approval_vote', 'approval_expired', 'approval_consumed', 'approval_cancelled', 'operator_action', 'policy_change'];
const EFFECTS = ['allow', 'deny', 'require_approval'];

export function mount(root) {
  const results = h('section', { class: 'panel', 'aria-labelledby': 'results-title' });
  const trail = h('section', { class: 'panel', 'aria-labelledby': 'trail-title', hidden: true });
  const verifyResult = h('div', { role: 'status', class: 'verify-result' });
  const form = searchForm();

  root.append(
    h('h1', null, 'Audit trail'),
    h('p', { class: 'hint' }, 'Every decision, outcome, approval event and operator action, hash-chained per stream. Times are UTC.'),
    form,
    h('section', { class: 'panel', 'aria-labelledby': 'verify-title' },
      h('h2', { id: 'verify-title' }, 'Verification'),
      h('p', null, 'Checks every hash, every chain and the signed checkpoints, and names the first broken record of each stream.'),
      h('button', { type: 'button', onclick: verify }, 'Verify the audit trail'),
      verifyResult),
    results,
    trail);

  search();
  return () => {};

  function searchForm() {
    const field = (name, label, input) => h('div', { class: 'field' }, h('label', { for: `audit-${name}` }, label), input);
    const text = (name, placeholder) => h('input', { id: `audit-${name}`, name, type: 'text', placeholder, autocomplete: 'off', spellcheck: 'false' });
    const select = (name, options) => h('select', { id: `audit-${name}`, name },
      h('option', { value: '' }, 'any'), options.map(o => h('option', { value: o }, o)));

    const element = h('form', { class: 'filters', 'aria-label': 'Search the audit trail' },
      h('div', { class: 'grid' },
        field('tenant', 'Tenant', text('tenant', 'acme')),
        field('agent', 'Agent', text('agent', 'acme/coder')),
        field('requestId', 'Request id', text('requestId', '')),
        field('kind', 'Kind', select('kind', KINDS)),
        field('effect', 'Effect', select('effect', EFFECTS)),
        field('reason', 'Reason code', text('reason', 'policy')),
        field('from', 'From (UTC)', text('from', '2026-01-01T00:00:00Z')),
        field('to', 'To (UTC)', text('to', '')),
        field('limit', 'Show', h('select', { id: 'audit-limit', name: 'limit' }, [50, 200, 1000].map(n => h('option', { value: n }, `${n} newest`))))),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Search'),
        h('button', { type: 'reset', class: 'quiet' }, 'Clear')));
    element.addEventListener('submit', event => {
      event.preventDefault();
      search();
    });
    element.addEventListener('reset', () => setTimeout(search));
    return element;
  }

  function query(extra) {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (name !== 'limit' && String(value).trim()) {
        params.set(name, String(value).trim());
      }
    }

    params.set('limit', form.elements.limit.value);
    params.set('order', 'desc');
    for (const [name, value] of Object.entries(extra ?? {})) {
      params.set(name, value);
    }

    return params;
  }

  async function search() {
    results.replaceChildren(h('h2', { id: 'results-title' }, 'Records'), h('p', { class: 'muted' }, 'Searching…'));
    try {
      const page = await api('GET', `/v1/audit/records?${query()}`);
      results.replaceChildren(h('h2', { id: 'results-title' }, 'Records'),
        h('p', { class: 'muted' }, `${page.records.length} record${page.records.length === 1 ? '' : 's'}, newest first.`),
        recordsTable(page.records, 'Matching records'));
    } catch (e) {
      results.replaceChildren(h('h2', { id: 'results-title' }, 'Records'), h('p', { class: 'problem', role: 'alert' }, e instanceof ApiError ? e.text : String(e)));
    }
  }

  // Everything recorded about one request of one agent, oldest first: the decision, the approval opened for it and
  // its votes, the decision that consumed the approval, and the outcome the runtime reported.
  async function follow(record) {
    trail.hidden = false;
    const title = h('h2', { id: 'trail-title', tabindex: '-1' }, `Request ${record.requestId} of ${record.agentId}`);
    trail.replaceChildren(title, h('p', { class: 'muted' }, 'Loading…'));
    title.focus();
    try {
      const params = new URLSearchParams({ agent: record.agentId, requestId: record.requestId, limit: '1000' });
      const page = await api('GET', `/v1/audit/records?${params}`);
      trail.replaceChildren(title,
        h('p', null, 'From the decision through any approval to the outcome, oldest first.'),
        h('ol', { class: 'timeline' }, page.records.map(r => h('li', null,
          h('strong', null, r.kind.replace(/_/g, ' ')), ` · ${time(r.time)} · `,
          r.effect ? h('span', { class: `effect ${r.effect}` }, effect(r.effect)) : null,
          r.reason ? ` (${r.reason})` : '', r.actor ? ` · by ${r.actor}` : '',
          h('span', { class: 'block' }, r.message ?? ''),
          h('code', { class: 'block muted' }, r.id)))));
      announce(`${page.records.length} records for request ${record.requestId}.`);
    } catch (e) {
      trail.replaceChildren(title, h('p', { class: 'problem' }, e instanceof ApiError ? e.text : String(e)));
    }
  }

  function recordsTable(records, caption) {
    const rows = [];
    for (const r of records) {
      const detailId = idFor('record', r.id);
      const detailRow = h('tr', { id: detailId, class: 'record-detail', hidden: true }, h('td', { colspan: 6 }, recordDetail(r)));
      const toggle = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': detailId, 'aria-label': `Details of ${r.id}` }, 'Details');
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        detailRow.hidden = !open;
      });
      rows.push(h('tr', null,
        h('td', null, time(r.time)),
        h('td', null, r.kind.replace(/_/g, ' ')),
        h('th', { scope: 'row' }, h('code', null, r.id)),
        h('td', null, r.request ? `${r.request.tool} ${r.request.operation}${r.request.target ? ` on ${r.request.target}` : ''}` : r.message ?? ''),
        h('td', null, r.effect ? h('span', { class: `effect ${r.effect}` }, effect(r.effect)) : '', r.reason ? ` ${r.reason}` : ''),
        h('td', null, toggle)));
      rows.push(detailRow);
    }

    return table(caption, ['Time', 'Kind', 'Record', 'What', 'Effect', ''], rows, { empty: 'No record matches.', class: 'records' });
  }

  function recordDetail(r) {
    const request = r.request;
    return h('div', { class: 'record' },
      r.problem ? h('p', { class: 'problem' }, r.problem) : null,
      details([
        ['Record', r.id],
        ['Actor', r.actor],
        ['Agent', r.agentId],
        ['Request id', r.requestId],
        ['Decision', r.decisionId],
        ['Approval', r.approvalId],
        ['Effect', r.effect ? effect(r.effect) : null],
        ['Reason', r.reason],
        ['Rule', r.ruleId],
        ['Policy version', r.policyVersion ?? null],
        ['Credential', r.credentialId ? `${r.credentialId}${r.credentialVersion ? ` v${r.credentialVersion}` : ''}` : null],
        ['Message', r.message],
      ]),
      request ? h('div', null, h('h3', null, 'Request'), details([
        ['Tool', request.tool],
        ['Operation', request.operation],
        ['Target', request.target],
        ['Workflow', request.workflow],
        ['Session', request.sessionId],
        ['Data labels', tags(request.dataLabels)],
        ['Attributes', map(request.attributes)],
        ['Evidence', map(request.evidence)],
        ['Arguments digest', request.argumentsDigest],
        ['Arguments', request.arguments ? h('pre', null, request.arguments) : null],
      ])) : null,
      r.detail && Object.keys(r.detail).length ? h('div', null, h('h3', null, 'Detail'), map(r.detail)) : null,
      h('p', { class: 'hashes' }, 'Hash ', h('code', null, r.hash), r.previousHash ? h('span', null, ' · previous ', h('code', null, r.previousHash)) : null),
      r.agentId && r.requestId
        ? h('button', { type: 'button', onclick: () => follow(r) }, 'Follow this request')
        : null);
  }

  async function verify(event) {
    const button = event.currentTarget;
    button.disabled = true;
    verifyResult.replaceChildren(h('p', null, 'Verifying…'));
    try {
      const v = await api('POST', '/v1/audit/verify');
      const summary = `${v.records} records in ${v.streams} streams, ${v.checkpoints} signed checkpoints`;
      verifyResult.replaceChildren(v.ok
        ? h('p', { class: 'done' }, `Verified: ${summary}. No record was edited, deleted, inserted or reordered.`)
        : h('div', { class: 'problem' },
          h('p', null, `Verification FAILED (${summary}):`),
          h('ul', null, v.problems.map(p => h('li', null, h('strong', null, p.kind), p.recordId ? ` at ${p.recordId}` : p.stream ? ` in ${p.stream}` : '', `: ${p.message}`)))));
      if (v.unconfirmed > 0) {
        verifyResult.append(h('p', { class: 'muted' }, `${v.unconfirmed} recent records are not covered by a signed checkpoint yet.`));
      }
    } catch (e) {
      verifyResult.replaceChildren(h('p', { class: 'problem' }, e instanceof ApiError ? e.text : String(e)));
    } finally {
      button.disabled = false;
    }
  }
}

function map(values) {
  const entries = Object.entries(values ?? {});
  return entries.length === 0 ? null : h('ul', { class: 'plain' }, entries.map(([k, v]) => h('li', null, h('code', null, k), ' = ', v)));
}
