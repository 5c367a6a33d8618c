package org.relukit.scalar;

import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;
import org.relukit.backend.Backends;

class ScalarBackendTest extends BackendConformance {
    @Override
    protected Backend createBackend() {
        return Backends.open("scalar");
    }
}
