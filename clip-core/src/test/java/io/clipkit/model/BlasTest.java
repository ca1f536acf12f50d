package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.clipkit.engine.Engines;
import org.junit.jupiter.api.Test;

/** The OpenBLAS product path agrees with libtorch's linear, for contiguous and strided inputs. */
class BlasTest {
    @Test
    void openBlasPathIsActiveOnThisCpu() {
        assertTrue(Blas.usable(), "OpenBLAS aliasing probe failed: the encoders fall back to libtorch");
    }

    @Test
    void matchesTorchLinearForContiguousAndStridedInputs() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(48, 40));
            NDArray b = m.randomNormal(new Shape(48));
            NDArray base = m.randomNormal(new Shape(3, 7, 40));
            NDArray[] inputs = {
                base, // contiguous 3-D
                m.randomNormal(new Shape(40, 21)).transpose(), // transposed view
                base.get(":, 0:1, :"), // strided slice, as the attention pool's query row
                base.get("1:"), // view with an offset
            };
            for (NDArray x : inputs) {
                try (NDManager call = m.newSubManager()) {
                    x.tempAttach(call);
                    NDArray got = Blas.linear(x, w, b);
                    NDArray want = Nn.torchLinear(x, w, b);
                    assertEquals(want.getShape(), got.getShape());
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 2e-5f);
                    NDArray noBias = Blas.linear(x, w, null);
                    assertArrayEquals(Nn.torchLinear(x, w, null).toFloatArray(), noBias.toFloatArray(), 2e-5f);
                }
            }
        }
    }
}
