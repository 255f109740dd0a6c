// The console's shell: sign-in, the section navigation (by URL hash, so back/forward and bookmarks work) and the
// mounting of one view at a time. Each view returns a function that stops its timers when another view replaces it.

import { api, ApiError, forget, remember, session } from './api.js';
import { announce } from './dom.js';
import * as approvals from './approvals.js';
import * as fleet from './fleet.js';
import * as audit from './audit.js';

const views = {
  approvals: { module: approvals, permission: 'read-approvals', title: 'Approvals' },
  fleet: { module: fleet, permission: 'read', title: 'Fleet' },
  audit: { module: audit, permission: 'audit', title: 'Audit' },
};

let unmount = null;

function byId(id) {
  return document.getElementById(id);
}

function showSignIn(message) {
  stopView();
  byId('nav').hidden = true;
  byId('who').hidden = true;
  byId('view').replaceChildren();
  byId('sign-in').hidden = false;
  const error = byId('sign-in-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  document.title = 'Sign in · Mesh console';
  byId('token').focus();
}

function stopView() {
  if (unmount) {
    unmount();
    unmount = null;
  }
}

function showConsole() {
  byId('sign-in').hidden = true;
  byId('who').hidden = false;
  const me = session.me;
  byId('who-name').textContent = `${me.name} (${me.roles.join(', ')})`;
  for (const link of byId('nav').querySelectorAll('a[data-permission]')) {
    link.parentElement.hidden = !session.may(link.dataset.permission);
  }

  byId('nav').hidden = false;
  route();
}

function firstAllowedView() {
  return Object.keys(views).find(name => session.may(views[name].permission));
}

function route() {
  if (!session.me) {
    return;
  }

  const [, name = '', ...rest] = location.hash.split('/');
  const allowed = firstAllowedView();
  if (!allowed) {
    stopView();
    byId('view').replaceChildren(Object.assign(document.createElement('p'), {
      className: 'problem',
      textContent: 'This token has no role the console can use (approver, operator, auditor or admin).',
    }));
    return;
  }

  const view = views[name] && session.may(views[name].permission) ? name : allowed;
  if (view !== name) {
    location.replace(`#/${view}`);
    return;
  }

  stopView();
  for (const link of byId('nav').querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${view}`) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }

  const container = byId('view');
  container.replaceChildren();
  document.title = `${views[view].title} · Mesh console`;
  unmount = views[view].module.mount(container, rest.map(decodeURIComponent));
  const heading = container.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

async function signIn(token) {
  const me = await api('GET', '/v1/me', undefined, { token });
  remember(token);
  session.me = me;
  announce(`Signed in as ${me.name}.`);
  showConsole();
}

byId('sign-in-form').addEventListener('submit', async event => {
  event.preventDefault();
  const input = byId('token');
  const token = input.value.trim();
  const error = byId('sign-in-error');
  if (!token) {
    error.hidden = false;
    error.textContent = 'Enter an API token.';
    input.focus();
    return;
  }

  const button = event.submitter ?? event.target.querySelector('button');
  button.disabled = true;
  try {
    await signIn(token);
    input.value = '';
  } catch (e) {
    error.hidden = false;
    error.textContent = e instanceof ApiError && e.status === 401
      ? 'That token was refused: it is unknown, revoked or mistyped.'
      : e instanceof ApiError ? e.text : String(e);
    input.focus();
  } finally {
    button.disabled = false;
  }
});

byId('sign-out').addEventListener('click', () => {
  forget();
  showSignIn(null);
  announce('Signed out.');
});

window.addEventListener('mesh:unauthorized', event => {
  forget();
  showSignIn(event.detail);
});

window.addEventListener('hashchange', route);

if (session.token) {
  signIn(session.token).catch(e => {
    forget();
    showSignIn(e instanceof ApiError && e.status === 401 ? 'Your session ended: sign in again.' : e.message);
  });
} else {
  showSignIn(null);
}
