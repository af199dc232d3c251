package dev.caravel.billing.spi;

/**
 * Names the invoice a claim makes from the number the repository drew for it (see {@link
 * Repository#claim}). The engine formats the number alone ({@code INV-000123} by default); a test
 * may name by the claim.
 */
@FunctionalInterface
public interface InvoiceNumbering {
  String id(long number, Claim claim);
}
