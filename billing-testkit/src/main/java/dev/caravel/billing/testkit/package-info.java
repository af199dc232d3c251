/**
 * For anyone writing a {@link dev.caravel.billing.spi.Repository}: extend {@link
 * dev.caravel.billing.testkit.RepositoryContract} to check every duty of the port, races included;
 * {@link dev.caravel.billing.testkit.MutableClock} drives time; {@link
 * dev.caravel.billing.testkit.Race} starts threads at once.
 */
package dev.caravel.billing.testkit;
