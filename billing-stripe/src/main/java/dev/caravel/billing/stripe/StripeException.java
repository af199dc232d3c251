package dev.caravel.billing.stripe;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Stripe answered something the gateway cannot turn into a value: a read call that could not reach
 * Stripe (after retries), was refused, or got an unreadable body; or, through the subclasses, a
 * rejected API key, a refused request, or a reused idempotency key. Carries the {@link #kind()},
 * Stripe's error {@code type} and {@code code} and the {@code Request-Id} for support; never the
 * API key.
 */
public class StripeException extends RuntimeException {
  private static final Pattern SECRETISH =
      Pattern.compile("\\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+|\\*{4,}[A-Za-z0-9]*");

  private final StripeErrorKind kind;
  private final int httpStatus;
  private final String type;
  private final String code;
  private final String requestId;

  StripeException(String message, int httpStatus, String type, String code, String requestId) {
    super(message);
    this.kind = StripeErrorKind.classify(httpStatus, type);
    this.httpStatus = httpStatus;
    this.type = type;
    this.code = code;
    this.requestId = requestId;
  }

  StripeException(String message, Throwable cause) {
    super(message, cause);
    this.kind = StripeErrorKind.CONNECTION;
    this.httpStatus = 0;
    this.type = null;
    this.code = null;
    this.requestId = null;
  }

  /** The classification (as stripe-java's exception classes), and so whose fault it is. */
  public StripeErrorKind kind() {
    return kind;
  }

  /** The HTTP status Stripe answered, or 0 when no answer was read. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Stripe's error type ({@code invalid_request_error}, {@code idempotency_error}, ...). */
  public Optional<String> type() {
    return Optional.ofNullable(type);
  }

  /** Stripe's error code ({@code resource_missing}, ...), when it gave one. */
  public Optional<String> code() {
    return Optional.ofNullable(code);
  }

  /** Stripe's {@code Request-Id} header, to quote to Stripe support. */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /** Stripe's developer message with anything key-like (even masked) taken out. */
  static String scrub(String developerMessage) {
    return developerMessage == null
        ? null
        : SECRETISH.matcher(developerMessage).replaceAll("<redacted>");
  }
}
