package dev.caravel.billing.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.RailException;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.NwcException;
import dev.caravel.billing.nwc.NwcUri;
import dev.caravel.billing.nwc.NwcWallet;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code billing nwc-check URI}: what can this Nostr Wallet Connect connection serve — the
 * service's wallet (make and look up invoices) or a tenant's (pay them)?
 */
final class NwcCheckCommand {
  static final String HELP =
      """
      Usage: billing nwc-check [--timeout SECONDS] URI

      Connects to a Nostr Wallet Connect (NIP-47) wallet, as the billing engine does, and checks
      it step by step, printing one JSON line per step on stdout:

        {"step":"info","wallet":"<pubkey>","relays":["wss://..."],"alias":"...","network":"...",
         "methods":["make_invoice","lookup_invoice",...],"encryption":"nip44_v2",
         "info_from":"get_info"}
        {"step":"serves","service_wallet":true,"tenant_wallet":false}
        {"step":"make_invoice","msats":1000,"bolt11":"lnbc...","payment_hash":"...",
         "expires_at":"2025-01-31T11:00:00Z"}
        {"step":"lookup_invoice","payment_hash":"...","settled":false}

      and exits 0. A connection without get_info (a restricted one) is described from its
      kind 13194 info event ("info_from":"info_event", alias and network empty). A service
      wallet needs make_invoice and lookup_invoice (then the invoice steps run); a tenant wallet
      needs pay_invoice (nothing is paid by this check). On failure, or when the connection can
      serve neither, it prints the step and the error, and exits 1:

        {"step":"info","error":"...","code":"TIMEOUT"}

      URI: nostr+walletconnect://<wallet pubkey>?relay=wss://...&secret=<hex> (quote it in the
      shell: it contains '&'). Its secret is never printed. The check makes a real invoice of
      1,000 msats (1 sat) that nobody needs to pay; it expires after 10 minutes.

      Options:
        --timeout SECONDS   how long to wait for the relay and for each wallet reply (default 20)
        -h, --help          show this help
      """;

  static final long CHECK_MSATS = 1_000;
  private static final Pattern SECRET =
      Pattern.compile("[?&]secret=([^&#\\s]+)", Pattern.CASE_INSENSITIVE);

  private NwcCheckCommand() {}

  static int run(List<String> arguments, PrintStream out, PrintStream err) {
    Args args = Args.parse(arguments, Set.of("timeout"));
    if (args.help()) {
      out.print(HELP);
      return Main.OK;
    }
    if (args.positional().size() != 1) {
      throw new Args.UsageException(
          args.positional().isEmpty()
              ? "the wallet's URI is required"
              : "nwc-check takes one URI (quote it: it contains '&')");
    }
    Duration timeout = timeout(args.option("timeout").orElse("20"));
    String uri = args.positional().get(0);
    Redactor redact = new Redactor(uri);

    NwcUri parsed;
    try {
      parsed = NwcUri.parse(uri);
    } catch (RuntimeException e) {
      fail(out, redact, "uri", e);
      return Main.FAILED;
    }
    String step = "connect";
    NwcWallet wallet = null;
    // The operator named these relays on the command line, as a host configures its service
    // wallet's: trusted, so a wallet on ws://localhost or a private network can be checked. A
    // tenant's URI is held to the address rules when billing uses it, not here.
    RelayClient.Builder trusting = RelayClient.builder();
    parsed.relays().forEach(relay -> trusting.trustedRelay(relay.toString()));
    RelayClient relayPool = trusting.build();
    try {
      wallet =
          NwcWallet.builder(parsed)
              .relayPool(relayPool)
              .connectTimeout(timeout)
              .infoTimeout(timeout)
              .replyTimeout(timeout)
              .build();

      step = "info";
      NwcWallet.Info info = wallet.getInfo();
      ObjectNode line = json("info");
      line.put("wallet", wallet.walletPubkey());
      ArrayNode relays = line.putArray("relays");
      for (URI relay : parsed.relays()) {
        relays.add(relay.toString());
      }
      line.put("alias", info.alias());
      line.put("network", info.network());
      ArrayNode methods = line.putArray("methods");
      info.methods().forEach(methods::add);
      line.put("encryption", info.encryption());
      line.put("info_from", info.methods().contains("get_info") ? "get_info" : "info_event");
      print(out, redact, line);

      step = "serves";
      boolean service = info.methods().containsAll(List.of("make_invoice", "lookup_invoice"));
      boolean tenant = info.methods().contains("pay_invoice");
      if (!service && !tenant) {
        line = json(step);
        line.put(
            "error",
            "the connection offers neither make_invoice and lookup_invoice (a service "
                + "wallet) nor pay_invoice (a tenant wallet)");
        line.put("code", "NOT_IMPLEMENTED");
        print(out, redact, line);
        return Main.FAILED;
      }
      line = json(step);
      line.put("service_wallet", service);
      line.put("tenant_wallet", tenant);
      print(out, redact, line);
      if (!service) {
        return Main.OK;
      }

      step = "make_invoice";
      LightningInvoice invoice =
          wallet.makeInvoice(CHECK_MSATS, "Caravel Billing nwc-check", Duration.ofMinutes(10));
      line = json("make_invoice");
      line.put("msats", invoice.msats());
      line.put("bolt11", invoice.bolt11());
      line.put("payment_hash", invoice.paymentHash());
      line.put("expires_at", invoice.expiresAt().toString());
      print(out, redact, line);

      step = "lookup_invoice";
      boolean settled = wallet.isSettled(invoice.bolt11());
      line = json("lookup_invoice");
      line.put("payment_hash", invoice.paymentHash());
      line.put("settled", settled);
      print(out, redact, line);
      return Main.OK;
    } catch (RuntimeException e) {
      fail(out, redact, step, e);
      return Main.FAILED;
    } finally {
      if (wallet != null) {
        try {
          wallet.close();
        } catch (RuntimeException ignored) {
          // closing a connection that failed changes nothing for the check
        }
      }
      relayPool.close();
    }
  }

  private static Duration timeout(String text) {
    long seconds;
    try {
      seconds = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new Args.UsageException(
          "--timeout must be a whole number of seconds, got \"" + text + "\"");
    }
    if (seconds < 1 || seconds > 600) {
      throw new Args.UsageException("--timeout must be between 1 and 600 seconds, got " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }

  private static ObjectNode json(String step) {
    ObjectNode line = ReplayInput.JSON.createObjectNode();
    line.put("step", step);
    return line;
  }

  private static void fail(PrintStream out, Redactor redact, String step, RuntimeException e) {
    ObjectNode line = json(step);
    line.put("error", Main.describe(e));
    if (e instanceof NwcException nwc) {
      line.put("code", nwc.error().name());
    } else if (e instanceof RailException) {
      line.put("code", ((RailException) e).code());
    } else {
      line.put(
          "code",
          e.getClass().getSimpleName().replaceAll("Exception$", "").toUpperCase(Locale.ROOT));
    }
    print(out, redact, line);
  }

  private static void print(PrintStream out, Redactor redact, ObjectNode line) {
    try {
      out.print(
          redact.apply(ReplayInput.JSON.writeValueAsString(line))
              + "\n"); // JSON Lines: \n everywhere
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
  }

  /**
   * Belt and braces: the NWC library never puts the secret in a message, and this makes sure no
   * line printed here carries it either, whatever a dependency might say.
   */
  private static final class Redactor {
    private final String secret;

    Redactor(String uri) {
      Matcher m = SECRET.matcher(uri);
      this.secret = m.find() && m.group(1).length() >= 8 ? m.group(1) : null;
    }

    String apply(String text) {
      if (secret == null) {
        return text;
      }
      return text.replace(secret, "<redacted>")
          .replace(secret.toLowerCase(Locale.ROOT), "<redacted>");
    }
  }
}
