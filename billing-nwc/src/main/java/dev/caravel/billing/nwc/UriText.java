package dev.caravel.billing.nwc;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Percent-encoding of URI query values, as the NWC URIs write them. */
final class UriText {
  private UriText() {}

  /**
   * Percent-encodes a query value; a space is {@code %20}, never {@code +}, as Alby's SDK writes
   * it, so a reader that percent-decodes only still gets a space.
   */
  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Form-decodes a query value ({@code +} is a space), as {@code URLSearchParams} does: how Alby's
   * {@code NWAClient.parseWalletAuthUrl} reads a wallet auth URI.
   *
   * @throws IllegalArgumentException when the percent-encoding is broken
   */
  static String formDecode(String raw) {
    return URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }
}
