package org.relukit.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.junit.jupiter.api.Test;
import org.relukit.backend.BackendUnavailableException;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;

/** Device buffers are given back, and the failures a user can meet say what to do. */
class OpenClResourcesTest {

    @Test
    void liveBuffersReturnToTheirStartAfterManyTensors() {
        try (OpenClBackend backend = new OpenClBackend(OpenClTests.defaultDevice())) {
            int start = backend.liveBuffers();
            List<Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                tensors.add(backend.allocate(1 + i % 7, 1 + i % 13));
                tensors.add(backend.allocate(i % 3, 5));  // a third of them empty, without a buffer
            }
            assertTrue(backend.liveBuffers() > start, "allocating must create buffers");
            tensors.forEach(Tensor::close);
            tensors.forEach(Tensor::close);  // closing twice is harmless
            assertEquals(start, backend.liveBuffers(), "every tensor's buffer is released");

            // Kernels that need scratch keep it until close, and never grow it twice for one size.
            try (Tensor t = backend.allocate(50, 10); Tensor s = backend.allocate(50, 30); Tensor c = backend.allocate(10, 30)) {
                backend.correlation(t, s, c);
                int afterFirst = backend.liveBuffers();
                backend.correlation(t, s, c);
                assertEquals(afterFirst, backend.liveBuffers(), "a second correlation allocates nothing");
            }
        }
    }

    @Test
    void closeReleasesEverythingIncludingTensorsLeftOpen() {
        OpenClBackend backend = new OpenClBackend(OpenClTests.defaultDevice());
        Tensor left = backend.allocate(3, 4);
        backend.allocate(100, 100);
        backend.close();
        assertEquals(0, backend.liveBuffers());
        left.close();
        assertEquals(0, backend.liveBuffers(), "closing a tensor after its backend does nothing");
        assertThrows(IllegalStateException.class, () -> backend.upload(new float[12], left));
    }

    @Test
    void tooLargeATensorSaysOutOfDeviceMemoryAndTheFix() {
        OpenClDevice device = OpenClTests.defaultDevice();
        long maxFloats = OpenClDevice.deviceLong(device.device(), CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE) / Float.BYTES;
        int cols = (int) Math.min(Integer.MAX_VALUE, maxFloats / 64 + 1);
        try (OpenClBackend backend = new OpenClBackend(device)) {
            int start = backend.liveBuffers();
            var e = assertThrows(BackendUnavailableException.class, () -> backend.allocate(64, cols));
            assertTrue(e.getMessage().startsWith("out of device memory allocating 64x" + cols + " floats on "), e.getMessage());
            assertTrue(e.getMessage().endsWith(": use a smaller --batchsize"), e.getMessage());
            assertEquals(start, backend.liveBuffers());
        }
    }

    @Test
    void aKernelThatDoesNotBuildLeavesItsLogInAFile() throws Exception {
        OpenClDevice device = OpenClTests.defaultDevice();
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        cl_context context = CL.clCreateContext(properties, 1, new cl_device_id[] {device.device()}, null, null, null);
        try {
            var e = assertThrows(BackendUnavailableException.class, () -> OpenClProgram.build(
                    context, device, new String[] {"kernel void broken(global float* x) { x[0] = undeclared; }"}, ""));
            String message = e.getMessage();
            assertTrue(message.contains("failed to build") && message.contains("the compiler log is in "), message);
            Path log = Path.of(message.substring(message.indexOf("the compiler log is in ") + 23));
            assertTrue(Files.readString(log).contains("undeclared"), "the log names the error: " + Files.readString(log));
            Files.delete(log);
        } finally {
            CL.clReleaseContext(context);
        }
    }

    @Test
    void theProviderIsFoundAndSaysWhetherItCanRun() {
        assertTrue(Backends.names().contains("opencl"), Backends.names()::toString);
        OpenClTests.assumeOpenCl();
        assertNull(new OpenClProvider().unavailableReason());
    }
}
