package dev.caravel.billing.spring;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Caps the body of Stripe's webhook before anything reads it. A declared {@code Content-Length}
 * over the cap is refused with 413 before a byte is read. A body without one (chunked) is read
 * through a bound of cap + 1 bytes and refused with 413 as soon as it passes the cap. A body within
 * the cap goes on already read ({@link ReadBodyRequest}). That way nothing after this filter can
 * read more of the connection: not the controller's {@code @RequestBody}, and not Spring's
 * multipart resolver, which would otherwise read a multipart body up to its own 10 MB limit before
 * any controller runs.
 *
 * <p>It runs first, ahead of every other filter. A refused request reaches no controller, so
 * nothing changes state. The servlet container may still drain some unread bytes after the 413 so
 * that the client sees the answer (Tomcat drains at most {@code server.tomcat.max-swallow-size}, 2
 * MiB by default), and then it closes the connection. The application never reads those bytes.
 */
final class WebhookBodyLimitFilter implements Filter {
  /** The largest cap a byte array can hold with the extra byte that shows a body is over it. */
  static final long LARGEST_CAP = Integer.MAX_VALUE - 16;

  private static final System.Logger LOG = System.getLogger(WebhookBodyLimitFilter.class.getName());

  private final int maxBytes;

  /**
   * @param maxBytes the largest body accepted, 1 to {@link #LARGEST_CAP}
   */
  WebhookBodyLimitFilter(long maxBytes) {
    if (maxBytes < 1 || maxBytes > LARGEST_CAP) {
      throw new IllegalArgumentException(
          "a body cap is 1 to " + LARGEST_CAP + " bytes, not " + maxBytes);
    }
    this.maxBytes = (int) maxBytes;
  }

  /** The largest body accepted, in bytes. */
  int maxBytes() {
    return maxBytes;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      refuse(response, "declared " + declared + " bytes");
      return;
    }
    // At most one byte past the cap, whatever the client sends: enough to know it is over.
    byte[] body = request.getInputStream().readNBytes(maxBytes + 1);
    if (body.length > maxBytes) {
      refuse(response, "a body without Content-Length passed the cap");
      return;
    }
    chain.doFilter(new ReadBodyRequest(request, body), response);
  }

  private void refuse(HttpServletResponse response, String why) throws IOException {
    LOG.log(
        System.Logger.Level.WARNING,
        "Stripe webhook refused with 413: {0}; the cap is {1} bytes",
        why,
        String.valueOf(maxBytes));
    byte[] text =
        ("request body over " + maxBytes + " bytes\n").getBytes(StandardCharsets.US_ASCII);
    response.setStatus(413);
    // The rest of the body stays unread, so this connection cannot carry another request.
    response.setHeader("Connection", "close");
    response.setContentType("text/plain;charset=US-ASCII");
    response.setContentLength(text.length);
    response.getOutputStream().write(text);
  }
}
