package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 21: what a host uses is exported, the NIP codecs only the NWC wallet needs are exported to
 * it alone, and the helpers to no one. The tests run on the class path, where none of this is
 * enforced, so the descriptor itself is read and checked here.
 */
class ModuleExportsTest {
  private static final String API = "dev.caravel.billing.nostr";
  private static final String PROTOCOL = "dev.caravel.billing.nostr.protocol";
  private static final String INTERNAL = "dev.caravel.billing.nostr.internal";

  /** The types of the exported package that a host sees. */
  private static final List<Class<?>> API_TYPES =
      List.of(
          NostrKeys.class,
          NostrMessenger.class,
          NostrMessenger.Builder.class,
          RelayClient.class,
          RelayClient.Builder.class,
          Event.class,
          Filter.class,
          Filter.Builder.class,
          PublishResult.class,
          Subscription.class,
          SubscriptionListener.class,
          NostrFormatException.class,
          DecryptionException.class);

  @Test
  void hostsSeeTheApiOnlyTheNwcModuleSeesTheProtocolAndNobodyTheHelpers() throws IOException {
    ModuleDescriptor module = descriptor();
    Map<String, Set<String>> exports =
        module.exports().stream()
            .collect(
                Collectors.toMap(
                    ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets));
    // INTERNAL (hex, JSON, the curve, ECDH access) is in no export.
    assertThat(exports).containsOnlyKeys(API, PROTOCOL);
    assertThat(exports.get(API)).as("exported to every module").isEmpty();
    assertThat(exports.get(PROTOCOL)).containsExactly("dev.caravel.billing.nwc");
  }

  @Test
  void theExportedApiNamesNoProtocolOrInternalType() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> type : API_TYPES) {
      List<Executable> members = new ArrayList<>();
      for (Method m : type.getDeclaredMethods()) {
        members.add(m);
      }
      for (Constructor<?> c : type.getDeclaredConstructors()) {
        members.add(c);
      }
      for (Executable member : members) {
        if (!Modifier.isPublic(member.getModifiers())) {
          continue;
        }
        Stream.concat(
                Stream.of(member.getParameterTypes()),
                member instanceof Method m ? Stream.of(m.getReturnType()) : Stream.empty())
            .map(t -> t.isArray() ? t.getComponentType() : t)
            .filter(t -> t.getPackageName().equals(PROTOCOL) || t.getPackageName().equals(INTERNAL))
            .forEach(t -> leaks.add(type.getSimpleName() + "." + member.getName() + ": " + t));
      }
    }
    assertThat(leaks).isEmpty();
  }

  /** This module's descriptor, from where its classes were loaded (a folder or a jar). */
  private static ModuleDescriptor descriptor() throws IOException {
    Path location;
    try {
      location =
          Path.of(NostrKeys.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    if (Files.isDirectory(location)) {
      try (InputStream in = Files.newInputStream(location.resolve("module-info.class"))) {
        return ModuleDescriptor.read(in);
      }
    }
    try (JarFile jar = new JarFile(location.toFile());
        InputStream in = jar.getInputStream(jar.getEntry("module-info.class"))) {
      return ModuleDescriptor.read(in);
    }
  }
}
