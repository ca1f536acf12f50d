package io.clipkit.model;

import io.clipkit.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ModelOptions;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The encoder fixtures written by models/tools/clip_ref/make_model_fixtures.py. */
final class ModelFixtures {
    private ModelFixtures() {}

    /** One checkpoint file of one fixture model, with its reference outputs. */
    record Case(String model, String architecture, String file, String format, String dtype, float logitScale,
            JsonNode config) {
        Path dir() {
            return TestFiles.fixture("models/" + model);
        }

        Path checkpoint() {
            return dir().resolve(file);
        }

        Npy.Array images() throws IOException {
            return Npy.read(dir().resolve("images.npy"));
        }

        int[][] tokens() throws IOException {
            Npy.Array a = Npy.read(dir().resolve("tokens.npy"));
            int rows = a.shape()[0];
            int ctx = a.shape()[1];
            int[][] t = new int[rows][ctx];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < ctx; j++) {
                    t[i][j] = Math.round(a.data()[i * ctx + j]);
                }
            }
            return t;
        }

        Npy.Array expected(Activation act, String part) throws IOException {
            return Npy.read(dir().resolve("expected/" + file + "." + act.cliName() + "." + part + ".npy"));
        }

        @Override
        public String toString() {
            return model + "/" + file + " (" + format + " " + dtype + ")";
        }
    }

    static List<Case> cases() {
        try {
            JsonNode root = new ObjectMapper().readTree(TestFiles.fixture("models/fixtures.json").toFile());
            List<Case> out = new ArrayList<>();
            for (JsonNode m : root) {
                for (JsonNode f : m.get("files")) {
                    out.add(new Case(m.get("name").asText(), m.get("architecture").asText(), f.get("file").asText(),
                            f.get("format").asText(), f.get("dtype").asText(), (float) f.get("logit_scale").asDouble(),
                            m.get("config")));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows of a 2-D array. */
    static float[][] rows(Npy.Array a) {
        int n = a.shape()[0];
        int d = a.size() / n;
        float[][] r = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a.data(), i * d, r[i], 0, d);
        }
        return r;
    }

    /** CHW images of an N x 3 x R x R array. */
    static List<float[]> images(Npy.Array a) {
        List<float[]> out = new ArrayList<>();
        for (float[] r : rows(a)) {
            out.add(r);
        }
        return out;
    }
}
