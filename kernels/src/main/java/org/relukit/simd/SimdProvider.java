package org.relukit.simd;

import java.lang.management.ManagementFactory;
import java.util.Set;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.BackendProvider;

/** Finds out, without touching a vector class, whether the Vector API can run here. */
public final class SimdProvider implements BackendProvider {
    private static final Set<String> WIDTHS = Set.of("128", "256", "512");

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the JVM was started without the Vector API: pass --add-modules jdk.incubator.vector"
                    + " (./relukit does), or choose --backend=scalar";
        }
        String bits = System.getProperty(SimdSpecies.BITS_PROPERTY);
        if (bits != null && !WIDTHS.contains(bits.trim())) {
            return "-D" + SimdSpecies.BITS_PROPERTY + "=" + bits + " is not a vector width: use 128, 256 or 512";
        }
        return null;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new SimdBackend(options.threads());
    }

    /** Whether HotSpot turns Math.fma and Vector API fma into one instruction. */
    static boolean fmaEnabled() {
        try {
            var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return hotspot != null && Boolean.parseBoolean(hotspot.getVMOption("UseFMA").getValue());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
