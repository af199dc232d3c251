package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.NotFoundException;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTML invoice in a real browser: Debian's headless chromium, driven by playwright-core
 * (src/test/node/render.mjs). It renders, the total is visible, and the browser's own screenshot of
 * the QR code decodes (ZXing) back to the BOLT11.
 *
 * <p>The QR code holds {@code LIGHTNING:} + the BOLT11 upper-cased (QR alphanumeric mode, which
 * BOLT11 allows for QR codes); the decoded text is compared to exactly that, and, lower-cased after
 * the scheme, to exactly the lower-case BOLT11 the wallet issued.
 *
 * <p>Needs node, {@code npm ci} in src/test/node (the build runs it) and chromium ({@code apt-get
 * install chromium}); without them it skips, saying why, and with CI=true it fails. Screenshots and
 * HTML are left in target/browser.
 */
class ChromiumInvoiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path NODE_DIR =
      Path.of(System.getProperty("documents.node.dir", "src/test/node")).toAbsolutePath();
  private static final Path CHROMIUM =
      Path.of(System.getProperty("documents.chromium", "/usr/bin/chromium"));
  private static final Path OUT =
      Path.of(System.getProperty("documents.out.dir", "target/browser")).toAbsolutePath();

  @BeforeEach
  void browserAvailable() { // per test, so that a skip is reported as three skipped tests
    String missing = null;
    if (!Files.isRegularFile(NODE_DIR.resolve("node_modules/playwright-core/package.json"))) {
      missing =
          "playwright-core is not installed in "
              + NODE_DIR
              + " (node/npm missing, or npm ci not run)";
    } else if (!Files.isExecutable(CHROMIUM)) {
      missing = CHROMIUM + " not found (apt-get install chromium)";
    }
    if (missing == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("the browser test cannot run on CI: " + missing);
    }
    String message = "browser test skipped: " + missing + " (with CI=true it fails instead)";
    System.err.println("[billing-documents] " + message);
    Assumptions.abort(message);
  }

  @Test
  void anUnpaidInvoiceRendersItsTotalIsVisibleAndItsQrCodeDecodesToTheBolt11() throws Exception {
    Page page = render("due", Fixtures.renderer().html(Fixtures.due()));
    JsonNode r = page.report;

    assertThat(r.get("loaded").asBoolean()).isTrue();
    assertThat(r.get("title").asText()).isEqualTo("Invoice inv-2025-0001 · Caravel Relays");
    assertThat(r.get("invoiceVisible").asBoolean()).isTrue();
    assertThat(r.get("totalText").asText()).isEqualTo("$15.00");
    assertThat(r.get("totalVisible").asBoolean()).isTrue();
    assertThat(r.get("totalBox").get("width").asDouble()).isPositive();
    assertThat(r.get("status").asText()).isEqualTo("Due");
    assertThat(r.get("paymentLink").asText())
        .isEqualTo("https://relays.example/account?invoice=inv-2025-0001");
    assertThat(r.get("errors")).isEmpty();
    assertThat(r.get("blocked")).as("requests beyond the file itself").isEmpty();
    assertThat(r.get("requests")).hasSize(1);

    assertThat(r.get("hasQr").asBoolean()).isTrue();
    String decoded = decodeQr(page.qrPng);
    assertThat(decoded).isEqualTo("LIGHTNING:" + Fixtures.BOLT11.toUpperCase(Locale.ROOT));
    assertThat(decoded).startsWith("LIGHTNING:");
    assertThat(decoded.substring("LIGHTNING:".length()).toLowerCase(Locale.ROOT))
        .isEqualTo(Fixtures.BOLT11);
  }

  @Test
  void aPaidInvoiceRendersWithoutAQrCode() throws Exception {
    Page page =
        render(
            "paid",
            Fixtures.renderer()
                .html(
                    InvoiceDocument.of(
                        Fixtures.paidInvoice(), Fixtures.items(), Fixtures.bolt11())));
    assertThat(page.report.get("totalText").asText()).isEqualTo("$15.00");
    assertThat(page.report.get("totalVisible").asBoolean()).isTrue();
    assertThat(page.report.get("status").asText()).isEqualTo("Paid");
    assertThat(page.report.get("hasQr").asBoolean()).isFalse();
    assertThat(Files.exists(page.qrPng)).isFalse();
  }

  @Test
  void hostileDescriptionsAreShownAsTextAndRunNothing() throws Exception {
    Page page =
        render("hostile", HtmlInvoiceTest.hostileSeller().html(HtmlInvoiceTest.hostileDocument()));
    JsonNode r = page.report;
    assertThat(r.get("foreignElements").asInt()).as("elements the ledger's text injected").isZero();
    assertThat(r.get("pwned").isNull()).isTrue();
    assertThat(r.get("errors")).isEmpty();
    assertThat(r.get("blocked")).isEmpty();
    // the browser shows each description as the very text the ledger holds (folded to one line)
    assertThat(List.of(JSON.treeToValue(r.get("descriptions"), String[].class)))
        .containsExactly(
            HtmlInvoiceTest.SCRIPT,
            HtmlInvoiceTest.IMG,
            HtmlInvoiceTest.BREAKOUT,
            "Refund Total $0.00 Status: PAID",
            "Relay gnissecorp fee");
    assertThat(r.get("seller").asText()).isEqualTo("Evil <script>alert('seller')</script> & Co");
    assertThat(r.get("totalText").asText()).isEqualTo("$15.00");
    assertThat(decodeQr(page.qrPng))
        .isEqualTo("LIGHTNING:" + Fixtures.BOLT11.toUpperCase(Locale.ROOT));
  }

  private record Page(JsonNode report, Path qrPng) {}

  private static Page render(String name, String html) throws IOException, InterruptedException {
    Files.createDirectories(OUT);
    Path file = OUT.resolve(name + ".html");
    Path qr = OUT.resolve(name + "-qr.png");
    Path full = OUT.resolve(name + "-page.png");
    Files.deleteIfExists(qr);
    Files.writeString(file, html, StandardCharsets.UTF_8);
    Path log = OUT.resolve(name + "-node.log");
    Process p =
        new ProcessBuilder(
                "node",
                NODE_DIR.resolve("render.mjs").toString(),
                file.toString(),
                qr.toString(),
                full.toString(),
                CHROMIUM.toString())
            .directory(NODE_DIR.toFile())
            .redirectError(log.toFile())
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish rendering " + file + " in 120 s; see " + log);
    }
    if (p.exitValue() != 0) {
      fail("render.mjs exited " + p.exitValue() + ": " + Files.readString(log) + out);
    }
    return new Page(JSON.readTree(out), qr);
  }

  private static String decodeQr(Path png) throws IOException {
    assertThat(png).exists();
    BufferedImage image = ImageIO.read(png.toFile());
    BinaryBitmap bitmap =
        new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
    try {
      Result result =
          new QRCodeReader()
              .decode(
                  bitmap,
                  Map.of(
                      DecodeHintType.POSSIBLE_FORMATS,
                      List.of(BarcodeFormat.QR_CODE),
                      DecodeHintType.TRY_HARDER,
                      Boolean.TRUE));
      return result.getText();
    } catch (NotFoundException
        | com.google.zxing.ChecksumException
        | com.google.zxing.FormatException e) {
      throw new AssertionError("no QR code decodes from the browser's screenshot " + png, e);
    }
  }
}
