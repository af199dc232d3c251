package dev.caravel.billing.spring;

import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.util.HtmlUtils;

/**
 * What the library's pages answer with (the account page here, the example host's invoice page):
 * their security headers, and the short message pages for refusals, in words for the tenant.
 */
public final class PageResponses {
  /** The pages' policy: nothing from the network, no script, forms post only back here. */
  public static final String CSP =
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self';"
          + " frame-ancestors 'none'; base-uri 'none'";

  private static final MediaType HTML = new MediaType("text", "html", StandardCharsets.UTF_8);

  private PageResponses() {}

  /**
   * Every page's headers. The link's token must not leak to another site through Referer ("no-
   * referrer" would make Chromium send "Origin: null" on the forms); nothing is cached.
   */
  public static HttpHeaders securityHeaders() {
    return securityHeaders(CSP);
  }

  /**
   * The pages' policy, its forms also allowed to land on {@code origin} (a card processor's hosted
   * page the form's answer redirects to: browsers apply {@code form-action} to redirects too).
   */
  public static String cspWithFormsTo(String origin) {
    return CSP.replace("form-action 'self';", "form-action 'self' " + origin + ";");
  }

  /** Every page's headers, with {@code csp} as its policy. */
  public static HttpHeaders securityHeaders(String csp) {
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(HTML);
    headers.set("Content-Security-Policy", csp);
    headers.setCacheControl("no-store");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "same-origin");
    return headers;
  }

  /** {@code body} with {@code status} and the pages' headers. */
  public static ResponseEntity<String> html(HttpStatus status, String body) {
    return ResponseEntity.status(status).headers(securityHeaders()).body(body);
  }

  /** A page that says one thing: a title and a sentence, escaped. */
  public static String message(String title, String text) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        + HtmlUtils.htmlEscape(title)
        + "</title>\n</head>\n<body>\n<main id=\"message\"><h1>"
        + HtmlUtils.htmlEscape(title)
        + "</h1>\n<p>"
        + HtmlUtils.htmlEscape(text)
        + "</p></main>\n</body>\n</html>\n";
  }

  /** A refusal for now: {@code what} went wrong on our side; the tenant may try again. */
  public static ResponseEntity<String> tryAgain(String what) {
    return html(
        HttpStatus.SERVICE_UNAVAILABLE,
        message("Try again in a minute", what + " Go back and try again in a minute."));
  }

  /** The refusal of a form that did not come from our page ({@link FormGuard}). */
  public static ResponseEntity<String> forbidden(String page) {
    return html(
        HttpStatus.FORBIDDEN, message("Forbidden", "This request did not come from " + page + "."));
  }
}
