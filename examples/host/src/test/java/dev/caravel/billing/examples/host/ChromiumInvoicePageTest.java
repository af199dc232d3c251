package dev.caravel.billing.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.ChecksumException;
import com.google.zxing.DecodeHintType;
import com.google.zxing.FormatException;
import com.google.zxing.NotFoundException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.documents.MoneyFormat;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

/**
 * The seeded tenant's invoice page in a real browser: the app on a random port of 127.0.0.1,
 * Debian's headless chromium driven by playwright-core (src/test/node/host.mjs). The page shows the
 * engine's items and total, the browser's screenshot of the QR code decodes (ZXing) to the BOLT11
 * the engine holds, and pressing "Pay by card" charges the demo card through the engine: the page
 * comes back paid, and so does the ledger.
 *
 * <p>Needs node, {@code npm ci} in src/test/node (the build runs it) and chromium ({@code apt-get
 * install chromium}); without them it skips, saying why, and with CI=true it fails. Screenshots are
 * left in target/browser.
 */
@ActiveProfiles(DemoCipherKeyGuard.DEMO_PROFILE) // the demo key
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChromiumInvoicePageTest {
  private static final ObjectMapper JSON = NodeBrowser.JSON;
  private static final Path OUT = NodeBrowser.OUT;

  @LocalServerPort int port;
  @Autowired Billing billing;
  @Autowired DemoSeed seed;
  @Autowired DemoRails.Card card;

  @BeforeEach
  void browserAvailable() {
    NodeBrowser.assumeAvailable();
  }

  @Test
  void theSeededInvoiceShowsItsItemsTotalAndQrAndPayingByCardTurnsItPaid() throws Exception {
    String id = seed.invoiceId();
    Invoice invoice = billing.invoice(id).orElseThrow();
    assertThat(invoice.isPaid()).as("seeded unpaid").isFalse();
    List<InvoiceItem> items = billing.invoiceItems(id);
    assertThat(items).isNotEmpty();
    int chargesBefore = card.charges();

    java.net.URI link = java.net.URI.create(billing.invoiceLink(id));
    String url = "http://127.0.0.1:" + port + link.getRawPath() + "?" + link.getRawQuery();
    Path qr = OUT.resolve("host-qr.png");
    // The BOLT11 the engine issued for this invoice, asked before the browser pays it by card: the
    // engine hands one out only while the invoice is open, and the page shows this same one.
    String bolt11 = billing.bolt11(id).bolt11();
    JsonNode r = drive(url, qr);
    JsonNode due = r.get("due");

    // what the engine holds is what the browser shows
    assertThat(due.get("httpStatus").asInt()).isEqualTo(200);
    assertThat(due.get("status").asText()).isEqualTo("Due");
    assertThat(List.of(JSON.treeToValue(due.get("descriptions"), String[].class)))
        .containsExactlyElementsOf(items.stream().map(InvoiceItem::description).toList());
    assertThat(due.get("itemRows").asInt()).isEqualTo(items.size());
    String total = MoneyFormat.of(invoice.currency(), Locale.US).format(invoice.total());
    assertThat(total).isEqualTo("$5.00");
    assertThat(due.get("totalText").asText()).isEqualTo(total);
    assertThat(due.get("totalVisible").asBoolean()).isTrue();
    assertThat(due.get("payButtonVisible").asBoolean()).isTrue();

    // the QR code, as chromium drew it, is the BOLT11 the engine issued for this invoice
    assertThat(bolt11).startsWith("lnbc");
    assertThat(due.get("hasQr").asBoolean()).isTrue();
    assertThat(due.get("qrVisible").asBoolean()).isTrue();
    assertThat(due.get("bolt11Text").asText()).isEqualTo(bolt11);
    String decoded = decodeQr(qr);
    assertThat(decoded).isEqualTo("LIGHTNING:" + bolt11.toUpperCase(Locale.ROOT));
    assertThat(decoded.substring("LIGHTNING:".length()).toLowerCase(Locale.ROOT)).isEqualTo(bolt11);

    // pressing Pay by card posts, is redirected back, and the page says paid
    JsonNode paid = r.get("paid");
    assertThat(paid.isNull()).as("the pay button was pressed").isFalse();
    assertThat(paid.get("url").asText()).isEqualTo(url);
    assertThat(paid.get("status").asText()).isEqualTo("Paid");
    assertThat(paid.get("hasQr").asBoolean()).isFalse();
    assertThat(paid.get("payButtons").asInt()).isZero();
    assertThat(paid.get("totalText").asText()).isEqualTo(total);
    assertThat(List.of(JSON.treeToValue(r.get("responses"), String[].class)))
        .contains("POST 303 http://127.0.0.1:" + port + "/account/pay", "GET 200 " + url);

    // and the engine agrees: paid once, by card, with the demo charge's reference
    Invoice after = billing.invoice(id).orElseThrow();
    assertThat(after.isPaid()).isTrue();
    assertThat(after.payment().orElseThrow().method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(after.payment().orElseThrow().reference()).startsWith("pi_demo_");
    assertThat(paid.get("reference").asText()).isEqualTo(after.payment().orElseThrow().reference());
    assertThat(card.charges()).isEqualTo(chargesBefore + 1);

    assertThat(r.get("errors")).isEmpty();
    assertThat(r.get("blocked")).as("requests beyond the host").isEmpty();
  }

  private static JsonNode drive(String url, Path qr) throws IOException, InterruptedException {
    Files.createDirectories(OUT);
    Files.deleteIfExists(qr);
    return NodeBrowser.run(
        "host.mjs",
        url,
        qr.toString(),
        OUT.resolve("host-due.png").toString(),
        OUT.resolve("host-paid.png").toString());
  }

  private static String decodeQr(Path png) throws IOException {
    assertThat(png).exists();
    BufferedImage image = ImageIO.read(png.toFile());
    BinaryBitmap bitmap =
        new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
    try {
      return new QRCodeReader()
          .decode(
              bitmap,
              Map.of(
                  DecodeHintType.POSSIBLE_FORMATS,
                  List.of(BarcodeFormat.QR_CODE),
                  DecodeHintType.TRY_HARDER,
                  Boolean.TRUE))
          .getText();
    } catch (NotFoundException | ChecksumException | FormatException e) {
      throw new AssertionError("no QR code decodes from the browser's screenshot " + png, e);
    }
  }
}
