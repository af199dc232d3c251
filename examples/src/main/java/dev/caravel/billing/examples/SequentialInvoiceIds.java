package dev.caravel.billing.examples;

import java.util.function.Supplier;

/**
 * Invoice ids {@code prefix1}, {@code prefix2}, ...: the engine draws an id only when it makes an
 * invoice, so a counter numbers them without gaps.
 */
final class SequentialInvoiceIds implements Supplier<String> {
  private final String format;
  private long next;

  /**
   * @param format a {@link String#format} pattern for the number, e.g. {@code "inv-%d"}
   */
  SequentialInvoiceIds(String format) {
    this.format = format;
  }

  @Override
  public synchronized String get() {
    return String.format(format, ++next);
  }
}
