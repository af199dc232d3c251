// A real Nostr relay (@nostr-relay/core + validator over ws) on 127.0.0.1 with an in-memory
// store. Prints {"port":N} once listening. Exits when stdin closes (the JVM went away).
// Usage: node relay.mjs [port] [--auth] [--max-subs N] [--nip11 JSON]
//
// A thin gate in front of the relay adds what some public relays do and the core does not:
//   --auth        NIP-42: sends ["AUTH", challenge] on connect and answers EVENT with
//                 "auth-required:" and REQ with CLOSED "auth-required:" until the connection
//                 has sent a valid kind 22242 event (signature, challenge, relay tag, fresh).
//   --max-subs N  at most N open subscriptions per connection; a REQ beyond is CLOSED.
//   --nip11 JSON  served as the NIP-11 document (Accept: application/nostr+json).
// After listening it prints {"event":"connections","open":N} whenever a connection opens or
// closes, {"event":"auth","pubkey":..} for each accepted AUTH and
// {"event":"published","kind":..,"id":..} for each event the relay accepted.
import core from '@nostr-relay/core';
import common from '@nostr-relay/common';
import validatorPkg from '@nostr-relay/validator';
import { WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { verifyEvent } from 'nostr-tools';

const { NostrRelay, createOutgoingNoticeMessage } = core;
const { EventRepository, EventUtils, EventType } = common;
const { Validator } = validatorPkg;

class MemoryRepository extends EventRepository {
  events = new Map();

  isSearchSupported() {
    return false;
  }

  upsert(event) {
    if (this.events.has(event.id)) return { isDuplicate: true };
    if (EventUtils.getType(event.kind) === EventType.REPLACEABLE) {
      for (const [id, e] of this.events) {
        if (e.pubkey === event.pubkey && e.kind === event.kind) {
          if (e.created_at > event.created_at) return { isDuplicate: true };
          this.events.delete(id);
        }
      }
    }
    this.events.set(event.id, event);
    return { isDuplicate: false };
  }

  find(filter) {
    const found = [...this.events.values()]
      .filter((e) => EventUtils.isMatchingFilter(e, filter) && matchesTags(e, filter))
      .sort((a, b) => b.created_at - a.created_at);
    return filter.limit === undefined ? found : found.slice(0, filter.limit);
  }

  async destroy() {}
}

// EventUtils.isMatchingFilter leaves "#x" tag filters to the repository.
function matchesTags(event, filter) {
  return Object.entries(filter)
    .filter(([key]) => key.length === 2 && key[0] === '#')
    .every(([key, values]) =>
      event.tags.some((tag) => tag[0] === key[1] && values.includes(tag[1])),
    );
}

const flag = (name) => process.argv.includes(name);
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const port = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 0);
const demandAuth = flag('--auth');
const maxSubs = Number(option('--max-subs') ?? 0);
const nip11 = option('--nip11');
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
// No filter-result cache: a test that stores an event and asks again at once must see it.
const relay = new NostrRelay(new MemoryRepository(), { filterResultCacheTtl: 0 });
const validator = new Validator();
const http = createServer((req, res) => {
  if (nip11 && (req.headers.accept ?? '').includes('application/nostr+json')) {
    res.writeHead(200, { 'content-type': 'application/nostr+json', 'access-control-allow-origin': '*' });
    res.end(nip11);
  } else {
    res.writeHead(404);
    res.end();
  }
});
const wss = new WebSocketServer({ server: http });

// The gate: returns true when it answered the message itself (the relay never sees it).
function gate(ws, state, raw) {
  let message;
  try {
    message = JSON.parse(raw);
  } catch {
    return false; // the validator answers with a NOTICE
  }
  if (!Array.isArray(message)) return false;
  const [type, arg] = message;
  if (type === 'AUTH' && demandAuth) {
    const event = arg ?? {};
    const tag = (name) => (event.tags ?? []).find((t) => t[0] === name)?.[1];
    let why = '';
    if (!verifyEvent(event)) why = 'invalid: bad signature';
    else if (event.kind !== 22242) why = 'invalid: not kind 22242';
    else if (tag('challenge') !== state.challenge) why = 'invalid: wrong challenge';
    else if (!tag('relay')) why = 'invalid: no relay tag';
    else if (Math.abs(event.created_at - Date.now() / 1000) > 600) why = 'invalid: stale';
    if (!why) {
      state.authed.add(event.pubkey);
      say({ event: 'auth', pubkey: event.pubkey });
    }
    ws.send(JSON.stringify(['OK', event.id ?? '', !why, why]));
    return true;
  }
  if (demandAuth && state.authed.size === 0) {
    if (type === 'EVENT') {
      ws.send(JSON.stringify(['OK', arg?.id ?? '', false, 'auth-required: this relay only serves authenticated users']));
      return true;
    }
    if (type === 'REQ') {
      ws.send(JSON.stringify(['CLOSED', arg, 'auth-required: this relay only serves authenticated users']));
      return true;
    }
  }
  if (type === 'REQ' && maxSubs > 0) {
    if (!state.subs.has(arg) && state.subs.size >= maxSubs) {
      ws.send(JSON.stringify(['CLOSED', arg, `error: too many subscriptions (at most ${maxSubs})`]));
      return true;
    }
    state.subs.add(arg);
  } else if (type === 'CLOSE') {
    state.subs.delete(arg);
  }
  return false;
}

wss.on('connection', (ws) => {
  const state = { challenge: randomBytes(16).toString('hex'), authed: new Set(), subs: new Set() };
  relay.handleConnection(ws);
  say({ event: 'connections', open: wss.clients.size });
  if (demandAuth) ws.send(JSON.stringify(['AUTH', state.challenge]));
  ws.on('message', async (data) => {
    try {
      if (gate(ws, state, data.toString())) return;
      const message = await validator.validateIncomingMessage(data);
      const result = await relay.handleMessage(ws, message);
      if (message[0] === 'EVENT' && (!result || result.success !== false)) {
        say({ event: 'published', kind: message[1].kind, id: message[1].id });
      }
    } catch (error) {
      ws.send(JSON.stringify(createOutgoingNoticeMessage(String(error?.message ?? error))));
    }
  });
  ws.on('close', () => {
    relay.handleDisconnect(ws);
    say({ event: 'connections', open: wss.clients.size });
  });
  ws.on('error', () => {});
});
http.listen(port, '127.0.0.1', () => {
  say({ port: http.address().port });
});
http.on('error', (error) => {
  process.stderr.write(`relay failed: ${error.message}\n`);
  process.exit(1);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
