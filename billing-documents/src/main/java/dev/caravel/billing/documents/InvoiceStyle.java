package dev.caravel.billing.documents;

/** The invoice page's inline CSS: the page fetches nothing, so its style travels with it. */
final class InvoiceStyle {
  private InvoiceStyle() {}

  static final String CSS =
      String.join(
          "",
          "*{box-sizing:border-box}",
          "body{margin:0;padding:24px;background:#f4f4f5;color:#18181b;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
          ".invoice{max-width:760px;margin:0 auto;background:#fff;padding:32px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}",
          "header{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px}",
          "h1{margin:0;font-size:24px}.seller{margin:0;font-weight:600}",
          ".meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:20px 0}",
          ".meta dt{color:#52525b}.meta dd{margin:0;overflow-wrap:anywhere}",
          ".mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}",
          ".status.paid{color:#15803d;font-weight:600}.status.due{color:#b45309;font-weight:600}",
          "table{width:100%;border-collapse:collapse;margin:8px 0 20px}",
          "th,td{padding:8px 6px;text-align:left;vertical-align:top;border-bottom:1px solid #e4e4e7}",
          "td.date{white-space:nowrap}.amount{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}",
          ".description{overflow-wrap:anywhere}.detail{color:#71717a;font-size:13px}",
          ".credit .amount{color:#15803d}.tag{font-size:12px;padding:1px 6px;border-radius:4px;background:#dcfce7;color:#166534}",
          "tfoot th{text-align:right;font-weight:500}tfoot .total th,tfoot .total td{font-size:18px;font-weight:700;border-bottom:0}",
          ".payment{padding:16px;border-radius:6px}.payment.due{background:#fffbeb}.payment.paid{background:#f0fdf4}",
          ".payment p{margin:4px 0}a{color:#1d4ed8;overflow-wrap:anywhere}",
          ".bolt11{margin:16px 0 0}.qr{display:inline-block;background:#fff;line-height:0}",
          ".qr svg{display:block}figcaption{margin-top:8px}",
          "figcaption code{display:block;margin-top:6px;padding:8px;background:#fff;border:1px solid #e4e4e7;word-break:break-all}",
          "footer{margin-top:24px;color:#71717a;font-size:13px}");
}
