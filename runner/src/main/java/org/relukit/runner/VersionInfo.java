package org.relukit.runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.BackendProvider;
import org.relukit.backend.Backends;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code relukit --version} prints: the build (version and git commit, from the
 * {@code build.properties} that Maven filled in), the JDK, the SIMD vector width and the backends
 * that can run in this JVM, each missing one with the reason.
 */
final class VersionInfo implements IVersionProvider {

    @Override
    public String[] getVersion() {
        Properties build = build();
        List<String> lines = new ArrayList<>();
        lines.add("relukit " + build.getProperty("version") + " (commit " + build.getProperty("commit") + ")");
        lines.add("JDK " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        List<String> usable = new ArrayList<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            String reason = provider.unavailableReason();
            if (reason == null) {
                usable.add(provider.name());
            } else {
                lines.add("backend " + provider.name() + " cannot run here: " + reason);
            }
        }
        lines.add(2, "backends usable here: " + (usable.isEmpty() ? "none" : String.join(", ", usable)));
        lines.add(2, "simd: " + (usable.contains("simd") ? simdDescription() : "no Vector API in this JVM"));
        return lines.toArray(String[]::new);
    }

    /** The version and commit this runner was built from; "unknown" where the build had no git. */
    static Properties build() {
        Properties build = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String key : List.of("version", "commit")) {
            String value = build.getProperty(key, "");
            // An unfilled placeholder means the resource was not filtered (an IDE build) or git was absent.
            if (value.isBlank() || value.startsWith("${")) {
                build.setProperty(key, "unknown");
            }
        }
        return build;
    }

    /** The SIMD backend's own account of its species (the vector width) and FMA. */
    private static String simdDescription() {
        try (Backend simd = Backends.open("simd", BackendOptions.defaults())) {
            return simd.description();
        }
    }
}
