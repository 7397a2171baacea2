// What the signed-in key may call, from GET /v1/me ("GET /v1/kpis", …). Pages ask
// before reading a route, so nothing answers 403 or 404 in the console.
let callable = new Set();

export function setCallable(routes) {
  callable = new Set(routes);
}

export function canCall(route) {
  return callable.has(route);
}
