package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's rule: what a host sees in {@code dev.caravel.billing} stays small, at most 25 public
 * top-level types (vocabulary of one type nests in it; what no host needs goes to {@code
 * internal}). Read from the compiled package, so a new public type anywhere in it counts. A
 * tenant's tax setting (S24) nests in {@link Invoice} with the invoice's own tax line.
 */
class HostPackageSurfaceTest {
  private static final int MAX_PUBLIC_TOP_LEVEL_TYPES = 25;
  private static final String PACKAGE = Billing.class.getPackageName();

  @Test
  void theHostPackageHasAtMost26PublicTopLevelTypes() throws Exception {
    List<String> types = publicTopLevelTypes();
    assertThat(types)
        .as(
            "public top-level types of %s (at most %d: nest a type's vocabulary in it, or move"
                + " what hosts don't use to %s.internal)",
            PACKAGE, MAX_PUBLIC_TOP_LEVEL_TYPES, PACKAGE)
        .hasSizeLessThanOrEqualTo(MAX_PUBLIC_TOP_LEVEL_TYPES);
  }

  /**
   * The scan sees the package (so the rule above cannot pass on an empty list), and the names hosts
   * and the replay checks import stay top-level: room is not made by nesting them.
   */
  @Test
  void theTypesHostsNameStayPublicAndTopLevel() throws Exception {
    assertThat(publicTopLevelTypes())
        .contains(
            "Billing",
            "BillingBuilder",
            "Activity",
            "ActivityType",
            "Plan",
            "PlanCatalogue",
            "Invoice",
            "InvoiceItem",
            "Payment",
            "PaymentMethod",
            "PaymentResult",
            "Standing",
            "BillingEvent",
            "BillingListener",
            "CloseResult",
            "RefundResult",
            "InvalidInputException",
            "ActivityRejectedException",
            "LightningWallet",
            "PaymentGateway",
            "Messenger",
            "ExchangeRates",
            "SecretCipher");
  }

  /** The simple names of the package's public top-level classes, from its compiled classes. */
  private static List<String> publicTopLevelTypes() throws Exception {
    Path root = Path.of(Billing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String folder = PACKAGE.replace('.', '/') + '/';
    List<String> classFiles = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> files = Files.list(root.resolve(folder))) {
        files.map(f -> f.getFileName().toString()).forEach(classFiles::add);
      }
    } else {
      try (JarFile jar = new JarFile(root.toFile())) {
        jar.stream()
            .map(entry -> entry.getName())
            .filter(n -> n.startsWith(folder) && n.indexOf('/', folder.length()) < 0)
            .map(n -> n.substring(folder.length()))
            .forEach(classFiles::add);
      }
    }
    List<String> types = new ArrayList<>();
    for (String file : classFiles) {
      // A '$' marks a nested, local or anonymous class: not top-level.
      if (!file.endsWith(".class") || file.contains("$") || file.equals("package-info.class")) {
        continue;
      }
      String name = file.substring(0, file.length() - ".class".length());
      Class<?> type =
          Class.forName(PACKAGE + "." + name, false, HostPackageSurfaceTest.class.getClassLoader());
      if (Modifier.isPublic(type.getModifiers()) && type.getEnclosingClass() == null) {
        types.add(name);
      }
    }
    types.sort(null);
    return types;
  }
}
