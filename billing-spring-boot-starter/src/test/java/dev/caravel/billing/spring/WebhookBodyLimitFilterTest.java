package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The webhook's body cap on its own, with a request whose body is generated as it is read and
 * counted: a 50 MB body costs nothing to send, and the count says how much of it the filter read.
 */
class WebhookBodyLimitFilterTest {
  private static final int CAP = 1024 * 1024;
  private static final long FIFTY_MB = 50L * 1024 * 1024;

  private final WebhookBodyLimitFilter filter = new WebhookBodyLimitFilter(CAP);
  private final AtomicReference<ServletRequest> passedOn = new AtomicReference<>();

  @Test
  void aFiftyMegabyteDeclaredBodyIsRefusedWith413BeforeAnyByteIsRead() throws Exception {
    GeneratedBody body = new GeneratedBody(FIFTY_MB);
    MockHttpServletResponse response = new MockHttpServletResponse();

    filter.doFilter(request(body, FIFTY_MB), response, (req, res) -> passedOn.set(req));

    assertThat(response.getStatus()).isEqualTo(413);
    assertThat(response.getHeader("Connection")).isEqualTo("close");
    assertThat(response.getContentAsString()).isEqualTo("request body over 1048576 bytes\n");
    assertThat(body.bytesRead).isZero();
    assertThat(passedOn).hasNullValue();
  }

  @Test
  void aChunkedBodyIsRefusedWith413OnceItPassesTheCapAndNoFurther() throws Exception {
    GeneratedBody body = new GeneratedBody(FIFTY_MB);
    MockHttpServletResponse response = new MockHttpServletResponse();

    filter.doFilter(request(body, -1), response, (req, res) -> passedOn.set(req));

    assertThat(response.getStatus()).isEqualTo(413);
    assertThat(body.bytesRead).isEqualTo(CAP + 1L);
    assertThat(passedOn).hasNullValue();
  }

  @Test
  void aChunkedBodyOfExactlyTheCapReachesTheEndpointWhole() throws Exception {
    GeneratedBody body = new GeneratedBody(CAP);
    MockHttpServletResponse response = new MockHttpServletResponse();

    filter.doFilter(request(body, -1), response, (req, res) -> passedOn.set(req));

    assertThat(response.getStatus()).isEqualTo(200);
    ServletRequest seen = passedOn.get();
    assertThat(seen.getContentLengthLong()).isEqualTo(CAP);
    byte[] bytes = seen.getInputStream().readAllBytes();
    assertThat(bytes).hasSize(CAP);
    assertThat(bytes[0]).isEqualTo(GeneratedBody.byteAt(0));
    assertThat(bytes[CAP - 1]).isEqualTo(GeneratedBody.byteAt(CAP - 1));
  }

  @Test
  void aDeclaredBodyWithinTheCapIsPassedOnAsSent() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/caravel/stripe/webhook");
    request.setContent("{\"id\":\"evt_1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> passedOn.set(req));

    assertThat(new String(passedOn.get().getInputStream().readAllBytes(), "UTF-8"))
        .isEqualTo("{\"id\":\"evt_1\"}");
  }

  @Test
  void aCapOutsideWhatAnArrayHoldsIsRefused() {
    assertThatThrownBy(() -> new WebhookBodyLimitFilter(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new WebhookBodyLimitFilter(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static MockHttpServletRequest request(GeneratedBody body, long declaredLength) {
    MockHttpServletRequest request =
        new MockHttpServletRequest("POST", "/caravel/stripe/webhook") {
          @Override
          public ServletInputStream getInputStream() {
            return body;
          }

          @Override
          public int getContentLength() {
            return declaredLength > Integer.MAX_VALUE ? -1 : (int) declaredLength;
          }

          @Override
          public long getContentLengthLong() {
            return declaredLength;
          }
        };
    request.setContentType("application/json");
    return request;
  }

  /** A body of {@code size} bytes made as it is read, counting what was read. */
  static final class GeneratedBody extends ServletInputStream {
    private final long size;
    long bytesRead;

    GeneratedBody(long size) {
      this.size = size;
    }

    static byte byteAt(long position) {
      return (byte) ('a' + position % 26);
    }

    @Override
    public int read() {
      if (bytesRead >= size) {
        return -1;
      }
      return byteAt(bytesRead++);
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (bytesRead >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - bytesRead);
      for (int i = 0; i < n; i++) {
        b[off + i] = byteAt(bytesRead + i);
      }
      bytesRead += n;
      return n;
    }

    @Override
    public boolean isFinished() {
      return bytesRead >= size;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      throw new UnsupportedOperationException("blocking reads only");
    }
  }
}
