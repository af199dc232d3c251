package dev.caravel.billing.examples.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * Refuses to start with the demo cipher key unless the {@code demo} profile is on. That key is
 * public (application-demo.properties, and git), so every NWC URI sealed under it can be read by
 * anyone who reads the database. A host that copied the demo's settings, or runs without a profile,
 * must bring its own key. Created with the host's own beans, ahead of the engine, so that a refused
 * key stops the start before anything is sealed with it.
 */
@Component
class DemoCipherKeyGuard {
  /** The profile that allows the demo key: {@code --spring.profiles.active=demo}. */
  static final String DEMO_PROFILE = "demo";

  /** application-demo.properties' key: "demo key for the example host!!!" in base64. */
  static final String DEMO_KEY = "ZGVtbyBrZXkgZm9yIHRoZSBleGFtcGxlIGhvc3QhISE=";

  private static final byte[] DEMO_KEY_BYTES =
      "demo key for the example host!!!".getBytes(StandardCharsets.US_ASCII);

  /** application-demo.properties' link secret, as public as the key. */
  static final String DEMO_LINK_SECRET = "ZGVtbyBsaW5rIHNlY3JldCBmb3IgdGhlIGV4YW1wbGUgaG9zdCEh";

  DemoCipherKeyGuard(Environment environment) {
    check(environment);
  }

  static void check(Environment environment) {
    if (environment.acceptsProfiles(Profiles.of(DEMO_PROFILE))) {
      return;
    }
    String linkSecret = environment.getProperty("caravel.billing.link-secret", "");
    if (linkSecret.strip().equals(DEMO_LINK_SECRET)) {
      throw new IllegalStateException(
          "caravel.billing.link-secret is the example host's public demo secret, and the demo"
              + " profile is off: anyone could make the link to any invoice. Set a secret of your"
              + " own (openssl rand -base64 32)");
    }
    String current = environment.getProperty("caravel.billing.cipher-key");
    List<String> old =
        Binder.get(environment)
            .bind("caravel.billing.cipher-old-keys", Bindable.listOf(String.class))
            .orElse(List.of());
    if (isDemoKey(current) || old.stream().anyMatch(DemoCipherKeyGuard::isDemoKey)) {
      throw new IllegalStateException(
          "caravel.billing.cipher-key (or cipher-old-keys) is the example host's public demo key,"
              + " and the demo profile is off: anyone could open the NWC URIs it seals. Set a key"
              + " of your own (openssl rand -base64 32), or run the demo with"
              + " --spring.profiles.active=demo");
    }
    boolean demoRails = environment.getProperty("host.demo-rails", Boolean.class, true);
    if ((current == null || current.isBlank()) && demoRails) {
      // The demo rails connect tenants' wallets, so the engine needs a cipher: say how to get one
      // rather than let the engine's "Lightning needs a cipher" stand alone.
      throw new IllegalStateException(
          "caravel.billing.cipher-key is not set: set a key of your own (openssl rand -base64 32),"
              + " or run the demo with --spring.profiles.active=demo, which sets a public demo key");
    }
  }

  /** Whether {@code base64} decodes to the demo key, in whichever base64 alphabet or spacing. */
  static boolean isDemoKey(String base64) {
    if (base64 == null) {
      return false;
    }
    try {
      byte[] key = Base64.getDecoder().decode(base64.strip().replace('-', '+').replace('_', '/'));
      return MessageDigest.isEqual(key, DEMO_KEY_BYTES);
    } catch (IllegalArgumentException e) {
      return false; // not base64: the starter refuses it, naming the property
    }
  }
}
