// Parses a nostr+walletauth:// URI with @getalby/sdk 7.0.0's own NWAClient.parseWalletAuthUrl
// and prints what it read, one JSON line:
//   {"event":"parsed","options":{...every field parseWalletAuthUrl returns...},
//    "query":{"state":..,"renewal_period":..}}
// "query" holds the parameters the SDK 7.0.0 does not read (NWC-08's state and renewal_period),
// read with the URL class the SDK itself uses, so a test can see they survive too.
// On a parse error: {"event":"error","message":".."} and exit code 1.
//
//   node nwa-parse.mjs 'nostr+walletauth://...'
//
// With --make '<NWAClient options as JSON>' it goes the other way: prints the URI the SDK itself
// writes, {"event":"made","uri":"nostr+walletauth://...","appPubkey":".."}, for our parser to read.
import './polyfill.mjs';
import { NWAClient } from '@getalby/sdk/nwc';

const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
if (process.argv[2] === '--make') {
  const client = new NWAClient(JSON.parse(process.argv[3]));
  say({ event: 'made', uri: client.getConnectionUri(), appPubkey: client.options.appPubkey });
  client.pool.close(client.options.relayUrls);
  process.exit(0);
}
const uri = process.argv[2];
try {
  const options = NWAClient.parseWalletAuthUrl(uri);
  const query = new URL('http://' + uri.substring(uri.indexOf(':') + 1).replace(/^\/\//, '')).searchParams;
  say({
    event: 'parsed',
    options,
    query: { state: query.get('state'), renewal_period: query.get('renewal_period') },
  });
} catch (error) {
  say({ event: 'error', message: String(error?.message ?? error) });
  process.exitCode = 1;
}
