import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checkpoint load benchmark (run by bench_load.sh): for each file, the time of Checkpoint.read
 * (format detection, parsing, mapping, SHA-256) and of converting every tensor to fp32, and whether
 * the keys are exactly the layout TSV's. Usage: java -cp CP LoadBench.java LAYOUT.tsv FILE...
 */
public class LoadBench {
    public static void main(String[] args) throws Exception {
        List<String> layout = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String key = line.split("\t")[0];
            if (!key.equals("key")) {
                layout.add(key);
            }
        }
        for (int rep = 0; rep < 3; rep++) {
            for (int i = 1; i < args.length; i++) {
                Path f = Path.of(args[i]);
                long t0 = System.nanoTime();
                Checkpoint c = Checkpoint.read(f);
                long t1 = System.nanoTime();
                long n = 0;
                for (TensorData t : c.tensors().values()) {
                    n += t.toFloatArray().length;
                }
                long t2 = System.nanoTime();
                System.out.printf("run %d %-28s %-11s %4d MB  read %5.0f ms  to-fp32 %5.0f ms  %d values  keys as layout: %s%n",
                        rep + 1, f.getFileName(), c.format(), Files.size(f) >> 20, (t1 - t0) / 1e6, (t2 - t1) / 1e6, n,
                        new ArrayList<>(c.tensors().keySet()).equals(layout));
            }
        }
    }
}
