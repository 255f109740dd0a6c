// The fleet view: tenants, their agents and credentials, and the emergency stop. Operators (and admins) get the
// buttons; every change asks first, takes a reason for the audit trail, and shows the fleet receipt: how many silos
// acknowledged it and how long that took, so the operator knows it holds everywhere before moving on.

import { api, ApiError, idPath, session } from './api.js';
import { announce, append, h, table, tags } from './dom.js';
import { confirmAction } from './dialog.js';
import { receipt, time } from './format.js';

export function mount(root, [selected]) {
  const mayOperate = session.may('operate');
  const outcome = h('div', { class: 'outcome', role: 'status', 'aria-live': 'polite' });
  const stopPanel = h('section', { class: 'panel stop', 'aria-labelledby': 'stop-title' });
  const tenantsPanel = h('section', { class: 'panel', 'aria-labelledby': 'tenants-title' });
  const tenantPanel = h('section', { class: 'panel', 'aria-labelledby': 'tenant-title', hidden: !selected });
  append(root, [
    h('h1', null, 'Fleet'),
    mayOperate ? null : h('p', { class: 'hint' }, 'Read-only: your role can see the fleet but not change it.'),
    outcome, stopPanel, tenantsPanel, tenantPanel]);

  let stopped = false;
  loadAll();
  return () => { stopped = true; };

  async function loadAll() {
    await Promise.all([loadStop(), loadTenants()]);
    if (selected) {
      await loadTenant(selected);
    }
  }

  function fail(panel, e) {
    if (!stopped) {
      panel.append(h('p', { class: 'problem' }, e instanceof ApiError ? e.text : String(e)));
    }
  }

  // Runs a change, then shows what happened and its fleet receipt, and reloads what it changed.
  async function act(label, call, reload) {
    outcome.replaceChildren(h('p', null, `${label}…`));
    try {
      const result = await call();
      const text = `${label}: done. ${receipt(result?.receipt)}`;
      outcome.replaceChildren(h('p', { class: 'done' }, text));
      announce(text);
      await reload();
    } catch (e) {
      outcome.replaceChildren(h('p', { class: 'problem' }, `${label}: ${e instanceof ApiError ? e.text : String(e)}`));
    }
  }

  async function loadStop() {
    try {
      const status = await api('GET', '/v1/emergency-stop');
      renderStop(status);
    } catch (e) {
      stopPanel.replaceChildren(h('h2', { id: 'stop-title' }, 'Emergency stop'));
      fail(stopPanel, e);
    }
  }

  function renderStop(status) {
    const engaged = status.emergencyStop;
    stopPanel.classList.toggle('engaged', engaged);
    stopPanel.replaceChildren();
    append(stopPanel, [
      h('h2', { id: 'stop-title' }, 'Emergency stop'),
      h('p', { class: engaged ? 'state engaged' : 'state' }, engaged
        ? `ENGAGED: every decision of every agent is denied. ${status.reason ? `Reason: ${status.reason}. ` : ''}By ${status.changedBy ?? 'unknown'} at ${time(status.changedAt)}.`
        : 'Released: decisions follow policy.'),
      mayOperate
        ? engaged
          ? h('button', { type: 'button', onclick: releaseStop }, 'Release emergency stop…')
          : h('button', { type: 'button', class: 'danger', onclick: engageStop }, 'Engage emergency stop…')
        : null]);
  }

  async function engageStop() {
    const answer = await confirmAction({
      title: 'Engage the emergency stop?',
      message: 'Every decision of every agent in every tenant will be denied, on every silo, until someone releases it.',
      confirmLabel: 'Engage emergency stop',
      word: 'STOP',
    });
    if (answer) {
      await act('Emergency stop engaged', () => api('POST', '/v1/emergency-stop', { reason: answer.reason }), loadStop);
    }
  }

  async function releaseStop() {
    const answer = await confirmAction({
      title: 'Release the emergency stop?',
      message: 'Agents will be decided by policy again at once.',
      confirmLabel: 'Release',
      askReason: false,
    });
    if (answer) {
      await act('Emergency stop released', () => api('DELETE', '/v1/emergency-stop'), loadStop);
    }
  }

  async function loadTenants() {
    tenantsPanel.replaceChildren(h('h2', { id: 'tenants-title' }, 'Tenants'));
    try {
      const tenants = await api('GET', '/v1/tenants');
      tenantsPanel.append(table('Every tenant', ['Tenant', 'Status', 'Policy version', mayOperate ? 'Actions' : null].filter(Boolean),
        tenants.map(t => h('tr', { class: t.tenantId === selected ? 'selected' : null },
          h('th', { scope: 'row' }, h('a', { href: `#/fleet/${encodeURIComponent(t.tenantId)}`, 'aria-current': t.tenantId === selected ? 'true' : null }, t.tenantId)),
          h('td', null, t.paused ? h('span', { class: 'badge bad' }, 'paused') : h('span', { class: 'badge ok' }, 'active'),
            t.paused && t.pauseReason ? ` ${t.pauseReason}` : '', t.paused && t.pausedBy ? ` (by ${t.pausedBy})` : ''),
          h('td', null, t.activePolicyVersion ? String(t.activePolicyVersion) : 'none'),
          mayOperate ? h('td', null, t.paused
            ? button('Resume', `Resume tenant ${t.tenantId}`, () => act(`Tenant ${t.tenantId} resumed`, () => api('POST', `/v1/tenants/${encodeURIComponent(t.tenantId)}/resume`), reloadAll))
            : button('Pause', `Pause tenant ${t.tenantId}`, () => guarded({
              title: `Pause tenant ${t.tenantId}?`,
              message: 'Every agent of the tenant is denied until the tenant is resumed.',
              confirmLabel: 'Pause tenant',
            }, reason => act(`Tenant ${t.tenantId} paused`, () => api('POST', `/v1/tenants/${encodeURIComponent(t.tenantId)}/pause`, { reason }), reloadAll)))) : null)),
        { empty: 'No tenants yet: register an agent, issue a credential or publish a policy.' }));
    } catch (e) {
      fail(tenantsPanel, e);
    }
  }

  async function reloadAll() {
    await loadTenants();
    if (selected) {
      await loadTenant(selected);
    }
  }

  async function loadTenant(tenant) {
    tenantPanel.hidden = false;
    tenantPanel.replaceChildren(h('h2', { id: 'tenant-title' }, `Tenant ${tenant}`),
      h('button', { type: 'button', class: 'quiet', onclick: reloadAll }, 'Refresh'));
    try {
      const [agents, credentials] = await Promise.all([
        api('GET', `/v1/tenants/${encodeURIComponent(tenant)}/agents`),
        api('GET', `/v1/tenants/${encodeURIComponent(tenant)}/credentials`),
      ]);
      tenantPanel.append(agentsTable(agents), credentialsTable(credentials, agents));
    } catch (e) {
      fail(tenantPanel, e);
    }
  }

  function agentsTable(agents) {
    const reload = () => loadTenant(selected);
    return table('Agents', ['Agent', 'Status', 'Owner', 'Credentials', 'Decisions', mayOperate ? 'Actions' : null].filter(Boolean),
      agents.map(agent => {
        const id = agent.agentId;
        const path = `/v1/agents/${idPath(id)}`;
        const actions = [];
        if (mayOperate) {
          if (agent.status === 'active') {
            actions.push(button('Pause', `Pause ${id}`, () => guarded({
              title: `Pause ${id}?`, message: 'Every decision of this agent is denied until it is resumed.', confirmLabel: 'Pause agent',
            }, reason => act(`Agent ${id} paused`, () => api('POST', `${path}/pause`, { reason }), reload))));
            actions.push(button('Quarantine', `Quarantine ${id}`, () => guarded({
              title: `Quarantine ${id}?`, message: 'Quarantine is for an agent you suspect: every decision is denied until an operator resumes it.', confirmLabel: 'Quarantine agent',
            }, reason => act(`Agent ${id} quarantined`, () => api('POST', `${path}/quarantine`, { reason }), reload))));
          } else {
            actions.push(button('Resume', `Resume ${id}`, () => act(`Agent ${id} resumed`, () => api('POST', `${path}/resume`), reload)));
          }
        }

        return h('tr', null,
          h('th', { scope: 'row' }, id),
          h('td', null, statusBadge(agent.status), agent.statusReason ? ` ${agent.statusReason}` : '', agent.statusChangedBy && agent.status !== 'active' ? ` (by ${agent.statusChangedBy})` : ''),
          h('td', null, agent.registration?.owner ?? ''),
          h('td', null, tags(agent.registration?.credentials, 'none')),
          h('td', null, h('span', { class: 'counts' },
            h('span', { class: 'effect allow' }, `${agent.allowed} allowed`), ' · ',
            h('span', { class: 'effect deny' }, `${agent.denied} denied`), ' · ',
            h('span', { class: 'effect require_approval' }, `${agent.approvalsRequested} asked approval`))),
          mayOperate ? h('td', { class: 'row-actions' }, actions) : null);
      }), { empty: 'No agents registered in this tenant.' });
  }

  function credentialsTable(credentials, agents) {
    const reload = () => loadTenant(selected);
    return table('Credentials', ['Credential', 'Status', 'Version', 'Held by', 'Expires', mayOperate ? 'Actions' : null].filter(Boolean),
      credentials.map(credential => {
        const id = credential.credentialId;
        const path = `/v1/credentials/${idPath(id)}`;
        const holders = agents.filter(a => (a.registration?.credentials ?? []).includes(id)).map(a => a.agentId);
        const actions = [];
        if (mayOperate && credential.status !== 'revoked') {
          if (credential.status === 'active') {
            actions.push(button('Suspend', `Suspend ${id}`, () => guarded({
              title: `Suspend ${id}?`, message: 'No decision allows this credential until it is resumed.', confirmLabel: 'Suspend credential',
            }, reason => act(`Credential ${id} suspended`, () => api('POST', `${path}/suspend`, { reason }), reload))));
          } else {
            actions.push(button('Resume', `Resume ${id}`, () => act(`Credential ${id} resumed`, () => api('POST', `${path}/resume`), reload)));
          }

          actions.push(button('Revoke', `Revoke ${id}`, () => guarded({
            title: `Revoke ${id}?`, message: 'Revoking is permanent: no decision that starts afterwards allows this credential, on any silo.', confirmLabel: 'Revoke credential',
          }, reason => act(`Credential ${id} revoked`, () => api('POST', `${path}/revoke`, { reason }), reload)), 'danger small'));
        }

        return h('tr', null,
          h('th', { scope: 'row' }, id, credential.spec?.description ? h('span', { class: 'muted block' }, credential.spec.description) : null),
          h('td', null, statusBadge(credential.expired ? 'expired' : credential.status), credential.statusReason ? ` ${credential.statusReason}` : ''),
          h('td', null, String(credential.version)),
          h('td', null, tags(holders, 'no agent')),
          h('td', null, credential.spec?.expiresAt ? time(credential.spec.expiresAt) : 'never'),
          mayOperate ? h('td', { class: 'row-actions' }, actions) : null);
      }), { empty: 'No credentials issued in this tenant.' });
  }
}

async function guarded(options, run) {
  const answer = await confirmAction(options);
  if (answer) {
    await run(answer.reason);
  }
}

function button(text, label, onclick, kind) {
  return h('button', { type: 'button', class: kind ?? 'small', 'aria-label': label, onclick }, text);
}

function statusBadge(status) {
  const kind = status === 'active' ? 'ok' : status === 'paused' || status === 'suspended' ? 'warn' : 'bad';
  return h('span', { class: `badge ${kind}` }, status);
}
