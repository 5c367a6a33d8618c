package org.relukit.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.relukit.backend.BackendProvider;

/** Each way OpenCL can be missing gets its own one-line reason; none of these tests needs OpenCL. */
class OpenClProviderTest {

    /**
     * The provider loaded as from a class path of relukit-opencl and relukit-kernels without JOCL.
     * The loader hides JOCL's classes itself, since the two may come from one jar that holds JOCL too.
     */
    @Test
    void withoutJoclOnTheClassPathTheReasonSaysToAddIt() throws Exception {
        URL opencl = OpenClProvider.class.getProtectionDomain().getCodeSource().getLocation();
        URL kernels = BackendProvider.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader withoutJocl = new WithoutJocl(opencl, kernels)) {
            Object provider = withoutJocl.loadClass(OpenClProvider.class.getName()).getConstructor().newInstance();
            String reason = (String) provider.getClass().getMethod("unavailableReason").invoke(provider);
            assertEquals("JOCL is missing (class org.jocl.CL not found): add relukit-opencl's dependencies (org.jocl:jocl)"
                    + " to the class path", reason);
        }
        assertNull(OpenClProvider.joclMissing(OpenClProvider.class.getClassLoader()), "JOCL is on the test class path");
    }

    /** The errors JOCL 2.0.5 throws, with its messages, the first time and at every later use. */
    @Test
    void aMissingLibOpenClIsToldApartFromAMissingJoclLibrary() {
        var noOpenCl = new UnsatisfiedLinkError("Could not initialize native OpenCL library. Implementation library could not be loaded");
        assertEquals("the OpenCL library libOpenCL.so cannot be loaded: " + OpenClProvider.FIX, OpenClProvider.reasonFor(noOpenCl));
        assertEquals(OpenClProvider.reasonFor(noOpenCl), OpenClProvider.reasonFor(laterUse(noOpenCl)));

        var noJoclLibrary = new UnsatisfiedLinkError("Error while loading native library \"JOCL_2_0_5-linux-x86_64\"");
        String reason = OpenClProvider.reasonFor(noJoclLibrary);
        assertTrue(reason.startsWith("JOCL's native library cannot be loaded on ")
                && reason.endsWith("java.io.tmpdir, which must be writable"), reason);
        assertEquals(reason, OpenClProvider.reasonFor(laterUse(noJoclLibrary)));
    }

    private static final class WithoutJocl extends URLClassLoader {
        WithoutJocl(URL... urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith("org.jocl.")) {
                throw new ClassNotFoundException(name);
            }
            return super.findClass(name);
        }
    }

    /** What the JVM throws when a class whose initialiser failed with {@code first} is used again. */
    private static NoClassDefFoundError laterUse(Error first) {
        var error = new NoClassDefFoundError("Could not initialize class org.jocl.CL");
        error.initCause(new ExceptionInInitializerError("Exception " + first + " [in thread \"main\"]"));
        return error;
    }
}
