// Node 20 has no global WebSocket; nostr-tools (inside @getalby/sdk) captures it when its
// module is evaluated, so this module must be imported before any of them.
import WebSocket from 'ws';

if (globalThis.WebSocket === undefined) {
  globalThis.WebSocket = WebSocket;
}
