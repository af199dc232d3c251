package dev.caravel.billing.spring;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The checks every page form of the library passes before it acts (the account page here, the
 * example host's invoice page): the request comes from this origin, and repeats the CSRF token of
 * its cookie (a double-submit cookie, {@code HttpOnly}, {@code SameSite=Strict}). A cross-site form
 * post carries the victim's cookies but neither our origin nor the token only our page knows.
 */
public final class FormGuard {
  private static final SecureRandom RANDOM = new SecureRandom();

  private FormGuard() {}

  /**
   * A browser names the page's origin on every POST; it must be ours (the request's own scheme,
   * host and port). A request without Origin (not a browser's form) still needs the CSRF token.
   */
  public static boolean sameOrigin(String origin, HttpServletRequest request) {
    if (origin == null) {
      return true;
    }
    String scheme = request.getScheme();
    int port = request.getServerPort();
    boolean defaultPort = port == ("https".equals(scheme) ? 443 : 80);
    String ours = scheme + "://" + request.getServerName() + (defaultPort ? "" : ":" + port);
    return origin.equals(ours);
  }

  /** Whether the form's field repeats the cookie, both well-formed; compared in constant time. */
  public static boolean csrfMatches(String field, String cookie) {
    return isCsrfToken(field)
        && isCsrfToken(cookie)
        && MessageDigest.isEqual(
            field.getBytes(StandardCharsets.US_ASCII), cookie.getBytes(StandardCharsets.US_ASCII));
  }

  /** 256 random bits, base64url: 43 characters. */
  public static boolean isCsrfToken(String value) {
    return value != null && value.matches("[A-Za-z0-9_-]{43}");
  }

  /** A fresh CSRF token. */
  public static String newCsrfToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
