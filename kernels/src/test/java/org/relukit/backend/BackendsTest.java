package org.relukit.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void serviceLoaderFindsTheCpuBackends() {
        List<String> names = Backends.names();
        assertTrue(names.contains("scalar"), () -> "names() = " + names);
        assertTrue(names.contains("simd"), () -> "names() = " + names);
    }

    @Test
    void opensEachCpuBackendByName() {
        for (String name : List.of("scalar", "simd")) {
            try (Backend backend = Backends.open(name)) {
                assertEquals(name, backend.name());
            }
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("no-such-backend"));
        String message = e.getMessage();
        assertTrue(message.contains("no-such-backend"), () -> "message should name the bad value: " + message);
        for (String known : Backends.names()) {
            assertTrue(message.contains(known), () -> "message should list '" + known + "': " + message);
        }
    }

    @Test
    void simdDescriptionSaysTheVectorWidth() {
        try (Backend simd = Backends.open("simd")) {
            String description = simd.description();
            assertTrue(description.matches(".*\\b(64|128|256|512|1024|2048)-bit\\b.*"),
                    () -> "description should give the species width: " + description);
            String forced = System.getProperty("relukit.simd.bits");
            if (forced != null) {
                assertTrue(description.contains(forced.trim() + "-bit"),
                        () -> "-Drelukit.simd.bits=" + forced + " but description says: " + description);
            }
        }
    }

    @Test
    void availableSaysOfEveryBackendWhetherItRuns() {
        List<Backends.Availability> available = Backends.available();
        assertEquals(Backends.names(), available.stream().map(Backends.Availability::name).toList());
        for (Backends.Availability a : available) {
            if (a.name().equals("scalar") || a.name().equals("simd")) {
                // The test JVMs run with --add-modules jdk.incubator.vector.
                assertTrue(a.usable(), () -> a.name() + " should run here: " + a.unavailableReason());
            }
        }
    }

    @Test
    void bestIsSimdWhenTheVectorApiIsThere() {
        try (Backend best = Backends.best()) {
            assertEquals("simd", best.name());
        }
    }

    /** A width that is not one makes simd unusable without touching a vector class; best() falls back and says why. */
    @Test
    void bestFallsBackToScalarAndLogsWhySimdCannotRun() {
        String before = System.getProperty("relukit.simd.bits");
        List<String> logged = new ArrayList<>();
        Logger log = Logger.getLogger(Backends.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        System.setProperty("relukit.simd.bits", "100");
        try (Backend best = Backends.best()) {
            assertEquals("scalar", best.name());
            Backends.Availability simd = Backends.available().stream()
                    .filter(a -> a.name().equals("simd")).findFirst().orElseThrow();
            assertFalse(simd.usable());
            assertTrue(simd.unavailableReason().contains("use 128, 256 or 512"), simd::unavailableReason);
            assertEquals(1, logged.size(), () -> "one line: " + logged);
            assertTrue(logged.get(0).contains("scalar") && logged.get(0).contains(simd.unavailableReason()),
                    () -> "the line should name the choice and why simd cannot run: " + logged.get(0));
        } finally {
            log.removeHandler(capture);
            if (before == null) {
                System.clearProperty("relukit.simd.bits");
            } else {
                System.setProperty("relukit.simd.bits", before);
            }
        }
    }

    @Test
    void optionsRejectZeroThreads() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BackendOptions(0, null));
        assertTrue(e.getMessage().contains("0"), e::getMessage);
    }
}
