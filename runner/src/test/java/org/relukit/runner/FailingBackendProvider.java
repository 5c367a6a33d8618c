package org.relukit.runner;

import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.BackendProvider;
import org.relukit.backend.Tensor;
import org.relukit.scalar.ScalarBackend;

/** A backend whose device "fails" after a number of SGD updates, to test what a fault mid-run leaves behind. */
public final class FailingBackendProvider implements BackendProvider {
    static final int UPDATES_BEFORE_FAULT = 300;

    @Override
    public String name() {
        return "failing";
    }

    @Override
    public Backend create(BackendOptions options) {
        return new ScalarBackend() {
            private int updates;

            @Override
            public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
                if (++updates > UPDATES_BEFORE_FAULT) {
                    throw new IllegalStateException("CL_OUT_OF_RESOURCES (a simulated device fault)");
                }
                super.sgdFused(dz, x, w, b, lr);
            }
        };
    }
}
