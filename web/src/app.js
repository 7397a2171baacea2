// The dashboard's shell: sign-in, navigation by URL fragment (#/live, #/kpis, #/stock,
// #/ledger), and hiding what the key's role may not read.
import './style.css';
import { ApiError, allowed, apiKey, setApiKey, takeTokenFromFragment } from './api.js';
import { language, setLanguage, t, translate } from './i18n.js';
import { el } from './dom.js';
import * as live from './pages/live.js';
import * as kpis from './pages/kpis.js';
import * as stock from './pages/stock.js';
import * as ledger from './pages/ledger.js';

// Each page is shown only when every one of its probe routes is allowed for the key
// (a 403 hides it). The probes name routes, not roles, so the server's permission
// table stays the only place that decides.
const PAGES = [
  { id: 'live', nav: 'nav_live', module: live, probes: ['/v1/stock?limit=1', '/v1/reservations/probe'] },
  { id: 'kpis', nav: 'nav_kpis', module: kpis, probes: ['/v1/kpis/definitions'] },
  { id: 'stock', nav: 'nav_stock', module: stock, probes: ['/v1/stock?limit=1'] },
  { id: 'ledger', nav: 'nav_ledger', module: ledger, probes: ['/v1/ledger/head'] },
];

let visible = [];
let cleanup = null;

const main = document.getElementById('main');
const nav = document.getElementById('nav');

async function probePages() {
  const results = await Promise.all(
    PAGES.map(async (page) => (await Promise.all(page.probes.map(allowed))).every(Boolean)),
  );
  return PAGES.filter((_, i) => results[i]);
}

function renderNav(current) {
  nav.replaceChildren(
    ...visible.map((page) =>
      el('a', {
        href: `#/${page.id}`,
        'data-page': page.id,
        'aria-current': page.id === current ? 'page' : null,
        text: t(page.nav),
      }),
    ),
  );
}

function showSignIn(message) {
  cleanup?.();
  cleanup = null;
  nav.replaceChildren();
  document.getElementById('signout').hidden = true;
  const input = el('input', { id: 'key', type: 'password', autocomplete: 'off', required: true });
  const form = el('form', { class: 'card signin' }, [
    el('h1', { text: t('sign_in_title') }),
    message ? el('p', { class: 'error', role: 'alert', text: message }) : null,
    el('label', { for: 'key', text: t('api_key') }),
    input,
    el('p', { class: 'hint', text: t('api_key_hint') }),
    el('button', { type: 'submit', text: t('sign_in') }),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setApiKey(input.value.trim());
    start();
  });
  main.replaceChildren(form);
  input.focus();
}

function route() {
  const wanted = /^#\/(\w+)/.exec(location.hash)?.[1];
  const page = visible.find((p) => p.id === wanted) ?? visible[0];
  if (!page) {
    main.replaceChildren(el('p', { class: 'card', text: t('forbidden_page') }));
    return;
  }
  if (wanted && wanted !== page.id) {
    history.replaceState(null, '', `#/${page.id}`);
  }
  cleanup?.();
  renderNav(page.id);
  main.replaceChildren();
  main.dataset.page = page.id;
  cleanup = page.module.render(main) ?? null;
}

async function start() {
  takeTokenFromFragment();
  if (!apiKey()) return showSignIn();
  try {
    visible = await probePages();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setApiKey(null);
      return showSignIn(t('bad_key'));
    }
    throw error;
  }
  document.getElementById('signout').hidden = false;
  document.body.dataset.pages = visible.map((p) => p.id).join(' ');
  route();
}

function init() {
  const select = document.getElementById('lang');
  setLanguage(language());
  select.value = language();
  translate();
  select.addEventListener('change', () => {
    setLanguage(select.value);
    translate();
    if (apiKey() && visible.length) route();
    else if (!apiKey()) showSignIn();
  });
  document.getElementById('signout').addEventListener('click', () => {
    setApiKey(null);
    visible = [];
    history.replaceState(null, '', location.pathname);
    showSignIn();
  });
  // The skip link focuses the content without touching the fragment the router reads.
  document.querySelector('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  window.addEventListener('hashchange', () => {
    if (location.hash.includes('token=')) return start();
    if (location.hash.startsWith('#/') && visible.length) route();
  });
  start();
}

init();
