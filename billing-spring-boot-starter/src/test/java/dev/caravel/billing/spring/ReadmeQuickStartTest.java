package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * The quick start of this module's README.md, from its own words: the dependencies its XML lists
 * (every other optional piece on this test class path is hidden from the application), the
 * properties its block sets, and its code (compared line by line with the code below), in a real
 * application on a real server. Then what "What you see" promises: the WARN, health, metrics and
 * the webhook; and, without billing-micrometer and without the webhook secret, no metrics (and the
 * INFO line saying why) and no webhook.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReadmeQuickStartTest {
  private static final String WEBHOOK_SECRET = "whsec_readme_quick_start";

  /** The optional pieces this test knows, by artifact: what to hide when the README omits one. */
  private static final Map<String, List<String>> PACKAGES =
      Map.of(
          "billing-micrometer", List.of("dev.caravel.billing.micrometer"),
          "spring-boot-starter-jdbc", List.of("org.springframework.jdbc", "com.zaxxer.hikari"),
          "h2", List.of("org.h2"),
          "postgresql", List.of("org.postgresql"),
          "flyway-core", List.of("org.flywaydb"),
          "spring-boot-starter-web",
              List.of(
                  "org.springframework.web.servlet", "org.apache.catalina", "org.apache.tomcat"),
          "spring-boot-starter-actuator", List.of("org.springframework.boot.actuate"));

  /** A class each listed artifact brings: the test class path must really have it. */
  private static final Map<String, List<String>> PROBES =
      Map.of(
          "billing-spring-boot-starter",
              List.of("dev.caravel.billing.spring.CaravelBillingAutoConfiguration"),
          "billing-micrometer", List.of("dev.caravel.billing.micrometer.BillingMetrics"),
          "spring-boot-starter-jdbc",
              List.of(
                  "org.springframework.jdbc.core.JdbcTemplate",
                  "com.zaxxer.hikari.HikariDataSource"),
          "h2", List.of("org.h2.Driver"),
          "spring-boot-starter-web",
              List.of(
                  "org.springframework.web.servlet.DispatcherServlet",
                  "org.apache.catalina.startup.Tomcat"),
          "spring-boot-starter-actuator",
              List.of("org.springframework.boot.actuate.health.HealthEndpoint"));

  /** The application: auto-configuration only, as a host's {@code @SpringBootApplication}. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class QuickStartApp {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theQuickStartRunsAsWrittenAndShowsWhatItSays(CapturedOutput output) throws Exception {
    QuickStart readme = QuickStart.read();
    assertThat(readme.codeLines()).isEqualTo(codeBelow());
    try (ConfigurableApplicationContext context = start(readme.artifacts(), readme.properties())) {
      Billing billing = context.getBean(Billing.class);
      // --- README code ---
      String tenant = "a".repeat(64); // the tenant's Nostr pubkey, hex
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", now));
      billing.generateInvoice(tenant); // empty if the running poll invoiced it first
      Invoice invoice = billing.invoices(tenant).get(0); // 500: a period
      // --- README code ---
      assertThat(invoice.total()).isEqualTo(500);
      assertThat(billing.invoices(tenant)).as("one invoice, by the poll or by hand").hasSize(1);
      assertThat(context.getBean(BillingPoll.class).isRunning()).isTrue();
      assertThat(context.getBean(BillingSchema.class).migratedBy())
          .as("no Flyway in the quick start")
          .isEqualTo(BillingSchema.BUILT_IN);
      int port = port(context);

      // At start, one WARN (the engine's), and the properties that fix it at INFO.
      assertThat(countOf(output.getAll(), "WARN", "no payment rail")).isEqualTo(1);
      assertThat(countOf(output.getAll(), "WARN", "billing has no payment rail and no messenger"))
          .isEqualTo(1);
      assertThat(countOf(output.getAll(), "INFO", "no payment rail (no Lightning, no card)"))
          .isEqualTo(1);
      // Health: the caravelBilling component, its rails and the warning.
      JsonNode health = json.readTree(get(port, "/actuator/health").body());
      JsonNode component = health.path("components").path("caravelBilling");
      assertThat(component.path("status").asText()).isIn("UP", "UNKNOWN");
      assertThat(component.path("details").path("rails").isArray()).isTrue();
      assertThat(component.path("details").path("rails")).isEmpty();
      assertThat(component.path("details").path("warning").asText())
          .isEqualTo(BillingRails.NONE_WIRED);
      // Metrics: the invoice just made.
      HttpResponse<String> created =
          get(port, "/actuator/metrics/caravel.billing.invoices.created");
      assertThat(created.statusCode()).isEqualTo(200);
      assertThat(json.readTree(created.body()).path("measurements").get(0).path("value").asDouble())
          .isEqualTo(1.0);
      // The webhook: served, refusing what Stripe did not sign, taking what it did.
      assertThat(postWebhook(port, "{}", null).body()).isEqualTo("missing Stripe-Signature header");
      HttpResponse<String> forged = postWebhook(port, "{}", "t=1,v1=deadbeef");
      assertThat(forged.statusCode()).isEqualTo(400);
      assertThat(forged.body())
          .isEqualTo(
              "Stripe-Signature's v1 signature is not 64 hex digits (an HMAC-SHA256),"
                  + " so it cannot match");
      String event =
          "{\"id\":\"evt_readme\",\"object\":\"event\",\"type\":\"customer.created\","
              + "\"api_version\":\"2024-06-20\",\"data\":{\"object\":{\"id\":\"cus_1\"}}}";
      HttpResponse<String> signed = postWebhook(port, event, sign(event));
      assertThat(signed.statusCode()).isEqualTo(200);
      assertThat(signed.body()).isEqualTo("IGNORED");
    }
  }

  @Test
  void withoutBillingMicrometerNoMetricsAndWithoutTheSecretNoWebhook(CapturedOutput output)
      throws Exception {
    QuickStart readme = QuickStart.read();
    List<String> artifacts = new ArrayList<>(readme.artifacts());
    assertThat(artifacts.remove("billing-micrometer")).isTrue();
    Map<String, String> properties = new LinkedHashMap<>(readme.properties());
    assertThat(properties.remove("caravel.billing.stripe.webhook-secret")).isNotNull();
    try (ConfigurableApplicationContext context = start(artifacts, properties)) {
      int port = port(context);
      assertThat(get(port, "/actuator/health").statusCode()).isEqualTo(200);
      assertThat(get(port, "/actuator/metrics/caravel.billing.invoices.created").statusCode())
          .isEqualTo(404);
      assertThat(output.getAll()).contains(CaravelBillingMetricsHintAutoConfiguration.HINT);
      assertThat(postWebhook(port, "{}", "t=1,v1=deadbeef").statusCode()).isEqualTo(404);
    }
  }

  /** Starts the README's application: only the listed optional pieces, the given properties. */
  private static ConfigurableApplicationContext start(
      List<String> artifacts, Map<String, String> properties) {
    List<String> hidden = new ArrayList<>();
    for (String artifact : artifacts) {
      assertThat(PROBES).as("an artifact this test knows: " + artifact).containsKey(artifact);
      for (String probe : PROBES.get(artifact)) {
        try {
          Class.forName(probe, false, ReadmeQuickStartTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
          throw new AssertionError(artifact + " is not on the test class path", e);
        }
      }
    }
    PACKAGES.forEach(
        (artifact, packages) -> {
          if (!artifacts.contains(artifact)) {
            hidden.addAll(packages);
          }
        });
    List<String> args = new ArrayList<>();
    properties.forEach((key, value) -> args.add(key + "=" + value));
    // What the host's environment gives, and where this test's server listens.
    args.add("STRIPE_WEBHOOK_SECRET=" + WEBHOOK_SECRET);
    args.add("server.port=0");
    args.add("server.address=127.0.0.1");
    return new SpringApplicationBuilder(QuickStartApp.class)
        .resourceLoader(
            new DefaultResourceLoader(new FilteredClassLoader(hidden.toArray(String[]::new))))
        .properties(args.toArray(String[]::new))
        .run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postWebhook(int port, String body, String signature)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/caravel/stripe/webhook"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (signature != null) {
      request.header("Stripe-Signature", signature);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String sign(String payload) throws Exception {
    long t = Instant.now().getEpochSecond();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] sig = mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8));
    return "t=" + t + ",v1=" + HexFormat.of().formatHex(sig);
  }

  /** Lines of the output holding both {@code level} and {@code text}. */
  private static long countOf(String output, String level, String text) {
    return output.lines().filter(l -> l.contains(level) && l.contains(text)).count();
  }

  /** The code between this file's README markers, one trimmed line each. */
  private static List<String> codeBelow() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/caravel/billing/spring/ReadmeQuickStartTest.java"));
    String marker = "// --- README code ---";
    int from = source.indexOf(marker);
    int to = source.indexOf(marker, from + marker.length());
    return trimmedLines(source.substring(from + marker.length(), to));
  }

  private static List<String> trimmedLines(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  /** The README's quick start: its artifacts, its properties, and its code. */
  private record QuickStart(
      List<String> artifacts, Map<String, String> properties, List<String> codeLines) {
    static QuickStart read() throws IOException {
      String readme = Files.readString(Path.of("README.md"));
      int start = readme.indexOf("\n## Quick start");
      int end = readme.indexOf("\n## ", start + 1);
      String section = readme.substring(start, end);

      List<String> artifacts = new ArrayList<>();
      Matcher artifact =
          Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(block(section, "xml"));
      while (artifact.find()) {
        artifacts.add(artifact.group(1));
      }
      Map<String, String> properties = new LinkedHashMap<>();
      for (String line : trimmedLines(block(section, "properties"))) {
        if (!line.startsWith("#")) {
          int eq = line.indexOf('=');
          properties.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      List<String> code =
          trimmedLines(block(section, "java")).stream()
              .filter(l -> !l.equals("@Autowired Billing billing;"))
              .toList();
      return new QuickStart(List.copyOf(artifacts), properties, code);
    }

    private static String block(String section, String language) {
      String open = "```" + language + "\n";
      int from = section.indexOf(open);
      assertThat(from).as("a ```" + language + " block in the quick start").isNotNegative();
      int to = section.indexOf("```", from + open.length());
      return section.substring(from + open.length(), to);
    }
  }
}
