package dev.caravel.billing.examples.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.SecretCipher;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example host's public demo cipher key is refused unless the demo profile is on (issue 22):
 * the guard alone, then the host as shipped, started from its own properties files.
 */
class DemoCipherKeyGuardTest {
  private static final String OWN_KEY = Base64.getEncoder().encodeToString(new byte[32]);

  private final ApplicationContextRunner guard =
      new ApplicationContextRunner().withUserConfiguration(DemoCipherKeyGuard.class);

  @Test
  void theDemoKeyIsRefusedWithoutTheDemoProfile() {
    guard
        .withPropertyValues("caravel.billing.cipher-key=" + DemoCipherKeyGuard.DEMO_KEY)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("public demo key")
                    .hasMessageContaining("--spring.profiles.active=demo")
                    .hasMessageNotContaining(DemoCipherKeyGuard.DEMO_KEY));
  }

  @Test
  void theDemoKeyInUrlSafeFormOrAsAnOldKeyIsRefusedToo() {
    String urlSafe = " " + DemoCipherKeyGuard.DEMO_KEY.replace('+', '-').replace('/', '_') + " ";
    guard
        .withPropertyValues("caravel.billing.cipher-key=" + urlSafe)
        .run(context -> assertThat(context).hasFailed());
    guard
        .withPropertyValues(
            "caravel.billing.cipher-key=" + OWN_KEY,
            "caravel.billing.cipher-old-keys[0]=" + DemoCipherKeyGuard.DEMO_KEY)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("public demo key"));
  }

  @Test
  void theDemoProfileAllowsTheDemoKey() {
    guard
        .withPropertyValues("caravel.billing.cipher-key=" + DemoCipherKeyGuard.DEMO_KEY)
        .withInitializer(c -> c.getEnvironment().setActiveProfiles("demo"))
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void aKeyOfTheHostsOwnNeedsNoProfile() {
    guard
        .withPropertyValues("caravel.billing.cipher-key=" + OWN_KEY)
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void noKeyWithTheDemoRailsNamesBothWaysOut() {
    guard.run(
        context ->
            assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("cipher-key is not set")
                .hasMessageContaining("--spring.profiles.active=demo"));
    // Without the demo rails nothing here needs a cipher: that is the starter's call.
    guard
        .withPropertyValues("host.demo-rails=false")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void theHostAsShippedStartsWithTheDemoKeyOnlyUnderTheDemoProfile() {
    assertThatThrownBy(() -> host().run().close())
        .rootCause()
        .hasMessageContaining("cipher-key is not set");
    assertThatThrownBy(
            () -> host().run("--caravel.billing.cipher-key=" + DemoCipherKeyGuard.DEMO_KEY).close())
        .rootCause()
        .hasMessageContaining("public demo key");

    try (ConfigurableApplicationContext demo = host().profiles("demo").run()) {
      SecretCipher cipher = demo.getBean(SecretCipher.class);
      String demoKeyId =
          SecretCipher.keyring()
              .currentKey(DemoCipherKeyGuard.DEMO_KEY)
              .build()
              .sealingKeyId()
              .orElseThrow();
      assertThat(cipher.toString()).contains("seals with key id " + demoKeyId);
    }
    try (ConfigurableApplicationContext own =
        host()
            .run(
                "--caravel.billing.cipher-key=" + OWN_KEY,
                "--caravel.billing.link-secret=" + OWN_KEY)) {
      assertThat(own.getBean(SecretCipher.class).toString()).doesNotContain(OWN_KEY);
    }
  }

  /** The host application with its own properties files; no web server, no seeded tenant. */
  private static SpringApplicationBuilder host() {
    return new SpringApplicationBuilder(HostApplication.class)
        .web(WebApplicationType.NONE)
        .properties("host.seed=false", "spring.main.banner-mode=off");
  }
}
