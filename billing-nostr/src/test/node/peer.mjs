// A nostr-tools peer for the interop tests and the benchmark. One JSON request per stdin line:
//   {"id": 1, "op": "sign", ...}  ->  {"id": 1, "result": ...} or {"id": 1, "error": "..."}
// Exits when stdin closes.
import { createInterface } from 'node:readline';
import { bytesToHex, hexToBytes } from 'nostr-tools/utils';
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure';
import * as nip04 from 'nostr-tools/nip04';
import * as nip17 from 'nostr-tools/nip17';
import * as nip19 from 'nostr-tools/nip19';
import * as nip44 from 'nostr-tools/nip44';

const ops = {
  generate() {
    const sk = generateSecretKey();
    return { secret: bytesToHex(sk), pubkey: getPublicKey(sk) };
  },
  pubkey({ secret }) {
    return getPublicKey(hexToBytes(secret));
  },
  npub({ pubkey }) {
    return nip19.npubEncode(pubkey);
  },
  nsec({ secret }) {
    return nip19.nsecEncode(hexToBytes(secret));
  },
  sign({ secret, kind, tags, content, created_at }) {
    return finalizeEvent({ kind, tags, content, created_at }, hexToBytes(secret));
  },
  verify({ event }) {
    return verifyEvent(event);
  },
  nip44Encrypt({ secret, pubkey, plaintext }) {
    return nip44.v2.encrypt(plaintext, nip44.v2.utils.getConversationKey(hexToBytes(secret), pubkey));
  },
  nip44Decrypt({ secret, pubkey, payload }) {
    return nip44.v2.decrypt(payload, nip44.v2.utils.getConversationKey(hexToBytes(secret), pubkey));
  },
  nip04Encrypt({ secret, pubkey, plaintext }) {
    return nip04.encrypt(secret, pubkey, plaintext);
  },
  nip04Decrypt({ secret, pubkey, payload }) {
    return nip04.decrypt(secret, pubkey, payload);
  },
  nip17Wrap({ secret, recipient, message }) {
    // [copy for the sender, copy for the recipient]
    return nip17.wrapManyEvents(hexToBytes(secret), [{ publicKey: recipient }], message);
  },
  nip17Unwrap({ secret, wrap }) {
    return nip17.unwrapEvent(wrap, hexToBytes(secret));
  },
  bench({ millis }) {
    const sk = generateSecretKey();
    const peer = getPublicKey(generateSecretKey());
    const key = nip44.v2.utils.getConversationKey(sk, peer);
    const message = 'x'.repeat(200);
    const template = () => ({ kind: 1, tags: [], content: message, created_at: 1700000000 });
    const signed = finalizeEvent(template(), sk);
    const payload = nip44.v2.encrypt(message, key);
    const rate = (fn) => {
      for (let i = 0; i < 50; i++) fn(); // warm-up
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < millis) {
        fn();
        n++;
      }
      return (n * 1000) / (performance.now() - start);
    };
    return {
      sign: rate(() => finalizeEvent(template(), sk)),
      // a fresh object each time: verifyEvent caches its answer on the event
      verify: rate(() => verifyEvent({ id: signed.id, pubkey: signed.pubkey, created_at: signed.created_at, kind: signed.kind, tags: signed.tags, content: signed.content, sig: signed.sig })),
      nip44Encrypt: rate(() => nip44.v2.encrypt(message, key)),
      nip44Decrypt: rate(() => nip44.v2.decrypt(payload, key)),
    };
  },
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let id = null;
  try {
    const request = JSON.parse(line);
    id = request.id;
    const op = ops[request.op];
    if (!op) throw new Error(`unknown op ${request.op}`);
    process.stdout.write(JSON.stringify({ id, result: op(request) }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, error: String(error?.message ?? error) }) + '\n');
  }
});
rl.on('close', () => process.exit(0));
