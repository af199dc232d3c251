package dev.caravel.billing.documents;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Locale;
import java.util.Map;

/** A BOLT11 as a QR code: ZXing encodes it; this only draws ZXing's matrix as SVG. */
final class Qr {
  /** Quiet zone, in modules, on each side (the QR specification asks for 4). */
  static final int MARGIN = 4;

  /** CSS pixels per module in the document. */
  static final int MODULE_PX = 4;

  private Qr() {}

  /**
   * What the QR code holds: {@code LIGHTNING:} and the BOLT11, upper-cased. BOLT11 allows upper
   * case in QR codes so that the whole string fits QR's alphanumeric mode (smaller and easier to
   * scan than byte mode); bech32 is case-insensitive, and wallets accept the URI scheme in either
   * case.
   */
  static String content(String bolt11) {
    return ("lightning:" + bolt11).toUpperCase(Locale.ROOT);
  }

  /**
   * An inline SVG of {@code content}, one path of dark runs, scaled {@link #MODULE_PX} per module.
   */
  static String svg(String content, String title) {
    BitMatrix m;
    try {
      m =
          new QRCodeWriter()
              .encode(
                  content,
                  BarcodeFormat.QR_CODE,
                  0,
                  0,
                  Map.of(
                      EncodeHintType.ERROR_CORRECTION,
                      ErrorCorrectionLevel.M,
                      EncodeHintType.MARGIN,
                      MARGIN));
    } catch (WriterException e) {
      throw new IllegalArgumentException(
          "the BOLT11 does not fit in a QR code: " + e.getMessage(), e);
    }
    int w = m.getWidth();
    int h = m.getHeight();
    StringBuilder d = new StringBuilder(w * h);
    for (int y = 0; y < h; y++) {
      int x = 0;
      while (x < w) {
        if (!m.get(x, y)) {
          x++;
          continue;
        }
        int run = x;
        while (run < w && m.get(run, y)) {
          run++;
        }
        d.append('M')
            .append(x)
            .append(' ')
            .append(y)
            .append('h')
            .append(run - x)
            .append("v1h-")
            .append(run - x)
            .append('z');
        x = run;
      }
    }
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\""
        + Html.escape(title)
        + "\""
        + " viewBox=\"0 0 "
        + w
        + " "
        + h
        + "\" width=\""
        + w * MODULE_PX
        + "\" height=\""
        + h * MODULE_PX
        + "\""
        + " shape-rendering=\"crispEdges\"><rect width=\""
        + w
        + "\" height=\""
        + h
        + "\" fill=\"#fff\"/>"
        + "<path fill=\"#000\" d=\""
        + d
        + "\"/></svg>";
  }
}
