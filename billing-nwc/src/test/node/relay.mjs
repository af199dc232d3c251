// A real Nostr relay (@nostr-relay/core + @nostr-relay/validator) on 127.0.0.1, in memory.
//
//   node relay.mjs [--port N] [--auth] [--max-subs N]
//
// A thin gate in front of the relay adds what some public relays do and the core does not:
//   --auth        NIP-42: sends ["AUTH", challenge] on connect, and answers EVENT with OK false
//                 "auth-required:" and REQ with CLOSED "auth-required:" until the connection has
//                 sent a valid kind 22242 event (signature, challenge, relay tag, fresh).
//   --max-subs N  at most N open subscriptions per connection (a common default is 20); a REQ
//                 beyond is CLOSED "error: too many subscriptions".
// Prints {"event":"connections","open":N} when a connection opens or closes,
// {"event":"auth","pubkey":..} per accepted AUTH, {"event":"capped"} per refused REQ.
//
// Prints one JSON line {"event":"listening","port":N,"url":"ws://127.0.0.1:N"} when ready
// (port 0, the default, picks a free port). Reads JSON commands, one a line, on stdin:
//   {"cmd":"leak","on":true}  also deliver EVERY event to EVERY open subscription, ignoring
//                             filters: a careless or hostile relay, so the client's own
//                             checks (author, kind, e tag) are what stand between it and a
//                             forged or foreign response. Answers {"event":"ack","seq":<seq>,"cmd":"leak"}.
// Prints {"event":"req","filters":[...]} for every REQ and {"event":"published","id":..,"kind":..}
// for every accepted EVENT, so a test can wait for a client to (re)subscribe.
// Exits when stdin closes or on SIGTERM.
import { WebSocketServer } from 'ws';
import { createInterface } from 'node:readline';
import { NostrRelay } from '@nostr-relay/core';
import { Validator } from '@nostr-relay/validator';
import { EventRepository, EventType, EventUtils } from '@nostr-relay/common';
import { verifyEvent } from 'nostr-tools';
import { randomBytes } from 'node:crypto';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

class MemoryRepository extends EventRepository {
  constructor() {
    super();
    this.events = new Map();
  }
  isSearchSupported() {
    return false;
  }
  upsert(event) {
    const type = EventUtils.getType(event.kind);
    if (type === EventType.REPLACEABLE || type === EventType.PARAMETERIZED_REPLACEABLE) {
      const d = EventUtils.extractDTagValue(event) ?? '';
      for (const [id, old] of this.events) {
        if (old.kind === event.kind && old.pubkey === event.pubkey
            && (EventUtils.extractDTagValue(old) ?? '') === d) {
          if (old.created_at > event.created_at) return { isDuplicate: true };
          this.events.delete(id);
        }
      }
    }
    if (this.events.has(event.id)) return { isDuplicate: true };
    this.events.set(event.id, event);
    return { isDuplicate: false };
  }
  find(filter) {
    const out = [...this.events.values()]
      .filter((e) => EventUtils.isMatchingFilter(e, filter))
      .sort((a, b) => b.created_at - a.created_at);
    return filter.limit ? out.slice(0, filter.limit) : out;
  }
  async destroy() {}
}

const relay = new NostrRelay(new MemoryRepository());
const validator = new Validator();
const subscriptions = new Map(); // ws -> Map(subId -> true)
let leak = false;
const demandAuth = process.argv.includes('--auth');
const maxSubs = Number(arg('--max-subs', '0'));

// The gate: true when it answered the message itself (the relay never sees it).
function gate(ws, state, raw) {
  let message;
  try {
    message = JSON.parse(raw);
  } catch {
    return false;
  }
  if (!Array.isArray(message)) return false;
  const [type, body] = message;
  if (type === 'AUTH' && demandAuth) {
    const event = body ?? {};
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
      ws.send(JSON.stringify(['OK', body?.id ?? '', false, 'auth-required: authenticate first']));
      return true;
    }
    if (type === 'REQ') {
      ws.send(JSON.stringify(['CLOSED', body, 'auth-required: authenticate first']));
      return true;
    }
  }
  if (type === 'REQ' && maxSubs > 0) {
    if (!state.subs.has(body) && state.subs.size >= maxSubs) {
      say({ event: 'capped' });
      ws.send(JSON.stringify(['CLOSED', body, `error: too many subscriptions (at most ${maxSubs})`]));
      return true;
    }
    state.subs.add(body);
  } else if (type === 'CLOSE') {
    state.subs.delete(body);
  }
  return false;
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(arg('--port', '0')) });

wss.on('connection', (ws) => {
  const state = { challenge: randomBytes(16).toString('hex'), authed: new Set(), subs: new Set() };
  relay.handleConnection(ws, '127.0.0.1');
  subscriptions.set(ws, new Set());
  say({ event: 'connections', open: wss.clients.size });
  if (demandAuth) ws.send(JSON.stringify(['AUTH', state.challenge]));
  ws.on('message', async (data) => {
    try {
      if (gate(ws, state, data.toString())) return;
      const message = await validator.validateIncomingMessage(data);
      if (message[0] === 'REQ') {
        subscriptions.get(ws)?.add(message[1]);
        say({ event: 'req', filters: message.slice(2) });
      } else if (message[0] === 'CLOSE') {
        subscriptions.get(ws)?.delete(message[1]);
      }
      const result = await relay.handleMessage(ws, message);
      if (message[0] === 'EVENT') {
        const event = message[1];
        const accepted = !result || result.success !== false;
        if (accepted) {
          say({ event: 'published', id: event.id, kind: event.kind });
        }
        if (leak && accepted) {
          for (const [client, subs] of subscriptions) {
            if (client.readyState !== 1) continue;
            for (const subId of subs) client.send(JSON.stringify(['EVENT', subId, event]));
          }
        }
      }
    } catch (error) {
      ws.send(JSON.stringify(['NOTICE', String(error?.message ?? error)]));
    }
  });
  ws.on('close', () => {
    subscriptions.delete(ws);
    relay.handleDisconnect(ws);
    say({ event: 'connections', open: wss.clients.size });
  });
  ws.on('error', () => {});
});

wss.on('listening', () => {
  const port = wss.address().port;
  say({ event: 'listening', port, url: `ws://127.0.0.1:${port}` });
});

function shutdown() {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (!line.trim()) return;
    try {
      const command = JSON.parse(line);
      if (command.cmd === 'leak') {
        leak = Boolean(command.on);
        say({ event: 'ack', seq: command.seq, cmd: 'leak' });
      } else {
        say({ event: 'error', message: 'unknown command ' + command.cmd });
      }
    } catch (error) {
      say({ event: 'error', message: String(error) });
    }
  })
  .on('close', shutdown);
process.on('SIGTERM', shutdown);
