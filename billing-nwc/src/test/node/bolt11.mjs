// Real BOLT11 invoices for a fake ledger: valid bech32, real payment hash, payment secret,
// description, expiry and a real recoverable secp256k1 signature by a throwaway node key.
// Nothing can route them; they exist so the client can decode and check what it is handed.
import { createHash, randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values) {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
  }
  return chk >>> 0;
}

function hrpExpand(hrp) {
  const out = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

function bech32Encode(hrp, words) {
  const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [];
  for (let i = 0; i < 6; i++) checksum.push((mod >> (5 * (5 - i))) & 31);
  return hrp + '1' + [...words, ...checksum].map((w) => CHARSET[w]).join('');
}

function convertBits(data, from, to, pad) {
  let acc = 0;
  let bits = 0;
  const out = [];
  const max = (1 << to) - 1;
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & max);
  return out;
}

function intToWords(value, minLength = 1) {
  const words = [];
  let v = BigInt(value);
  while (v > 0n) {
    words.unshift(Number(v & 31n));
    v >>= 5n;
  }
  while (words.length < minLength) words.unshift(0);
  return words;
}

function tagged(type, words) {
  return [CHARSET.indexOf(type), ...intToWords(words.length, 2), ...words];
}

const nodeKey = secp256k1.utils.randomPrivateKey();

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** A new invoice for msats: {bolt11, preimage, paymentHash} (hex strings). */
export function makeBolt11({ msats, description = '', expirySeconds = 3600, timestamp, network = 'bcrt' }) {
  const preimage = randomBytes(32);
  const paymentHash = sha256(preimage);
  const bolt11 = encodeBolt11({ msats, description, expirySeconds, timestamp, network, paymentHash });
  return { bolt11, preimage: preimage.toString('hex'), paymentHash: paymentHash.toString('hex') };
}

export function encodeBolt11({ msats, description, expirySeconds, timestamp, network = 'bcrt', paymentHash }) {
  // 1 msat = 10 pico-bitcoin; a 'p' amount must end in 0, which msats * 10 always does.
  const hrp = `ln${network}${BigInt(msats) * 10n}p`;
  const ts = timestamp ?? Math.floor(Date.now() / 1000);
  const words = [
    ...intToWords(ts, 7),
    ...tagged('p', convertBits(paymentHash, 8, 5, true)),
    ...tagged('s', convertBits(randomBytes(32), 8, 5, true)),
    ...tagged('d', convertBits(Buffer.from(description, 'utf8'), 8, 5, true)),
    ...tagged('x', intToWords(expirySeconds)),
  ];
  const signed = Buffer.concat([Buffer.from(hrp, 'utf8'), Buffer.from(convertBits(words, 5, 8, true))]);
  const signature = secp256k1.sign(sha256(signed), nodeKey);
  const sigBytes = [...signature.toCompactRawBytes(), signature.recovery];
  return bech32Encode(hrp, [...words, ...convertBits(sigBytes, 8, 5, true)]);
}
