package org.relukit.jmh;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The well-known implementations the kernels are measured against, all on one thread as the
 * backends run: {@code naive} ({@link NaiveGemm}), {@code VectorBLAS} (dev.ludovic.netlib's Vector
 * API BLAS) and {@code JNIBLAS} (the system's {@code libblas.so.3}, OpenBLAS on Debian with
 * {@code libopenblas0}).
 */
final class Baselines {
    /** Whether the one line about libblas.so.3 was printed in this JVM. */
    private static boolean jniAnnounced;

    private Baselines() {}

    /**
     * The BLAS behind {@code impl}, or null for the naive loops.
     *
     * @throws IllegalStateException saying why the baseline cannot run here and how to fix it
     */
    static BLAS open(String impl) {
        return switch (impl) {
            case "naive" -> null;
            case "VectorBLAS" -> vectorBlas();
            case "JNIBLAS" -> jniBlas();
            default -> throw new IllegalArgumentException("unknown baseline '" + impl + "': choose one of "
                    + String.join(", ", Availability.BASELINES));
        };
    }

    private static BLAS vectorBlas() {
        BLAS blas = JavaBLAS.getInstance();
        // netlib falls back to plain Java loops without the Vector API; that is not this baseline.
        if (!blas.getClass().getSimpleName().equals("VectorBLAS")) {
            throw new IllegalStateException("VectorBLAS baseline skipped: netlib chose " + blas.getClass().getSimpleName()
                    + "; pass --add-modules jdk.incubator.vector (leave it out with -p impl="
                    + Availability.others(Availability.BASELINES, "VectorBLAS") + ")");
        }
        return blas;
    }

    private static BLAS jniBlas() {
        BLAS blas;
        try {
            blas = NativeBLAS.getInstance();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("JNIBLAS baseline skipped: netlib cannot load libblas.so.3 (" + e.getMessage()
                    + "); apt-get install libopenblas0, or leave it out with -p impl="
                    + Availability.others(Availability.BASELINES, "JNIBLAS"), e);
        }
        String library = openBlasOnOneThread();
        if (!jniAnnounced) {
            jniAnnounced = true;
            System.err.println("JNIBLAS: " + library);
        }
        return blas;
    }

    /**
     * OpenBLAS starts a thread per core; the backends run on the calling thread, so the baseline is
     * pinned to one thread too (as OPENBLAS_NUM_THREADS=1 would). Says what libblas.so.3 turned out to be.
     */
    @SuppressWarnings("restricted") // the forks pass --enable-native-access=ALL-UNNAMED
    private static String openBlasOnOneThread() {
        // libblas.so.3 is loaded by now; under OpenBLAS it pulls in libopenblas.so.0, which dlopen returns as is.
        SymbolLookup openBlas;
        try {
            openBlas = SymbolLookup.libraryLookup("libopenblas.so.0", Arena.global());
        } catch (IllegalArgumentException e) {
            return "libblas.so.3 is not OpenBLAS (reference BLAS, one thread)";
        }
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> setThreads = openBlas.find("openblas_set_num_threads");
        Optional<MemorySegment> config = openBlas.find("openblas_get_config");
        try {
            if (setThreads.isPresent()) {
                MethodHandle set = linker.downcallHandle(setThreads.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                set.invokeExact(1);
            }
            String name = "OpenBLAS";
            if (config.isPresent()) {
                MethodHandle get = linker.downcallHandle(config.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
                name = ((MemorySegment) get.invokeExact()).reinterpret(256).getString(0);
            }
            return name + (setThreads.isPresent() ? ", 1 thread" : ", threads as OPENBLAS_NUM_THREADS says");
        } catch (Throwable e) {
            throw new IllegalStateException("cannot set OpenBLAS to one thread: " + e, e);
        }
    }
}
