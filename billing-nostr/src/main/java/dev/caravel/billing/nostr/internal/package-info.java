/**
 * What the module's packages share and no other module may use: hex, JSON, the secp256k1 curve,
 * bech32, the checked fields of an event, and ECDH with a key's secret. {@code module-info} exports
 * this package to no one; its types are public only so that the module's two other packages can
 * reach them.
 */
package dev.caravel.billing.nostr.internal;
