package org.relukit.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether the OpenCL tests can run here. Without a platform they skip, loudly; with
 * {@code RELUKIT_REQUIRE_OPENCL=1} or {@code -Drelukit.requireOpenCL=true} (CI, the GPU check)
 * they fail instead, so a broken driver install cannot pass as a green build.
 */
final class OpenClTests {
    private OpenClTests() {}

    static boolean required() {
        return isTrue(System.getenv("RELUKIT_REQUIRE_OPENCL")) || isTrue(System.getProperty("relukit.requireOpenCL"));
    }

    /** Returns when OpenCL can run; otherwise fails or aborts the calling test (class). */
    static void assumeOpenCl() {
        String reason = new OpenClProvider().unavailableReason();
        if (reason == null) {
            return;
        }
        if (required()) {
            fail("OpenCL is required (RELUKIT_REQUIRE_OPENCL=1 or -Drelukit.requireOpenCL=true) but " + reason);
        }
        String message = "SKIPPING the OpenCL tests: " + reason;
        System.err.println("*** " + message + " ***");
        Assumptions.abort(message);
    }

    /** The device the backend chooses by default (the first GPU, else the first CPU). */
    static OpenClDevice defaultDevice() {
        assumeOpenCl();
        return OpenClDevice.choose(OpenClDevice.list(), null);
    }

    private static boolean isTrue(String value) {
        return value != null && switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes" -> true;
            default -> false;
        };
    }
}
