/**
 * The in-memory storage: {@link dev.caravel.billing.memory.InMemoryRepository}, a plain {@link
 * dev.caravel.billing.spi.Repository} that keeps everything in the process and nothing across a
 * restart. It is for tests, demos and single-process hosts that need no durability, and it is the
 * reference the contract kit in {@code billing-testkit} runs on.
 */
package dev.caravel.billing.memory;
