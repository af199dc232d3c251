// A real Nostr relay (@nostr-relay/core + validator over ws) on 127.0.0.1 with an in-memory
// store. Prints {"port":N} once listening. Exits when stdin closes (the JVM went away).
// Usage: node relay.mjs [port]
import core from '@nostr-relay/core';
import common from '@nostr-relay/common';
import validatorPkg from '@nostr-relay/validator';
import { WebSocketServer } from 'ws';

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

const port = Number(process.argv[2] ?? 0);
// No filter-result cache: a test that stores an event and asks again at once must see it.
const relay = new NostrRelay(new MemoryRepository(), { filterResultCacheTtl: 0 });
const validator = new Validator();
const wss = new WebSocketServer({ host: '127.0.0.1', port });

wss.on('connection', (ws) => {
  relay.handleConnection(ws);
  ws.on('message', async (data) => {
    try {
      const message = await validator.validateIncomingMessage(data);
      await relay.handleMessage(ws, message);
    } catch (error) {
      ws.send(JSON.stringify(createOutgoingNoticeMessage(String(error?.message ?? error))));
    }
  });
  ws.on('close', () => relay.handleDisconnect(ws));
  ws.on('error', () => {});
});
wss.on('listening', () => {
  process.stdout.write(JSON.stringify({ port: wss.address().port }) + '\n');
});
wss.on('error', (error) => {
  process.stderr.write(`relay failed: ${error.message}\n`);
  process.exit(1);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
