// The approvals inbox. Approvers decide in a hurry, so each card shows everything the runtime asked for (every
// argument, the target and the addresses it resolved to, labels, workflow, the rule that asked and why), the agent's
// recent decisions, and who may still vote. The list refreshes every two seconds; a card is rebuilt only when its
// approval changed, so a comment being typed is never lost. The server enforces quorum and separation of duties;
// the page shows them.

import { api, ApiError, idPath } from './api.js';
import { announce, copyable, details, h, idFor, tags } from './dom.js';
import { duration, effect, prettyArguments, time } from './format.js';

const REFRESH_MS = 2000;

export function mount(root) {
  const cards = new Map();
  let serverOffset = 0;
  let timer = null;
  let stopped = false;

  const status = h('p', { class: 'status', role: 'status' });
  const empty = h('p', { class: 'empty', hidden: true }, 'Nothing is waiting for approval.');
  const list = h('div', { class: 'cards' });
  root.append(
    h('h1', null, 'Approvals inbox'),
    h('p', { class: 'hint' }, 'Pending approvals of every tenant, updated live. Read the whole request before you vote: one deny closes an approval.'),
    status, empty, list);

  async function refresh() {
    try {
      const inbox = await api('GET', '/v1/approvals');
      serverOffset = Date.parse(inbox.serverTime) - Date.now();
      reconcile(inbox.items);
      status.textContent = `${inbox.items.length} pending · updated ${time(inbox.serverTime)}`;
      status.classList.remove('problem');
    } catch (e) {
      status.textContent = e instanceof ApiError ? e.text : String(e);
      status.classList.add('problem');
    } finally {
      if (!stopped) {
        timer = setTimeout(refresh, document.hidden ? REFRESH_MS * 5 : REFRESH_MS);
      }
    }
  }

  function reconcile(items) {
    const seen = new Set();
    for (const item of items) {
      const id = item.approval.approvalId;
      seen.add(id);
      const existing = cards.get(id);
      const key = `${item.approval.revision}|${item.approval.escalated}|${item.you.mayVote}|${item.you.reason ?? ''}`;
      if (existing && (existing.key === key || existing.state.voted)) {
        continue;
      }

      const card = renderCard(item);
      if (existing) {
        // Keep what the approver typed, and where the keyboard was.
        const comment = existing.element.querySelector('textarea')?.value;
        const hadFocus = existing.element.contains(document.activeElement) ? document.activeElement.name : null;
        existing.element.replaceWith(card.element);
        const textarea = card.element.querySelector('textarea');
        if (textarea && comment) {
          textarea.value = comment;
        }

        if (hadFocus) {
          card.element.querySelector(`[name="${hadFocus}"]`)?.focus();
        }
      } else {
        list.append(card.element);
      }

      cards.set(id, { ...card, key });
    }

    for (const [id, card] of cards) {
      if (!seen.has(id) && !card.state.voted) {
        card.element.remove();
        cards.delete(id);
        announce(`Approval ${id} is no longer pending.`);
      }
    }

    empty.hidden = cards.size > 0;
    tick();
  }

  function tick() {
    const now = Date.now() + serverOffset;
    for (const element of list.querySelectorAll('[data-deadline]')) {
      const left = Date.parse(element.dataset.deadline) - now;
      element.textContent = left > 0 ? `${duration(left)} left` : 'expired';
      element.classList.toggle('urgent', left < 5 * 60 * 1000);
    }
  }

  const ticker = setInterval(tick, 1000);
  const onVisible = () => {
    if (!document.hidden && !stopped) {
      clearTimeout(timer);
      refresh();
    }
  };

  document.addEventListener('visibilitychange', onVisible);
  refresh();

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(ticker);
    document.removeEventListener('visibilitychange', onVisible);
  };

  function renderCard(item) {
    const a = item.approval;
    const s = a.subject ?? {};
    const p = a.policy ?? {};
    const headingId = idFor('approval', a.approvalId);
    const state = { voted: false };
    const approvals = (a.votes ?? []).filter(v => v.approve).length;
    const quorum = p.quorum ?? 1;

    const summary = `${s.tool} ${s.operation}${s.target ? ` on ${s.target}` : ''}`;
    const element = h('article', { class: 'card approval', 'aria-labelledby': headingId, dataset: { approvalId: a.approvalId } },
      h('header', null,
        h('h2', { id: headingId }, summary),
        h('p', { class: 'meta' },
          `Agent ${s.agentId}`, s.agentOwner ? ` (owner ${s.agentOwner})` : '',
          ` · asked ${time(a.openedAt)} · `,
          h('strong', { class: 'deadline', dataset: { deadline: a.deadline ?? '' } }, ''),
          a.escalated ? h('span', { class: 'badge warn' }, 'escalated') : null),
        // The CLI and the runtime name an approval by this id (mesh approval approve <id>).
        h('p', { class: 'meta approval-id' }, 'Approval id ', copyable(a.approvalId, 'approval id'))),
      h('section', { 'aria-label': 'Request' },
        h('h3', null, 'Request'),
        details([
          ['Tool', s.tool],
          ['Operation', s.operation],
          ['Target', s.target ?? h('span', { class: 'muted' }, 'none')],
          ['Resolved addresses', tags(s.resolvedAddresses)],
          ['Credential', s.credentialId],
          ['Workflow', s.workflow],
          ['Session', s.sessionId],
          ['Session labels', s.sessionId ? tags(s.sessionLabels, 'none yet') : null],
          ['Data labels', tags(s.dataLabels, 'none')],
          ['Attributes', attributes(s.attributes)],
          ['Request id', s.requestId],
        ])),
      h('section', { 'aria-label': 'Arguments' },
        h('h3', null, 'Arguments'),
        argumentsOf(s)),
      h('section', { 'aria-label': 'Why approval is needed' },
        h('h3', null, 'Why approval is needed'),
        h('p', null, 'Rule ', h('code', null, s.ruleId ?? '(unknown)'), ` of policy version ${a.policyVersion}`,
          s.ruleDescription ? `: ${s.ruleDescription}` : ' asked for a human decision.')),
      h('section', { 'aria-label': 'Votes' },
        h('h3', null, 'Votes'),
        h('p', null, `Needs ${quorum} approval${quorum === 1 ? '' : 's'}; ${approvals} so far. One deny closes the approval.`),
        votesList(a.votes),
        h('p', { class: 'who-may-vote' }, whoMayVote(a, s, p))),
      history(s.agentId),
      voteForm(item, state));

    return { element, state };
  }

  function voteForm(item, state) {
    const a = item.approval;
    if (!item.you.mayVote) {
      return h('p', { class: 'cannot-vote' }, h('strong', null, 'You cannot vote on this approval. '), item.you.reason ?? '');
    }

    const commentId = idFor('comment', a.approvalId);
    const result = h('p', { class: 'vote-result', role: 'status' });
    const form = h('form', { class: 'vote' },
      h('label', { for: commentId }, 'Comment (recorded with your vote)'),
      h('textarea', { id: commentId, name: 'comment', rows: 2, maxlength: 2048 }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', name: 'approve', value: 'approve', class: 'primary' }, 'Approve'),
        h('button', { type: 'submit', name: 'deny', value: 'deny', class: 'danger' }, 'Deny')),
      result);

    form.addEventListener('submit', async event => {
      event.preventDefault();
      const approve = event.submitter?.value === 'approve';
      const buttons = form.querySelectorAll('button');
      buttons.forEach(b => { b.disabled = true; });
      result.classList.remove('problem');
      result.textContent = approve ? 'Approving…' : 'Denying…';
      try {
        const view = await api('POST', `/v1/approvals/${idPath(a.approvalId)}/votes`, {
          approve,
          comment: form.querySelector('textarea').value.trim() || null,
        });
        state.voted = true;
        form.querySelector('textarea').disabled = true;
        result.textContent = `You ${approve ? 'approved' : 'denied'}. The approval is now ${view.status}.`;
        announce(result.textContent);
        result.append(' ', h('button', {
          type: 'button',
          class: 'quiet',
          onclick: () => {
            cards.delete(a.approvalId);
            form.closest('article').remove();
            empty.hidden = cards.size > 0;
          },
        }, 'Dismiss'));
      } catch (e) {
        result.classList.add('problem');
        result.textContent = e instanceof ApiError ? e.text : String(e);
        buttons.forEach(b => { b.disabled = false; });
      }
    });

    return form;
  }
}

function argumentsOf(s) {
  if (s.arguments) {
    return h('pre', { class: 'arguments', tabindex: 0, 'aria-label': 'Arguments, in full' }, prettyArguments(s.arguments));
  }

  if (s.argumentsDigest) {
    return h('p', null, 'The runtime sent only a digest of the arguments: ', h('code', null, s.argumentsDigest),
      '. Ask for the arguments before approving anything you cannot see.');
  }

  return h('p', { class: 'muted' }, 'No arguments.');
}

function attributes(map) {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? null : h('ul', { class: 'plain' }, entries.map(([k, v]) => h('li', null, h('code', null, k), ' = ', v)));
}

function votesList(votes) {
  if (!votes || votes.length === 0) {
    return h('p', { class: 'muted' }, 'No votes yet.');
  }

  return h('ul', { class: 'votes' }, votes.map(v => h('li', null,
    h('strong', null, v.approverId), v.approve ? ' approved' : ' denied', ` at ${time(v.at)}`,
    v.comment ? h('q', null, v.comment) : null)));
}

function whoMayVote(a, s, p) {
  const groups = a.eligibleGroups?.length ? a.eligibleGroups : p.groups ?? [];
  const voted = (a.votes ?? []).map(v => v.approverId);
  let text = `May still vote: members of ${groups.join(', ')}`;
  const excluded = [];
  if (voted.length) {
    excluded.push(`those who voted (${voted.join(', ')})`);
  }

  if (p.separationOfDuties !== false && s.agentOwner) {
    excluded.push(`${s.agentOwner}, who owns the agent (separation of duties)`);
  }

  text += excluded.length ? `, except ${excluded.join(' and ')}.` : '.';
  if (!a.escalated && p.escalationGroups?.length) {
    text += ` Escalates to ${p.escalationGroups.join(', ')} if nobody decides in time.`;
  }

  return text;
}

// The requesting agent's recent decisions, loaded when the approver opens them (most never need to).
function history(agentId) {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('details', { class: 'history' }, h('summary', null, `Recent decisions of ${agentId}`), body);
  let loaded = false;
  panel.addEventListener('toggle', async () => {
    if (!panel.open || loaded) {
      return;
    }

    loaded = true;
    try {
      const decisions = await api('GET', `/v1/agents/${idPath(agentId)}/decisions?limit=10`);
      body.replaceChildren(decisions.length === 0
        ? h('p', { class: 'muted' }, 'No recorded decisions.')
        : h('ol', { class: 'recent' }, decisions.map(d => h('li', null,
          h('span', { class: `effect ${d.effect}` }, effect(d.effect)), ' ',
          `${d.tool} ${d.operation}${d.target ? ` on ${d.target}` : ''}`,
          h('span', { class: 'muted' }, ` · ${time(d.time)}${d.reason ? ` · ${d.reason}` : ''}`)))));
    } catch (e) {
      loaded = false;
      body.replaceChildren(h('p', { class: 'problem' }, e instanceof ApiError ? e.text : String(e)));
    }
  });

  return panel;
}

