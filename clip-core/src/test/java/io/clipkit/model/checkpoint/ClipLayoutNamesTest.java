package io.clipkit.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every tensor name of the real OpenAI layouts ({@code ../shared/clip/*.state_dict.tsv}) must come
 * out unchanged from each format: through the {@code state_dict} wrapper and {@code module.} prefix
 * of training checkpoints, and joined from nested {@code __torch__} module objects in archives
 * (BatchNorm buffers included, the three hyper-parameter entries moved to scalars). Real weights
 * would be hundreds of MB, so tensors keep their real shape only when small; each holds its row
 * number so a mix-up shows.
 */
class ClipLayoutNamesTest {
    @TempDir
    Path tmp;

    record Row(String name, long[] shape, boolean buffer) {}

    static List<Row> layout(String tsv) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(TestFiles.shared(tsv))) {
            String[] f = line.split("\t");
            if (f[0].equals("key") || line.isBlank()) {
                continue;
            }
            long[] shape = f[1].equals("scalar") ? new long[0] : Arrays.stream(f[1].split("x")).mapToLong(Long::parseLong).toArray();
            long numel = TensorData.numel(shape);
            rows.add(new Row(f[0], numel <= 4096 ? shape : new long[] {2}, f[2].equals("buffer")));
        }
        return rows;
    }

    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    static float[] filled(Row r, int i) {
        float[] v = new float[(int) TensorData.numel(r.shape())];
        Arrays.fill(v, i);
        return v;
    }

    /** A torch.save-style training checkpoint: {"epoch": 3, "state_dict": {"module." + name: tensor}}. */
    Path writeWrappedStateDict(List<Row> rows) throws IOException {
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.op('}').mark().str("epoch").integer(3).str("state_dict").op('}').mark();
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("ckpt/data.pkl", null); // first in the zip, as torch.save writes it
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            p.str("module." + r.name());
            p.tensor("FloatStorage", "" + i, TensorData.numel(r.shape()), 0, r.shape(), contiguousStrides(r.shape()));
            entries.put("ckpt/data/" + i, TorchFiles.f32(filled(r, i)));
        }
        p.op('u').op('u');
        entries.put("ckpt/data.pkl", p.stop());
        entries.put("ckpt/version", "3\n".getBytes());
        Path f = tmp.resolve("wrapped.pt");
        TorchFiles.zip(f, entries);
        return f;
    }

    /** A module tree node: tensors (row index) and children, in first-seen order. */
    static final class Node {
        final Map<String, Object> members = new LinkedHashMap<>();
    }

    /** A TorchScript-style archive: nested __torch__ objects whose attributes are tensors and submodules. */
    Path writeArchive(List<Row> rows) throws IOException {
        Node root = new Node();
        for (int i = 0; i < rows.size(); i++) {
            String[] parts = rows.get(i).name().split("\\.");
            Node n = root;
            for (int k = 0; k < parts.length - 1; k++) {
                n = (Node) n.members.computeIfAbsent(parts[k], x -> new Node());
            }
            n.members.put(parts[parts.length - 1], i);
        }
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("ViT/data.pkl", null);
        writeNode(p, "__torch__.model", "CLIP", root, rows, entries, true);
        entries.put("ViT/data.pkl", p.stop());
        entries.put("ViT/constants.pkl", new TorchFiles.Pickle().op(')').stop());
        entries.put("ViT/code/__torch__/model.py", "# code is never run\n".getBytes());
        Path f = tmp.resolve("archive.pt");
        TorchFiles.zip(f, entries);
        return f;
    }

    private void writeNode(TorchFiles.Pickle p, String module, String cls, Node node, List<Row> rows,
            Map<String, byte[]> entries, boolean top) {
        p.global(module, cls).op(')').op(0x81).op('}').mark();
        p.str("training").op(0x89);
        for (Map.Entry<String, Object> m : node.members.entrySet()) {
            p.str(m.getKey());
            if (m.getValue() instanceof Node child) {
                writeNode(p, "__torch__.torch.nn.modules.___torch_mangle_" + entries.size(), "Module", child, rows, entries, false);
            } else {
                int i = (Integer) m.getValue();
                Row r = rows.get(i);
                p.tensor("HalfStorage", "" + i, TensorData.numel(r.shape()), 0, r.shape(), contiguousStrides(r.shape()));
                entries.put("ViT/data/" + i, halves(filled(r, i)));
            }
        }
        if (top) {
            long[] none = {};
            int k = rows.size();
            for (String s : List.of("input_resolution", "context_length", "vocab_size")) {
                p.str(s).tensor("LongStorage", "" + k, 1, 0, none, none);
                entries.put("ViT/data/" + k, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(100 + k).array());
                k++;
            }
        }
        p.op('u').op('b');
    }

    /** Small integers as fp16 bits (exact for |v| <= 2048). */
    static byte[] halves(float[] v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (float f : v) {
            int bits = Float.floatToIntBits(f);
            int h = f == 0 ? 0 : (((bits >>> 16) & 0x8000) | ((((bits >>> 23) & 0xff) - 112) << 10) | ((bits >>> 13) & 0x3ff));
            out.write(h & 0xff);
            out.write(h >>> 8);
        }
        return out.toByteArray();
    }

    Path writeSafetensors(List<Row> rows) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            byte[] b = TorchFiles.f32(filled(r, i));
            h.append(",\"").append(r.name()).append("\":{\"dtype\":\"F32\",\"shape\":").append(Arrays.toString(r.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(data.size()).append(',').append(data.size() + b.length).append("]}");
            data.writeBytes(b);
        }
        Path f = tmp.resolve("names.safetensors");
        TorchFiles.safetensors(f, h.append('}').toString(), data.toByteArray());
        return f;
    }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({
        "ViT-B-32.state_dict.tsv, state-dict",
        "ViT-B-32.state_dict.tsv, torchscript",
        "ViT-B-32.state_dict.tsv, safetensors",
        "RN50.state_dict.tsv, state-dict",
        "RN50.state_dict.tsv, torchscript",
        "RN50.state_dict.tsv, safetensors",
    })
    void everyNameOfTheRealLayoutSurvives(String tsv, String format) throws IOException {
        List<Row> rows = layout(tsv);
        Path file = switch (format) {
            case "state-dict" -> writeWrappedStateDict(rows);
            case "torchscript" -> writeArchive(rows);
            default -> writeSafetensors(rows);
        };
        Checkpoint ckpt = Checkpoint.read(file);
        assertEquals(format, ckpt.format());
        assertEquals(rows.stream().map(Row::name).toList(), new ArrayList<>(ckpt.tensors().keySet()));
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            TensorData t = ckpt.require(r.name(), r.shape());
            assertArrayEquals(filled(r, i), t.toFloatArray(), r.name());
        }
        if (format.equals("torchscript")) {
            assertEquals(Set.of("input_resolution", "context_length", "vocab_size"), ckpt.scalars().keySet());
            assertEquals((long) 100 + rows.size(), ckpt.scalars().get("input_resolution"));
        }
        if (tsv.startsWith("RN50")) {
            assertTrue(rows.stream().anyMatch(Row::buffer));
            assertTrue(ckpt.tensors().containsKey("visual.layer1.0.downsample.1.running_var"));
        }
        assertFalse(ckpt.tensors().keySet().stream().anyMatch(k -> k.startsWith("module.")));
    }
}
