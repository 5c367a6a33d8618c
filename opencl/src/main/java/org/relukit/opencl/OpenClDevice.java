package org.relukit.opencl;

import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.relukit.backend.BackendUnavailableException;

/**
 * One OpenCL device, numbered in the order platforms and their devices are listed; the number is
 * what {@code --device} takes.
 *
 * @param platform null in tests of the selection, which need no OpenCL
 * @param device   null likewise
 */
public record OpenClDevice(int index, String platformName, String name, long type,
                           cl_platform_id platform, cl_device_id device) {

    /** CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no vendor file (no driver, no PoCL). */
    private static final int PLATFORM_NOT_FOUND = -1001;

    boolean gpu() {
        return (type & CL_DEVICE_TYPE_GPU) != 0;
    }

    boolean cpu() {
        return (type & CL_DEVICE_TYPE_CPU) != 0;
    }

    /** "index: platform / device", as a user would pick it. */
    @Override
    public String toString() {
        return index + ": " + platformName + " / " + name;
    }

    /**
     * Every device of every platform; empty when the ICD loader finds no platform.
     *
     * @throws LinkageError when JOCL cannot load its native library or libOpenCL.so
     */
    static List<OpenClDevice> list() {
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        try {
            clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == PLATFORM_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<OpenClDevice> devices = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            String platformName = platformString(platform, CL_PLATFORM_NAME);
            for (cl_device_id device : devicesOf(platform)) {
                long[] type = new long[1];
                clGetDeviceInfo(device, CL_DEVICE_TYPE, Sizeof.cl_long, Pointer.to(type), null);
                devices.add(new OpenClDevice(devices.size(), platformName, deviceString(device, CL_DEVICE_NAME),
                        type[0], platform, device));
            }
        }
        return devices;
    }

    /**
     * The device {@code --device} asks for: a number is an index into {@code devices}, anything
     * else a case-insensitive substring of "platform / device"; null or blank means the first GPU,
     * else the first CPU, else the first device.
     */
    static OpenClDevice choose(List<OpenClDevice> devices, String spec) {
        if (devices.isEmpty()) {
            throw new BackendUnavailableException("no OpenCL device found: " + OpenClProvider.FIX);
        }
        if (spec == null || spec.isBlank()) {
            return devices.stream().filter(OpenClDevice::gpu).findFirst()
                    .or(() -> devices.stream().filter(OpenClDevice::cpu).findFirst())
                    .orElse(devices.getFirst());
        }
        String wanted = spec.trim();
        if (wanted.chars().allMatch(Character::isDigit)) {
            int index;
            try {
                index = Integer.parseInt(wanted);
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0 || index >= devices.size()) {
                throw new BackendUnavailableException("--device " + wanted + " is not a device number: choose one of "
                        + describe(devices));
            }
            return devices.get(index);
        }
        String needle = wanted.toLowerCase(Locale.ROOT);
        return devices.stream()
                .filter(d -> (d.platformName + " / " + d.name).toLowerCase(Locale.ROOT).contains(needle))
                .findFirst()
                .orElseThrow(() -> new BackendUnavailableException("--device " + wanted
                        + " matches no OpenCL device: give a number or part of a name, one of " + describe(devices)));
    }

    private static String describe(List<OpenClDevice> devices) {
        return devices.stream().map(OpenClDevice::toString).collect(Collectors.joining("; "));
    }

    private static List<cl_device_id> devicesOf(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        return List.of(ids);
    }

    private static String platformString(cl_platform_id platform, int param) {
        return infoString((size, value, sizeRet) -> clGetPlatformInfo(platform, param, size, value, sizeRet));
    }

    static String deviceString(cl_device_id device, int param) {
        return infoString((size, value, sizeRet) -> clGetDeviceInfo(device, param, size, value, sizeRet));
    }

    /** One of OpenCL's clGet*Info calls, its object and parameter fixed. */
    private interface InfoQuery {
        int get(long size, Pointer value, long[] sizeRet);
    }

    /** A string-valued query, asked as OpenCL asks: its size first, then its bytes. */
    private static String infoString(InfoQuery query) {
        long[] size = new long[1];
        query.get(0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        query.get(bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(device, param, Sizeof.cl_long, Pointer.to(value), null);
        return value[0];
    }

    /** OpenCL strings end with a NUL. */
    private static String cString(byte[] bytes) {
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8).trim();
    }
}
