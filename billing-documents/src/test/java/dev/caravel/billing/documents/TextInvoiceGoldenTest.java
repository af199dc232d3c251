package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The plain-text invoice, byte for byte, against committed golden files in
 * src/test/resources/golden. To accept a deliberate change, run with {@code -Dgolden.update=true}
 * (it rewrites the files under src/test/resources; review the diff before committing). On a
 * mismatch the rendered text is left in target/golden-actual.
 */
class TextInvoiceGoldenTest {

  @Test
  void anUnpaidInvoiceWithItsBolt11() throws IOException {
    assertGolden("invoice-due.txt", Fixtures.renderer().text(Fixtures.due()));
  }

  @Test
  void aPaidInvoice() throws IOException {
    assertGolden("invoice-paid.txt", Fixtures.renderer().text(Fixtures.paid()));
  }

  @Test
  void everyLineFitsTheWidthButTheValuesToCopyWhole() {
    String link = Fixtures.renderer().paymentLink(Fixtures.INVOICE_ID);
    for (String text :
        new String[] {
          Fixtures.renderer().text(Fixtures.paid()),
          Fixtures.renderer().text(Fixtures.due()),
          Fixtures.renderer().text(HtmlInvoiceTest.hostileDocument())
        }) {
      assertThat(text.lines().filter(l -> !l.equals(Fixtures.BOLT11) && !l.equals(link)))
          .allSatisfy(
              line -> assertThat(line.length()).isLessThanOrEqualTo(InvoiceRenderer.TEXT_WIDTH));
      assertThat(text).endsWith("\n").doesNotContain("\r").doesNotContain("\t");
    }
  }

  static void assertGolden(String name, String actual) throws IOException {
    if (Boolean.getBoolean("golden.update")) {
      Path source = Path.of("src/test/resources/golden", name);
      Files.createDirectories(source.getParent());
      Files.writeString(source, actual, StandardCharsets.UTF_8);
      return;
    }
    String expected;
    try (InputStream in = TextInvoiceGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        fail("no golden file " + name + " (run once with -Dgolden.update=true to write it)");
        return;
      }
      expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!expected.equals(actual)) {
      Path out = Path.of("target/golden-actual", name);
      Files.createDirectories(out.getParent());
      Files.writeString(out, actual, StandardCharsets.UTF_8);
      assertThat(actual)
          .as("text invoice differs from golden/%s (actual in %s)", name, out.toAbsolutePath())
          .isEqualTo(expected);
    }
  }
}
