// Ledger: tree size, the last signed head, a verify button (the Ed25519 signature and,
// against the head verified before in this tab, a consistency proof), and an inclusion
// proof for any event — all checked here in the browser, not taken on trust.
import { getJson } from '../api.js';
import { formatNumber, t } from '../i18n.js';
import { card, el } from '../dom.js';
import { verifyConsistency, verifyHeadSignature, verifyInclusion } from '../merkle.js';

const LAST_VERIFIED = 'livechain.ledger.verified';

function field(label, value, name) {
  return [el('dt', { text: label }), el('dd', { class: 'mono', 'data-field': name, text: value })];
}

export function render(main) {
  const headList = el('dl', { class: 'fields' });
  const verifyButton = el('button', { type: 'button', 'data-action': 'verify', text: t('verify') });
  const verifyResult = el('p', { class: 'result', role: 'status', 'data-result': 'verify' });
  const seqInput = el('input', { id: 'seq', type: 'number', min: 0, step: 1, inputmode: 'numeric', required: true });
  const proofResult = el('div', { class: 'result', role: 'status', 'data-result': 'proof' });
  const proofForm = el('form', { class: 'inline' }, [
    el('label', { for: 'seq', text: t('proof_seq') }),
    seqInput,
    el('button', { type: 'submit', text: t('proof_get') }),
  ]);
  main.append(
    el('h1', { text: t('nav_ledger') }),
    card(t('nav_ledger'), [headList, verifyButton, verifyResult], { 'data-section': 'head' }),
    card(t('proof_title'), [proofForm, proofResult], { 'data-section': 'proof' }),
  );

  let head = null;
  async function loadHead() {
    head = await getJson('/v1/ledger/head');
    headList.replaceChildren(
      ...field(t('tree_size'), formatNumber(head.tree_size), 'tree_size'),
      ...field(t('root'), head.root, 'root'),
      ...field(t('signed_at'), head.time ?? '', 'time'),
      ...field(t('signature'), head.signature ?? t('no_data'), 'signature'),
      ...field(t('public_key'), head.public_key ?? t('no_data'), 'public_key'),
    );
    if (head.tree_size > 0) seqInput.max = String(head.tree_size - 1);
    return head;
  }

  verifyButton.addEventListener('click', async () => {
    verifyResult.className = 'result';
    verifyResult.textContent = t('loading');
    try {
      const current = await loadHead();
      if (!(await verifyHeadSignature(current))) throw new Error('signature');
      const before = JSON.parse(sessionStorage.getItem(LAST_VERIFIED) ?? 'null');
      if (before && before.tree_size > 0 && before.tree_size <= current.tree_size && before.public_key === current.public_key) {
        const proof = await getJson(`/v1/ledger/proof/consistency?from=${before.tree_size}&to=${current.tree_size}`);
        const ok = await verifyConsistency(before.tree_size, current.tree_size, before.root, current.root, proof.proof);
        if (!ok) throw new Error(`consistency ${before.tree_size} → ${current.tree_size}`);
        verifyResult.textContent = t('verify_ok', { from: formatNumber(before.tree_size), to: formatNumber(current.tree_size) });
      } else {
        verifyResult.textContent = t('verify_ok_first', { to: formatNumber(current.tree_size) });
      }
      sessionStorage.setItem(LAST_VERIFIED, JSON.stringify(current));
      verifyResult.classList.add('ok');
      verifyResult.dataset.verified = 'true';
    } catch (error) {
      verifyResult.textContent = t('verify_failed', { detail: error.message });
      verifyResult.classList.add('bad');
      verifyResult.dataset.verified = 'false';
    }
  });

  proofForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    proofResult.className = 'result';
    proofResult.textContent = t('loading');
    try {
      const seq = Number(seqInput.value);
      const proof = await getJson(`/v1/ledger/proof/inclusion?seq=${seq}`);
      const evidence = await getJson(`/v1/ledger/events/${seq}`);
      const ok =
        evidence.leaf_hash === proof.leaf_hash &&
        (await verifyInclusion(proof.seq, proof.tree_size, proof.leaf_hash, proof.proof, proof.root));
      proofResult.replaceChildren(
        el('p', { text: ok ? t('proof_ok', { seq, size: formatNumber(proof.tree_size), steps: proof.proof.length }) : t('proof_bad') }),
        el('dl', { class: 'fields' }, [
          ...field(t('event_kind'), evidence.kind, 'kind'),
          ...field('leaf_hash', proof.leaf_hash, 'leaf_hash'),
          ...field(t('root'), proof.root, 'proof_root'),
        ]),
        el('ol', { class: 'mono proof' }, proof.proof.map((hash) => el('li', { text: hash }))),
      );
      proofResult.classList.add(ok ? 'ok' : 'bad');
      proofResult.dataset.verified = String(ok);
    } catch (error) {
      proofResult.textContent = t('error', { detail: error.message });
      proofResult.classList.add('bad');
    }
  });

  loadHead().catch((error) => headList.replaceChildren(el('p', { class: 'error', role: 'alert', text: t('error', { detail: error.message }) })));
  return null;
}
