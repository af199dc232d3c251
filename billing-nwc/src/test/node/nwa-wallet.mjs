// A wallet accepting a client-initiated connection (NWC-08, nostr+walletauth://), built on
// @getalby/sdk 7.0.0's NWAClient.parseWalletAuthUrl (to read the request) and nostr-tools (to
// sign, encrypt and publish), as a wallet app would. Used by wallet.mjs's "nwa-accept" command,
// so the connection pays invoices of the same fake ledger as the other connections.
//
// acceptWalletAuth(...) reads the request, makes a fresh wallet key for the connection, starts
// answering its requests, then publishes the kind 13194 info event NWC-08 asks for:
//   tags: ["encryption","nip44_v2 nip04"], ["p", <client pubkey>], ["state", <state>],
//         ["relay", ...] when told to recommend relays; content: the methods granted (exactly
//         the request_methods asked, plus get_info).
// The connection enforces the request's budget: max_amount msats per period (the period is not
// waited out here), counting every paid invoice; a payment past it is answered QUOTA_EXCEEDED,
// before anything moves. get_budget answers used_budget, total_budget, renewal_period, renews_at.
// NWCWalletService 7.0.0 knows no get_budget, hence nostr-tools for the request loop.
import { NWAClient } from '@getalby/sdk/nwc';
import { finalizeEvent, generateSecretKey, getPublicKey, nip04, nip44, Relay } from 'nostr-tools';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';

const now = () => Math.floor(Date.now() / 1000);

// The period's end as a wallet would compute it (30 days for monthly is close enough here).
const PERIOD_SECONDS = { daily: 86400, weekly: 7 * 86400, monthly: 30 * 86400, yearly: 365 * 86400 };

/**
 * @param uri       the nostr+walletauth:// URI, as scanned
 * @param ledger    { pay(conn, invoice) -> {preimage} | {error:{code,message}}, entryOf(invoice) }
 * @param options   { omitState, state (a different one), relays (recommended relay tags),
 *                    grant (methods to grant instead), createdAt (a date for the info event),
 *                    say (log lines) }
 */
export async function acceptWalletAuth(uri, ledger, options = {}) {
  const request = NWAClient.parseWalletAuthUrl(uri);
  const query = new URL('http://' + uri.substring(uri.indexOf(':') + 1).replace(/^\/\//, '')).searchParams;
  const state = options.state ?? query.get('state');
  const renewal = request.budgetRenewal ?? query.get('renewal_period') ?? 'never';
  const walletSecret = generateSecretKey();
  const walletPubkey = getPublicKey(walletSecret);
  const client = request.appPubkey;
  const name = 'nwa-' + walletPubkey.slice(0, 8);
  const granted = options.grant ?? [...new Set([...request.requestMethods, 'get_info'])];
  const budget = { total: request.maxAmount ?? 0, used: 0, renewal, since: now() };
  const say = options.say ?? (() => {});

  const conversation = nip44.getConversationKey(walletSecret, client);
  const encrypt = async (encryption, text) => encryption === 'nip04'
    ? nip04.encrypt(bytesToHex(walletSecret), client, text)
    : nip44.encrypt(text, conversation);
  const decrypt = async (encryption, text) => encryption === 'nip04'
    ? nip04.decrypt(bytesToHex(walletSecret), client, text)
    : nip44.decrypt(text, conversation);

  function handle(method, params) {
    const fail = (code, message) => ({ error: { code, message } });
    if (!granted.includes(method)) return fail('RESTRICTED', `${method} was not granted`);
    switch (method) {
      case 'get_info':
        return { result: { alias: name, network: 'regtest', pubkey: '02' + '22'.repeat(32), methods: granted } };
      case 'get_budget':
        if (!budget.total) return { result: {} };
        return { result: { used_budget: budget.used, total_budget: budget.total, renewal_period: budget.renewal,
          renews_at: budget.renewal === 'never' ? undefined : budget.since + PERIOD_SECONDS[budget.renewal] } };
      case 'pay_invoice': {
        const entry = ledger.entryOf(params.invoice);
        if (entry && budget.total && budget.used + entry.amount > budget.total) {
          return fail('QUOTA_EXCEEDED', `the connection's budget of ${budget.total} msats is spent`);
        }
        const paid = ledger.pay(name, params.invoice);
        if (paid.error) return paid;
        budget.used += entry.amount;
        return { result: { preimage: paid.preimage, fees_paid: 0 } };
      }
      default:
        return fail('NOT_IMPLEMENTED', `${method} is not implemented`);
    }
  }

  const relays = [];
  for (const url of request.relayUrls) {
    const relay = new Relay(url);
    await relay.connect();
    relays.push(relay);
    relay.subscribe([{ kinds: [23194], authors: [client], '#p': [walletPubkey], since: now() - 60 }], {
      onevent: async (event) => {
        const encryption = event.tags.find((t) => t[0] === 'encryption')?.[1] ?? 'nip04';
        let method = 'unknown';
        let reply;
        try {
          const body = JSON.parse(await decrypt(encryption, event.content));
          method = body.method;
          reply = handle(method, body.params ?? {});
        } catch (error) {
          reply = { error: { code: 'OTHER', message: String(error?.message ?? error) } };
        }
        say({ event: 'request', conn: name, method, error: reply.error?.code });
        const response = finalizeEvent({
          kind: 23195, created_at: now(), tags: [['e', event.id], ['p', client]],
          content: await encrypt(encryption, JSON.stringify({ result_type: method, ...reply })),
        }, walletSecret);
        await Promise.allSettled(relays.map((r) => r.publish(response)));
      },
    });
  }

  const tags = [['encryption', 'nip44_v2 nip04'], ['p', client]];
  if (!options.omitState && state) tags.push(['state', state]);
  for (const relay of options.relays ?? []) tags.push(['relay', relay]);
  const info = finalizeEvent({
    kind: 13194, created_at: options.createdAt ?? now(), tags, content: granted.join(' '),
  }, walletSecret);
  await Promise.all(relays.map((r) => r.publish(info)));
  return {
    conn: name, walletPubkey, infoId: info.id, methods: granted,
    request: { name: request.name, maxAmount: request.maxAmount, budgetRenewal: request.budgetRenewal, state },
    close: () => relays.forEach((r) => r.close()),
  };
}
