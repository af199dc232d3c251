// A real NIP-47 wallet service: @getalby/sdk 7.0.0's NWCWalletService, answering from an
// in-memory fake ledger (real BOLT11 strings, real sha256 payment hashes and preimages).
//
//   node wallet.mjs --relay ws://127.0.0.1:PORT [--auth]
//
// --auth: the relay demands NIP-42 AUTH; every connection of this script authenticates (as its
// wallet key) before it publishes or subscribes, and the readiness probe by Alby's NWCClient
// (which does not authenticate) is skipped.
//
// Four connections, each with its own wallet key and client secret:
//   service  the service's own wallet (nip44_v2 + nip04, as NWCWalletService advertises)
//   tenant   a tenant's wallet that pays (same encryption; starts with 50,000,000 msats)
//   legacy   a NIP-04-only wallet: its info event says `encryption: nip04`, and it ignores any
//            request that is not NIP-04 (so a client that used NIP-44 with it times out);
//            it has 50,000,000 msats too, and does not offer get_balance
//   restricted  a restricted connection as wallets hand out for invoicing: only make_invoice
//            and lookup_invoice (no get_info: NWCWalletService answers it NOT_IMPLEMENTED)
// The service connection's info offers `payment_received` notifications: when one of its
// invoices is settled, a kind 23197 (NIP-44) and a kind 23196 (NIP-04) notification go out.
// When all three answer a probe from Alby's own NWCClient, prints one JSON line:
//   {"event":"ready","uris":{"service":"nostr+walletconnect://...",...},"wallets":{name:pubkey}}
// Then prints {"event":"request","conn":..,"method":..} for each request the
// service handles, and {"event":"seen","conn":..,"id":..,"tags":[..]} for each request event
// the spy sees on the relay, and {"event":"lost"} when a reply could not be published (the
// relay was down).
//
// Commands on stdin, one JSON object a line, each answered {"event":"ack","seq":<seq>,...}:
//   {"cmd":"mode","seq":1, ...}   replaces the behaviour for every connection:
//       "error": {"code":"RATE_LIMITED","message":"..","method":"pay_invoice"?}  answer with it
//       "silent": true            never answer
//       "hold": true              answer only after {"cmd":"release"}
//       "forge": true             before answering (300 ms later), publish forged responses:
//                                 one by another key, one for another request id, one of the
//                                 wrong kind (they reach the client only on a leaking relay)
//       "lookup": "no_preimage" | "wrong_preimage" | "state_only" | "settled_at_only"
//                                 how a settled invoice is described by lookup_invoice
//       "pay": "no_preimage" | "wrong_preimage"   how a successful payment is reported
//       "rateLimit": N            answer the next N requests RATE_LIMITED, then normally
//       "wholeSats": true         make_invoice invoices whole sats only (truncating msats)
//       "maxExpiry": S            make_invoice caps the expiry at S seconds
//       "notify": false           no payment_received notification when an invoice settles
//   {"cmd":"release"}             answer every held request
//   {"cmd":"invoice","conn":"service","msats":N,"description":".."}  make an invoice directly
//                                 ("store":false: a valid BOLT11 the ledger does not know)
//   {"cmd":"settle","payment_hash":"..."}  mark an invoice paid out of band
//   {"cmd":"tx","payment_hash":"..."}      the ledger entry and the balances
//   {"cmd":"nwa-accept","uri":"nostr+walletauth://..."}  accept a client-initiated connection
//                                 (nwa-wallet.mjs): a new connection on this ledger with
//                                 50,000,000 msats, enforcing the request's budget; answers
//                                 {"conn":..,"walletPubkey":..,"methods":[..],"request":{..}}.
//                                 Options: "omitState", "state" (another), "relays" (relay tags
//                                 to recommend), "grant" (methods), "createdAt" (info event date)
// Exits when stdin closes or on SIGTERM.
import './polyfill.mjs';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { NWCClient, NWCWalletService, NWCWalletServiceKeyPair } from '@getalby/sdk/nwc';
import { finalizeEvent, generateSecretKey, getPublicKey, nip04, nip44, Relay } from 'nostr-tools';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { makeBolt11, sha256 } from './bolt11.mjs';
import { acceptWalletAuth } from './nwa-wallet.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
// The SDK logs to the console; keep stdout for the protocol above.
let subscribedCount = 0; // NWCWalletService logs "subscribed to relays" once its REQ is out
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    if (args[0] === 'subscribed to relays') subscribedCount++;
    process.stderr.write(`[${level}] ${args.map(String).join(' ')}\n`);
  };
}

// NWCWalletService answers on a relay connection that may be closed by then (the relay
// restarted mid-request); nostr-tools then rejects a promise nobody awaits, which would end
// the process. A real wallet service keeps running, and so does this one: the reply is lost.
process.on('unhandledRejection', (error) => {
  process.stderr.write(`[unhandled] ${error?.name ?? ''}: reply lost (${String(error?.message ?? error).slice(0, 80)})\n`);
  say({ event: 'lost', reason: String(error?.name ?? error) });
});

const relayUrl = arg('--relay');
const withAuth = process.argv.includes('--auth');
if (!relayUrl) {
  process.stderr.write('usage: node wallet.mjs --relay ws://127.0.0.1:PORT\n');
  process.exit(2);
}
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the fake ledger ---------------------------------------------------------------------

const ledger = new Map(); // payment_hash -> entry
const balances = { service: 0, tenant: 50_000_000, legacy: 50_000_000, restricted: 0 };

function createInvoice(owner, { amount, description = '', expiry }) {
  let expirySeconds = expiry ?? 3600;
  if (mode.maxExpiry) expirySeconds = Math.min(expirySeconds, mode.maxExpiry);
  if (mode.wholeSats) amount = Math.floor(amount / 1000) * 1000;
  const created = now();
  const { bolt11, preimage, paymentHash } = makeBolt11({ msats: amount, description, expirySeconds, timestamp: created });
  const entry = {
    owner, invoice: bolt11, preimage, payment_hash: paymentHash, amount, description,
    created_at: created, expires_at: created + expirySeconds, settled_at: undefined, state: 'pending',
  };
  ledger.set(paymentHash, entry);
  return entry;
}

function describe(entry, variant) {
  const tx = {
    type: 'incoming', state: entry.state, invoice: entry.invoice, description: entry.description,
    description_hash: '', payment_hash: entry.payment_hash, amount: entry.amount, fees_paid: 0,
    created_at: entry.created_at, expires_at: entry.expires_at,
  };
  if (entry.state === 'settled') {
    tx.settled_at = entry.settled_at;
    tx.preimage = entry.preimage;
    if (variant === 'no_preimage') delete tx.preimage;
    if (variant === 'wrong_preimage') tx.preimage = randomBytes(32).toString('hex');
    if (variant === 'state_only') delete tx.settled_at;
    if (variant === 'settled_at_only') delete tx.state;
  }
  return tx;
}

function findEntry({ payment_hash, invoice }) {
  if (payment_hash) return ledger.get(payment_hash);
  for (const entry of ledger.values()) if (entry.invoice === invoice) return entry;
  return undefined;
}

function settle(entry) {
  entry.state = 'settled';
  entry.settled_at = now();
  balances[entry.owner] = (balances[entry.owner] ?? 0) + entry.amount;
  if (entry.owner === 'service' && mode.notify !== false) notify(connections.service, entry).catch((e) => process.stderr.write(`notify failed: ${e}\n`));
}

// NIP-47 payment_received, both kinds, as NWCWalletService 7.0.0 has no notification sender.
async function notify(conn, entry) {
  const plaintext = JSON.stringify({ notification_type: 'payment_received', notification: describe(entry) });
  const secret = hexToBytes(conn.walletSecret);
  const tags = [['p', conn.clientPubkey]];
  const nip44Event = finalizeEvent({ kind: 23197, created_at: now(), tags, content: nip44.encrypt(plaintext, nip44.getConversationKey(secret, conn.clientPubkey)) }, secret);
  const nip04Event = finalizeEvent({ kind: 23196, created_at: now(), tags, content: await nip04.encrypt(conn.walletSecret, conn.clientPubkey, plaintext) }, secret);
  await services[conn.name].relay.publish(nip44Event);
  await services[conn.name].relay.publish(nip04Event);
  say({ event: 'notified', payment_hash: entry.payment_hash });
}

// ---- behaviour switches ------------------------------------------------------------------

let mode = {};
let held = [];
const fail = (code, message) => ({ result: undefined, error: { code, message } });

async function answer(conn, method, compute) {
  say({ event: 'request', conn, method });
  const m = mode;
  if (m.rateLimit > 0) {
    m.rateLimit--;
    return fail('RATE_LIMITED', 'slow down');
  }
  if (m.silent) return new Promise(() => {});
  if (m.hold) await new Promise((resolve) => held.push(resolve));
  if (m.forge) await sleep(300);
  if (m.error && (!m.error.method || m.error.method === method)) return fail(m.error.code, m.error.message ?? m.error.code);
  return compute();
}

function handlerFor(conn) {
  const handler = {
    getInfo: () => answer(conn, 'get_info', () => ({
      result: {
        alias: `fake-${conn}`, color: '#3399ff', pubkey: '02' + '11'.repeat(32), network: 'regtest',
        block_height: 1, block_hash: '00'.repeat(32), methods: methodsOf(conn),
      },
      error: undefined,
    })),
    makeInvoice: (params) => answer(conn, 'make_invoice', () => {
      if (!Number.isInteger(params.amount) || params.amount <= 0) return fail('OTHER', 'amount must be a positive integer');
      return { result: describe(createInvoice(conn, params)), error: undefined };
    }),
    payInvoice: (params) => answer(conn, 'pay_invoice', () => {
      const entry = findEntry({ invoice: params.invoice });
      if (!entry) return fail('PAYMENT_FAILED', 'no route to the destination');
      if (entry.state === 'settled') return fail('PAYMENT_FAILED', 'invoice is already paid');
      if (entry.expires_at < now()) return fail('PAYMENT_FAILED', 'invoice expired');
      if (balances[conn] < entry.amount) return fail('INSUFFICIENT_BALANCE', 'not enough funds');
      balances[conn] -= entry.amount;
      settle(entry);
      let preimage = entry.preimage;
      if (mode.pay === 'wrong_preimage') preimage = randomBytes(32).toString('hex');
      const result = { preimage, fees_paid: 0 };
      if (mode.pay === 'no_preimage') delete result.preimage;
      return { result, error: undefined };
    }),
    lookupInvoice: (params) => answer(conn, 'lookup_invoice', () => {
      const entry = findEntry(params);
      if (!entry) return fail('NOT_FOUND', 'invoice not found');
      return { result: describe(entry, mode.lookup), error: undefined };
    }),
  };
  if (conn === 'restricted') {
    delete handler.getInfo;
    delete handler.payInvoice;
    return handler;
  }
  if (conn !== 'legacy') {
    handler.getBalance = () => answer(conn, 'get_balance', () => ({ result: { balance: balances[conn] }, error: undefined }));
  }
  return handler;
}

const methodsOf = (conn) => conn === 'restricted'
  ? ['make_invoice', 'lookup_invoice']
  : ['get_info', 'make_invoice', 'pay_invoice', 'lookup_invoice', ...(conn === 'legacy' ? [] : ['get_balance'])];


// ---- the services ------------------------------------------------------------------------

class Nip04OnlyWalletService extends NWCWalletService {
  async decrypt(keypair, content, encryptionType) {
    if (encryptionType !== 'nip04') throw new Error(`nip04-only wallet got a ${encryptionType} request`);
    return super.decrypt(keypair, content, encryptionType);
  }
}

const connections = {};
for (const name of ['service', 'tenant', 'legacy', 'restricted']) {
  const walletSecret = bytesToHex(generateSecretKey());
  const clientSecret = bytesToHex(generateSecretKey());
  const walletPubkey = getPublicKey(hexToBytes(walletSecret));
  const clientPubkey = getPublicKey(hexToBytes(clientSecret));
  connections[name] = {
    name, walletSecret, clientSecret, walletPubkey, clientPubkey,
    uri: `nostr+walletconnect://${walletPubkey}?relay=${encodeURIComponent(relayUrl)}&secret=${clientSecret}`,
  };
}

// One NWCWalletService (one relay connection) per connection: the SDK keeps a single onclose
// hook per relay, so with two key pairs on one service only the last would resubscribe after
// the relay restarts.
const services = {
  service: new NWCWalletService({ relayUrl }),
  tenant: new NWCWalletService({ relayUrl }),
  legacy: new Nip04OnlyWalletService({ relayUrl }),
  restricted: new NWCWalletService({ relayUrl }),
};

// Under --auth, wait for the relay's challenge and authenticate before anything else.
async function authenticate(relay, secretBytes) {
  if (!relay.connected) await relay.connect();
  for (let i = 0; i < 250 && !relay.challenge; i++) await sleep(20);
  if (!relay.challenge) throw new Error('the relay sent no AUTH challenge');
  await relay.auth((template) => finalizeEvent(template, secretBytes));
}
if (withAuth) {
  for (const conn of Object.values(connections)) {
    await authenticate(services[conn.name].relay, hexToBytes(conn.walletSecret));
  }
}

async function publishInfo(conn) {
  const service = services[conn.name];
  if (conn.name === 'legacy') {
    const event = finalizeEvent({
      kind: 13194, created_at: now(), tags: [['encryption', 'nip04']],
      content: methodsOf('legacy').join(' '),
    }, hexToBytes(conn.walletSecret));
    await service._checkConnected();
    await service.relay.publish(event);
  } else {
    await service.publishWalletServiceInfoEvent(conn.walletSecret, methodsOf(conn.name),
      conn.name === 'service' ? ['payment_received'] : []);
  }
}

for (const conn of Object.values(connections)) {
  await publishInfo(conn);
  await services[conn.name].subscribe(
    new NWCWalletServiceKeyPair(conn.walletSecret, conn.clientPubkey),
    handlerFor(conn.name),
  );
}

// ---- the spy (sees every request; publishes forgeries on demand) ---------------------------

const byWallet = new Map(Object.values(connections).map((c) => [c.walletPubkey, c]));
let spy;

function forgedContent(method) {
  const t = now();
  switch (method) {
    case 'make_invoice':
    case 'lookup_invoice': {
      const fake = makeBolt11({ msats: 1, description: 'forged' });
      return { result_type: method, result: { type: 'incoming', state: 'settled', invoice: fake.bolt11, payment_hash: fake.paymentHash, preimage: fake.preimage, amount: 1, created_at: t, expires_at: t + 3600, settled_at: t } };
    }
    case 'pay_invoice':
      return { result_type: method, error: { code: 'PAYMENT_FAILED', message: 'forged failure' } };
    case 'get_balance':
      return { result_type: method, result: { balance: 123456789 } };
    default:
      return { result_type: method, result: { alias: 'forged', methods: [] } };
  }
}

async function encryptFor(conn, encryption, plaintext) {
  if (encryption === 'nip04') return nip04.encrypt(conn.walletSecret, conn.clientPubkey, plaintext);
  return nip44.encrypt(plaintext, nip44.getConversationKey(hexToBytes(conn.walletSecret), conn.clientPubkey));
}

async function forge(conn, request, encryption, method) {
  const content = await encryptFor(conn, encryption, JSON.stringify(forgedContent(method)));
  const forger = generateSecretKey();
  const events = [
    // signed by another key, for our request, readable as if the wallet had written it
    finalizeEvent({ kind: 23195, created_at: now(), tags: [['e', request.id], ['p', conn.clientPubkey]], content }, forger),
    // signed by the wallet, but for another request
    finalizeEvent({ kind: 23195, created_at: now(), tags: [['e', randomBytes(32).toString('hex')], ['p', conn.clientPubkey]], content }, hexToBytes(conn.walletSecret)),
    // signed by the wallet, for our request, but not a response (a notification kind)
    finalizeEvent({ kind: 23196, created_at: now(), tags: [['e', request.id], ['p', conn.clientPubkey]], content }, hexToBytes(conn.walletSecret)),
  ];
  for (const event of events) await spy.publish(event);
  say({ event: 'forged', conn: conn.name, id: request.id, count: events.length });
}

async function startSpy() {
  for (;;) {
    try {
      spy = new Relay(relayUrl);
      await spy.connect();
      if (withAuth) await authenticate(spy, generateSecretKey());
      spy.subscribe([{ kinds: [23194] }], {
        onevent: async (request) => {
          const conn = byWallet.get(request.tags.find((t) => t[0] === 'p')?.[1]);
          if (!conn) return;
          const encryption = request.tags.find((t) => t[0] === 'encryption')?.[1] ?? 'nip04';
          say({ event: 'seen', conn: conn.name, id: request.id, tags: request.tags });
          if (!mode.forge) return;
          try {
            const plaintext = encryption === 'nip04'
              ? await nip04.decrypt(conn.walletSecret, conn.clientPubkey, request.content)
              : nip44.decrypt(request.content, nip44.getConversationKey(hexToBytes(conn.walletSecret), conn.clientPubkey));
            await forge(conn, request, encryption, JSON.parse(plaintext).method);
          } catch (error) {
            process.stderr.write(`forging failed: ${error}\n`);
          }
        },
      });
      await new Promise((resolve) => { spy.onclose = resolve; });
    } catch {
      // relay down: try again shortly
    }
    await sleep(200);
  }
}
startSpy();

// ---- readiness: Alby's own client must get an answer from each connection --------------------

// Under --auth Alby's NWCClient cannot probe (it does not authenticate): wait for every
// service to have sent its subscription instead.
for (let i = 0; withAuth && i < 500 && subscribedCount < Object.keys(services).length; i++) await sleep(20);
for (const conn of withAuth ? [] : Object.values(connections)) {
  for (let attempt = 1; ; attempt++) {
    const client = new NWCClient({ nostrWalletConnectUrl: conn.uri });
    try {
      if (conn.name === 'restricted') {
        // No get_info here: any answer from the wallet proves it is subscribed.
        await client.lookupInvoice({ payment_hash: '00'.repeat(32) }).catch((e) => {
          if (e?.code !== 'NOT_FOUND') throw e;
        });
      } else {
        await client.getInfo();
      }
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(100);
    } finally {
      client.close();
    }
  }
}
say({
  event: 'ready',
  uris: Object.fromEntries(Object.values(connections).map((c) => [c.name, c.uri])),
  wallets: Object.fromEntries(Object.values(connections).map((c) => [c.name, c.walletPubkey])),
});

// ---- commands ------------------------------------------------------------------------------

function run(command) {
  switch (command.cmd) {
    case 'mode':
      mode = { ...command };
      return {};
    case 'release': {
      const count = held.length;
      held.forEach((resolve) => resolve());
      held = [];
      return { released: count };
    }
    case 'invoice': {
      if (command.store === false) {
        const foreign = makeBolt11({ msats: command.msats, description: command.description ?? '' });
        return { bolt11: foreign.bolt11, payment_hash: foreign.paymentHash };
      }
      const entry = createInvoice(command.conn ?? 'service', { amount: command.msats, description: command.description ?? '', expiry: command.expiry });
      return { bolt11: entry.invoice, payment_hash: entry.payment_hash };
    }
    case 'settle': {
      const entry = ledger.get(command.payment_hash);
      if (!entry) return { error: 'no such invoice' };
      if (entry.state !== 'settled') settle(entry);
      return {};
    }
    case 'tx': {
      const entry = ledger.get(command.payment_hash);
      return { tx: entry ? describe(entry) : null, balances };
    }
    default:
      return { error: 'unknown command ' + command.cmd };
  }
}

// ---- client-initiated connections (NWC-08) -------------------------------------------------

const nwaConnections = [];
const nwaLedger = {
  entryOf: (invoice) => findEntry({ invoice }),
  pay(conn, invoice) {
    const entry = findEntry({ invoice });
    balances[conn] ??= 50_000_000;
    if (!entry) return { error: { code: 'PAYMENT_FAILED', message: 'no route to the destination' } };
    if (entry.state === 'settled') return { error: { code: 'PAYMENT_FAILED', message: 'invoice is already paid' } };
    if (entry.expires_at < now()) return { error: { code: 'PAYMENT_FAILED', message: 'invoice expired' } };
    if (balances[conn] < entry.amount) return { error: { code: 'INSUFFICIENT_BALANCE', message: 'not enough funds' } };
    balances[conn] -= entry.amount;
    settle(entry);
    return { preimage: entry.preimage };
  },
};

async function acceptNwa(command) {
  const accepted = await acceptWalletAuth(command.uri, nwaLedger, { ...command, say });
  nwaConnections.push(accepted);
  const { close, ...shown } = accepted;
  return shown;
}

function shutdown() {
  for (const nwa of nwaConnections) {
    try { nwa.close(); } catch {}
  }
  for (const service of Object.values(services)) {
    try { service.close(); } catch {}
  }
  process.exit(0);
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (!line.trim()) return;
    let command;
    try {
      command = JSON.parse(line);
    } catch (error) {
      say({ event: 'error', message: String(error) });
      return;
    }
    if (command.cmd === 'nwa-accept') {
      acceptNwa(command)
        .then((accepted) => say({ event: 'ack', seq: command.seq, cmd: command.cmd, ...accepted }))
        .catch((error) => say({ event: 'ack', seq: command.seq, cmd: command.cmd, error: String(error?.message ?? error) }));
      return;
    }
    say({ event: 'ack', seq: command.seq, cmd: command.cmd, ...run(command) });
  })
  .on('close', shutdown);
process.on('SIGTERM', shutdown);
