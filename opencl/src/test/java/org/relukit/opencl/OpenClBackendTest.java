package org.relukit.opencl;

import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;
import org.relukit.backend.Backends;

/** The conformance kit on the default device, with the tiles chosen for it, opened as a user would. */
class OpenClBackendTest extends BackendConformance {

    @Override
    protected Backend createBackend() {
        OpenClTests.assumeOpenCl();
        Backend backend = Backends.open("opencl");
        System.err.println("opencl: " + backend.description());
        return backend;
    }
}
