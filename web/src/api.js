// The server's API as the dashboard uses it. The key lives in sessionStorage only and
// goes out as "Authorization: Bearer" (HTTP) or as a WebSocket subprotocol
// "bearer.<key>" beside "livechain" — never in a URL, so it stays out of logs.
const KEY_STORAGE = 'livechain.key';

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

// Takes "#token=KEY" from the URL fragment once, keeps it, and removes it from the
// address bar and history.
export function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  setApiKey(decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/live');
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// GET PATH as JSON. Throws ApiError(status) for non-2xx answers.
export async function getJson(path) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${apiKey() ?? ''}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  if (!response.ok) {
    let detail = `${response.status}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch {
      // not problem JSON: the status says enough
    }
    throw new ApiError(response.status, detail);
  }
  return response.json();
}

// Every balance row, page by page, up to ROWS_MAX rows. Returns {items, truncated}.
export async function allStock(rowsMax) {
  const items = [];
  let cursor = null;
  do {
    const query = `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await getJson(`/v1/stock?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < rowsMax);
  return { items: items.slice(0, rowsMax), truncated: Boolean(cursor) || items.length > rowsMax };
}

// Opens /v1/stream; ON_MESSAGE gets each parsed push, ON_STATE(true|false) the link.
// Reconnects after a drop (1 s, doubling up to 30 s). Returns a function that closes it.
export function openStream(subscribe, onMessage, onState) {
  let socket = null;
  let closed = false;
  let delay_ms = 1000;
  const connect = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/v1/stream`, ['livechain', `bearer.${apiKey()}`]);
    socket.onopen = () => {
      delay_ms = 1000;
      onState(true);
      socket.send(JSON.stringify({ subscribe }));
    };
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = () => {
      onState(false);
      if (closed) return;
      setTimeout(connect, delay_ms);
      delay_ms = Math.min(delay_ms * 2, 30000);
    };
  };
  connect();
  return () => {
    closed = true;
    // Closing while the handshake runs makes the browser warn; close once it is open.
    if (socket?.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close();
    else socket?.close();
  };
}
