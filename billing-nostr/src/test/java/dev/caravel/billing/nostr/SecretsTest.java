package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.nostr.internal.Json;
import dev.caravel.billing.nostr.protocol.ConversationKey;
import dev.caravel.billing.nostr.protocol.Nip04;
import dev.caravel.billing.nostr.protocol.Nip17;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Secret keys never show in toString(), exception messages or logs. */
class SecretsTest {

  private static List<String> secretForms(NostrKeys keys) {
    String hex = keys.secretKeyHex();
    return List.of(hex, hex.toUpperCase(), keys.nsec(), hex.substring(0, 16));
  }

  @Test
  void toStringShowsOnlyPublicParts() {
    NostrKeys keys = NostrKeys.generate();
    assertThat(keys.toString()).contains(keys.publicKeyHex());
    for (String secret : secretForms(keys)) {
      assertThat(keys.toString()).doesNotContain(secret);
    }
    ConversationKey ck = Nip44.conversationKey(keys, NostrKeys.generate().publicKeyHex());
    assertThat(ck.toString()).isEqualTo("ConversationKey[redacted]");
    assertThat(ck.toString()).doesNotContainPattern("[0-9a-f]{64}");
    try (RelayClient client = RelayClient.builder().build()) {
      NostrMessenger messenger = NostrMessenger.builder(keys, client).build();
      for (String secret : secretForms(keys)) {
        assertThat(messenger.toString()).doesNotContain(secret);
      }
    }
  }

  @Test
  void exceptionsDoNotEchoSecrets() {
    NostrKeys keys = NostrKeys.generate();
    String hex = keys.secretKeyHex();
    List<Throwable> errors = new ArrayList<>();
    errors.add(catchThrowable(() -> NostrKeys.fromSecretHex(hex + "0")));
    errors.add(catchThrowable(() -> NostrKeys.fromSecretHex(hex.substring(0, 63) + "g")));
    errors.add(catchThrowable(() -> NostrKeys.fromNsec(keys.nsec() + "q")));
    errors.add(
        catchThrowable(
            () ->
                NostrKeys.fromNsec(
                    keys.nsec().substring(0, 60) + "b" + keys.nsec().substring(61))));
    errors.add(catchThrowable(() -> NostrKeys.parse("nsec1" + hex)));
    errors.add(catchThrowable(() -> Event.fromJson("{\"secret\":\"" + hex + "\"")));
    errors.add(catchThrowable(() -> Event.fromJson("{\"id\":\"" + hex + "x\"}")));
    errors.add(
        catchThrowable(
            () -> Nip44.decrypt(keys, NostrKeys.generate().publicKeyHex(), hex + hex + hex)));
    errors.add(
        catchThrowable(
            () -> Nip04.decrypt(keys, NostrKeys.generate().publicKeyHex(), hex + "?iv=" + hex)));
    for (Throwable t : errors) {
      assertThat(t).isInstanceOf(NostrFormatException.class);
      String text = describe(t);
      for (String secret : secretForms(keys)) {
        assertThat(text).as("error text").doesNotContain(secret);
      }
    }
  }

  /** Drives code that logs (debug level, see the surefire config), then reads the log file. */
  @Test
  void logsDoNotCarrySecrets() throws Exception {
    NostrKeys sender = NostrKeys.generate();
    NostrKeys recipient = NostrKeys.generate();
    try (FakeRelay relay =
            new FakeRelay(
                true,
                m -> {
                  JsonNode msg = Json.parse(m, "m");
                  return switch (msg.get(0).asText()) {
                    case "REQ" ->
                        List.of(
                            "[\"EOSE\",\"" + msg.get(1).asText() + "\"]",
                            "garbage " + sender.secretKeyHex().substring(0, 4));
                    case "EVENT" ->
                        List.of(
                            "[\"OK\",\"" + msg.get(1).get("id").asText() + "\",false,\"blocked\"]");
                    default -> List.of();
                  };
                });
        RelayClient client =
            RelayClient.builder()
                .relay(relay.url())
                .publishTimeout(Duration.ofSeconds(2))
                .build()) {
      NostrMessenger messenger =
          NostrMessenger.builder(sender, client)
              .fallbackToConfiguredRelays(true)
              .lookupTimeout(Duration.ofSeconds(2))
              .build();
      Throwable failure =
          catchThrowable(() -> messenger.send(recipient.publicKeyHex(), "secret plan"));
      assertThat(failure).isInstanceOf(dev.caravel.billing.RailException.class);
      Nip17.GiftWraps w = Nip17.wrap(sender, recipient.publicKeyHex(), "x", Instant.now());
      client.publish(w.forRecipient()).join();
      String text = describe(failure);
      for (String secret : secretForms(sender)) {
        assertThat(text).doesNotContain(secret);
      }
    }
    Path logFile =
        Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/test-log.txt"));
    String log = Files.readString(logFile, StandardCharsets.UTF_8);
    assertThat(log).as("the flow above logged").contains("no relay kept the sender's copy");
    for (NostrKeys keys : List.of(sender, recipient)) {
      for (String secret : secretForms(keys)) {
        assertThat(log).doesNotContain(secret);
      }
    }
  }

  private static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append('\n');
    }
    return sb.toString();
  }
}
