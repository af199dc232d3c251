package dev.caravel.billing.examples;

import java.util.function.Supplier;

/**
 * Invoice ids {@code prefix1}, {@code prefix2}, ... without gaps. The engine takes an id for
 * every tenant it tries to claim, before it knows whether an invoice results (nothing owed: no
 * invoice, and the id is dropped). So this hands out the next number until an invoice is seen to
 * use it ({@link #used}). Correct when at most one claim is made per generate call: one tenant at
 * a time ({@code generateInvoice}, or {@code runCycle} with a page size of 1).
 */
final class SequentialInvoiceIds implements Supplier<String> {
  private final String format;
  private long used;

  /** @param format a {@link String#format} pattern for the number, e.g. {@code "inv-%d"} */
  SequentialInvoiceIds(String format) {
    this.format = format;
  }

  @Override
  public synchronized String get() {
    return String.format(format, used + 1);
  }

  /** An invoice was created with {@code id}: the next one gets the next number. */
  synchronized void used(String id) {
    if (id.equals(String.format(format, used + 1))) {
      used++;
    }
  }
}
