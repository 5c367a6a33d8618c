package org.relukit.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
    void optionsRejectZeroThreads() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BackendOptions(0, null));
        assertTrue(e.getMessage().contains("0"), e::getMessage);
    }
}
