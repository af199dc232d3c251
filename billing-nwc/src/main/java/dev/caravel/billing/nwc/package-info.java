/**
 * Lightning over Nostr Wallet Connect (NIP-47): the service and tenant wallets, their connector,
 * and HTTP exchange rates.
 */
package dev.caravel.billing.nwc;
