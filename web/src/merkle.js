// RFC 6962 / RFC 9162 proof checks and the Ed25519 tree-head signature, in the browser
// (WebCrypto), so the ledger page verifies what the server says instead of trusting it.

export function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; ++i) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function nodeHash(left, right) {
  const joined = new Uint8Array(1 + left.length + right.length);
  joined[0] = 0x01;
  joined.set(left, 1);
  joined.set(right, 1 + left.length);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

// True when PROOF (hex hashes) leads from LEAF_HASH at SEQ to ROOT of a tree of SIZE.
export async function verifyInclusion(seq, size, leafHash, proof, root) {
  if (seq >= size) return false;
  let fn = seq;
  let sn = size - 1;
  let r = fromHex(leafHash);
  for (const hex of proof) {
    const p = fromHex(hex);
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && toHex(r) === root;
}

// True when PROOF shows the tree of FROM events (FROM_ROOT) is a prefix of the tree of TO
// events (TO_ROOT) — history was only appended to.
export async function verifyConsistency(from, to, fromRoot, toRoot, proof) {
  if (from === to) return proof.length === 0 && fromRoot === toRoot;
  if (from === 0 || from > to) return false;
  let path = proof.map(fromHex);
  if ((from & (from - 1)) === 0 && from < 2 ** 31) path = [fromHex(fromRoot), ...path];
  if (path.length === 0) return false;
  let fn = from - 1;
  let sn = to - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && toHex(fr) === fromRoot && toHex(sr) === toRoot;
}

// The bytes a tree head's Ed25519 signature covers (src/journal/journal.cpp
// tree_head_message): the domain line, tree size and time as little-endian u64, the root.
function headMessage(head) {
  const domain = new TextEncoder().encode('livechain-tree-head-v1\n');
  const message = new Uint8Array(domain.length + 48);
  const view = new DataView(message.buffer);
  message.set(domain, 0);
  view.setBigUint64(domain.length, BigInt(head.tree_size), true);
  message.set(fromHex(head.root), domain.length + 8);
  view.setBigUint64(domain.length + 40, BigInt(head.time_ms), true);
  return message;
}

// True when HEAD's signature verifies under its public key.
export async function verifyHeadSignature(head) {
  if (!head.signature || !head.public_key) return false;
  const key = await crypto.subtle.importKey('raw', fromHex(head.public_key), { name: 'Ed25519' }, false, [
    'verify',
  ]);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, fromHex(head.signature), headMessage(head));
}
