package org.relukit.opencl;

import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.relukit.backend.BackendUnavailableException;

/** {@code --device}: an index or a name substring; by default the first GPU, else the first CPU. Needs no OpenCL. */
class OpenClDeviceChoiceTest {
    private static final OpenClDevice POCL = device(0, "Portable Computing Language", "pthread-skylake-avx512", CL_DEVICE_TYPE_CPU);
    private static final OpenClDevice FPGA = device(1, "Intel(R) FPGA Emulation Platform", "FPGA Emulation Device", CL_DEVICE_TYPE_ACCELERATOR);
    private static final OpenClDevice H100 = device(2, "NVIDIA CUDA", "NVIDIA H100 80GB HBM3", CL_DEVICE_TYPE_GPU);
    private static final OpenClDevice A10 = device(3, "NVIDIA CUDA", "NVIDIA A10", CL_DEVICE_TYPE_GPU);
    private static final List<OpenClDevice> ALL = List.of(POCL, FPGA, H100, A10);

    private static OpenClDevice device(int index, String platform, String name, long type) {
        return new OpenClDevice(index, platform, name, type, null, null);
    }

    @Test
    void theDefaultIsTheFirstGpuElseTheFirstCpuElseTheFirstDevice() {
        assertEquals(H100, OpenClDevice.choose(ALL, null));
        assertEquals(H100, OpenClDevice.choose(ALL, "  "));
        assertEquals(POCL, OpenClDevice.choose(List.of(FPGA, POCL), null));
        assertEquals(FPGA, OpenClDevice.choose(List.of(FPGA), null));
    }

    @Test
    void aNumberIsAnIndex() {
        assertEquals(POCL, OpenClDevice.choose(ALL, "0"));
        assertEquals(A10, OpenClDevice.choose(ALL, " 3 "));
        var e = assertThrows(BackendUnavailableException.class, () -> OpenClDevice.choose(ALL, "4"));
        assertTrue(e.getMessage().startsWith("--device 4 is not a device number: choose one of 0: Portable"), e.getMessage());
        assertTrue(e.getMessage().contains("3: NVIDIA CUDA / NVIDIA A10"), e.getMessage());
        assertThrows(BackendUnavailableException.class, () -> OpenClDevice.choose(ALL, "99999999999999"));
    }

    @Test
    void anythingElseIsACaseInsensitiveSubstringOfPlatformAndName() {
        assertEquals(A10, OpenClDevice.choose(ALL, "a10"));
        assertEquals(H100, OpenClDevice.choose(ALL, "nvidia"), "the first match wins");
        assertEquals(POCL, OpenClDevice.choose(ALL, "Portable"), "the platform's name counts");
        assertEquals(FPGA, OpenClDevice.choose(ALL, "fpga emulation device"));
        var e = assertThrows(BackendUnavailableException.class, () -> OpenClDevice.choose(ALL, "-1"));
        assertTrue(e.getMessage().startsWith("--device -1 matches no OpenCL device: give a number or part of a name"),
                e.getMessage());
    }

    @Test
    void noDeviceAtAllSaysHowToGetOne() {
        var e = assertThrows(BackendUnavailableException.class, () -> OpenClDevice.choose(List.of(), null));
        assertTrue(e.getMessage().contains("apt-get install ocl-icd-opencl-dev pocl-opencl-icd"), e.getMessage());
    }

    @Test
    void tilesParseAndCheckTheirConsistency() {
        assertEquals(new GemmTiles(64, 64, 16, 4, 4, 4), GemmTiles.parse(" 64, 64,16,4,4,4"));
        assertEquals(256, GemmTiles.parse("64,64,16,4,4,4").threads());
        assertEquals(new GemmTiles(64, 64, 16, 8, 8, 4, false), GemmTiles.parse("64,64,16,8,8,4,0"));
        assertEquals(0, GemmTiles.parse("64,64,16,8,8,4,0").localBytes());
        assertThrows(IllegalArgumentException.class, () -> GemmTiles.parse("64,64,16,4,4,4,2"), "local 2");
        assertThrows(IllegalArgumentException.class, () -> GemmTiles.parse("64,64,16"));
        assertThrows(IllegalArgumentException.class, () -> GemmTiles.parse("64,64,16,4,4,x"));
        assertThrows(IllegalArgumentException.class, () -> GemmTiles.parse("64,64,16,4,4,3"), "vw 3");
        assertThrows(IllegalArgumentException.class, () -> GemmTiles.parse("64,60,16,4,8,4"), "tsn % wptn");
    }
}
