// The dashboard's shell: sign-in, navigation by URL fragment (#/live, #/kpis, #/stock,
// #/ledger), and hiding what the key's role may not read.
import './style.css';
import { ApiError, apiKey, getJson, setApiKey, takeTokenFromFragment } from './api.js';
import { language, setLanguage, t, translate } from './i18n.js';
import { el } from './dom.js';
import { canCall, setCallable } from './access.js';
import * as live from './pages/live.js';
import * as kpis from './pages/kpis.js';
import * as stock from './pages/stock.js';
import * as ledger from './pages/ledger.js';

// Each page is shown only when the key may call every route it reads: GET /v1/me
// lists them from the server's own route table, so the permission table stays the
// only place that decides, and a route not on this server (yet) hides its page too.
const PAGES = [
  // Orders are reservation data: the live page needs reservations_read as well.
  { id: 'live', nav: 'nav_live', module: live, routes: ['GET /v1/stock', 'GET /v1/stream', 'GET /v1/reservations/{id}'] },
  { id: 'kpis', nav: 'nav_kpis', module: kpis, routes: ['GET /v1/kpis', 'GET /v1/kpis/definitions'] },
  { id: 'stock', nav: 'nav_stock', module: stock, routes: ['GET /v1/stock'] },
  { id: 'ledger', nav: 'nav_ledger', module: ledger, routes: ['GET /v1/ledger/head', 'GET /v1/ledger/proof/inclusion'] },
];

let visible = [];
let cleanup = null;

const main = document.getElementById('main');
const nav = document.getElementById('nav');

async function visiblePages() {
  const me = await getJson('/v1/me');
  setCallable(me.routes);
  document.body.dataset.role = me.role;
  return PAGES.filter((page) => page.routes.every(canCall));
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
    visible = await visiblePages();
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
