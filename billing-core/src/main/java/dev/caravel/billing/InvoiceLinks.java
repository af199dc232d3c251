package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Tenant;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Invoice links are capabilities (DESIGN "Security", issue 22 part 2): invoice ids are sequential,
 * so the link carries a token only the host can make, {@code base64url(HMAC-SHA256(secret, LABEL ||
 * id))} cut to 128 bits. Nothing is stored: any instance with the same secret makes and checks the
 * same token, and a new secret revokes every link at once.
 *
 * <p>Links sent before tokens (0.3 and earlier: the id alone) open nothing, unless the host opts in
 * to a transition period that ends at a fixed instant ({@link #legacyUntil}).
 */
final class InvoiceLinks {
  /** Binds the MAC to this use, so the secret's MACs for any other purpose never pass as tokens. */
  private static final byte[] LABEL =
      "caravel-billing/invoice-link/v1\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * A tenant's account page (issue 24) is another capability: an invoice's token never opens an
   * account, nor the other way round, even for an invoice id spelled like a pubkey.
   */
  private static final byte[] ACCOUNT_LABEL =
      "caravel-billing/account-link/v1\0".getBytes(StandardCharsets.US_ASCII);

  /** 128 bits, 22 base64url characters. */
  private static final int TOKEN_BYTES = 16;

  /** A secret shorter than this is a configuration mistake (HMAC-SHA256 wants 256 bits). */
  static final int MIN_SECRET_BYTES = 32;

  private final String appUrl;
  private final SecretKeySpec key; // null: no secret configured, so no link can be made
  private final Instant legacyUntil; // null: untokenized links are refused
  private final Supplier<Instant> now;

  InvoiceLinks(String appUrl, byte[] secret, Instant legacyUntil, Supplier<Instant> now) {
    this.appUrl = appUrl;
    this.key = secret == null ? null : new SecretKeySpec(secret.clone(), "HmacSHA256");
    this.legacyUntil = legacyUntil;
    this.now = now;
  }

  /** Checks a host's secret; a copy is kept. */
  static byte[] checkedSecret(byte[] secret) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "linkSecret must be at least "
              + MIN_SECRET_BYTES
              + " bytes (openssl rand -base64 32), got "
              + secret.length);
    }
    return secret.clone();
  }

  boolean hasSecret() {
    return key != null;
  }

  /** {@code {appUrl}/account?invoice={id}&token={token}}. */
  String link(String invoiceId) {
    return appUrl
        + "/account?invoice="
        + URLEncoder.encode(invoiceId, StandardCharsets.UTF_8)
        + "&token="
        + token(invoiceId);
  }

  String token(String invoiceId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(LABEL, invoiceId));
  }

  /**
   * {@code {appUrl}/account?tenant={pubkey}&token={token}}: the tenant's own page (invoices,
   * payment methods), where a wallet's budget is raised or a card saved. No transition period: no
   * account link was ever sent without a token.
   */
  String accountLink(String tenant) {
    Checks.pubkey(tenant, "tenant");
    return appUrl
        + "/account?tenant="
        + tenant
        + "&token="
        + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(ACCOUNT_LABEL, tenant));
  }

  /**
   * The tenant whose account page {@code token} opens, if it exists; the same empty answer for a
   * wrong token, a malformed or an unknown tenant. The token is checked first, in constant time.
   */
  Optional<String> openAccount(String tenant, String token, Bookkeeping bookkeeping) {
    if (tenant == null || token == null || !matches(mac(ACCOUNT_LABEL, tenant), token)) {
      return Optional.empty();
    }
    try {
      return bookkeeping.profile(tenant).map(Tenant::pubkey);
    } catch (InvalidInputException notAPubkey) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code token} opens {@code invoiceId}: the right token, compared in constant time; or,
   * during the host's transition period only, no token at all (a link sent before tokens).
   */
  boolean opens(String invoiceId, String token) {
    if (invoiceId == null) {
      return false;
    }
    if (token == null || token.isEmpty()) {
      return legacyUntil != null && now.get().isBefore(legacyUntil);
    }
    return matches(mac(LABEL, invoiceId), token);
  }

  private static boolean matches(byte[] expected, String token) {
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException notBase64url) {
      return false;
    }
    return MessageDigest.isEqual(expected, given);
  }

  /** The invoice {@code token} opens, if any; the same empty answer for a wrong token or id. */
  Optional<Invoice> open(String invoiceId, String token, Bookkeeping bookkeeping) {
    if (!opens(invoiceId, token)) {
      return Optional.empty();
    }
    try {
      return bookkeeping.invoice(invoiceId);
    } catch (InvalidInputException notAnId) {
      return Optional.empty();
    }
  }

  private byte[] mac(byte[] label, String value) {
    if (key == null) {
      throw new IllegalStateException(
          "no linkSecret configured: invoice links need BillingBuilder.linkSecret");
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(label);
      return Arrays.copyOf(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), TOKEN_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
