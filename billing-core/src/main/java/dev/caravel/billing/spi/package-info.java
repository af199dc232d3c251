/**
 * What a storage implements: {@link dev.caravel.billing.spi.Repository} and the records only a
 * storage needs (ledgers, reconciliations, renewals, claims, leases, collection state), with {@link
 * dev.caravel.billing.memory.InMemoryRepository} as the reference. Every implementation must pass
 * the contract kit in {@code billing-testkit}.
 */
package dev.caravel.billing.spi;
