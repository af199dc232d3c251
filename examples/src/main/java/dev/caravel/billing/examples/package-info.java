/**
 * The runnable side: the {@code billing} command (demo, replay, nwc-check) and a production wiring.
 */
package dev.caravel.billing.examples;
