package dev.caravel.billing.nostr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.nostr.protocol.ConversationKey;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Operations per second for sign, verify and NIP-44 encrypt/decrypt, in Java and in nostr-tools on
 * the same machine in the same run, with the Java/nostr-tools ratio. Not a unit test.
 *
 * <pre>
 * ./mvnw -B -pl billing-nostr test-compile exec:java            # 2 s per operation
 * ./mvnw -B -pl billing-nostr test-compile exec:java -Dbench.millis=5000
 * </pre>
 */
public final class NostrBenchmark {
  private static volatile Object sink;

  private NostrBenchmark() {}

  public static void main(String[] args) throws Exception {
    long millis = Long.getLong("bench.millis", 2000);
    NostrKeys keys = NostrKeys.generate();
    ConversationKey key = Nip44.conversationKey(keys, NostrKeys.generate().publicKeyHex());
    String message = "x".repeat(200); // same as peer.mjs
    Instant at = Instant.ofEpochSecond(1_700_000_000L);
    Event signed = Event.sign(keys, 1, List.of(), message, at);
    String payload = Nip44.encrypt(message, key);

    Map<String, Double> java = new LinkedHashMap<>();
    java.put("sign", rate(millis, () -> Event.sign(keys, 1, List.of(), message, at)));
    java.put("verify", rate(millis, signed::verify));
    java.put("nip44Encrypt", rate(millis, () -> Nip44.encrypt(message, key)));
    java.put("nip44Decrypt", rate(millis, () -> Nip44.decrypt(payload, key)));

    JsonNode node = null;
    try (NodeSupport.Peer peer = new NodeSupport.Peer()) {
      node =
          peer.call(
              "bench",
              NodeSupport.Peer.args().put("millis", millis),
              Duration.ofMillis(millis * 8 + 30_000));
    } catch (Exception e) {
      System.out.println(
          "nostr-tools not available ("
              + e.getMessage()
              + "); run `npm ci` in "
              + NodeSupport.nodeDir());
    }

    System.out.printf(
        "%nNostr operations per second (%d ms each, 200-byte message, event = NIP-01 sign incl. id)%n",
        millis);
    System.out.printf("%-14s %14s %14s %10s%n", "operation", "Java", "nostr-tools", "Java/JS");
    for (Map.Entry<String, Double> e : java.entrySet()) {
      double js = node == null ? Double.NaN : node.get(e.getKey()).asDouble();
      System.out.printf(
          "%-14s %14.0f %14.0f %10.2f%n", e.getKey(), e.getValue(), js, e.getValue() / js);
    }
    System.out.printf(
        "(Java %s, %s; node peer in %s)%n",
        System.getProperty("java.version"), System.getProperty("os.arch"), NodeSupport.nodeDir());
  }

  private static double rate(long millis, Supplier<?> op) {
    long warm = System.nanoTime() + Math.min(millis, 1000) * 1_000_000L;
    while (System.nanoTime() < warm) {
      sink = op.get();
    }
    long n = 0;
    long start = System.nanoTime();
    long end = start + millis * 1_000_000L;
    long now;
    do {
      sink = op.get();
      n++;
      now = System.nanoTime();
    } while (now < end);
    return n * 1e9 / (now - start);
  }
}
