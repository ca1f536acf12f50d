/**
 * Prints which OpenBLAS kernels the Java side runs (bytedeco build): core name and build config.
 * {@code java -cp clip-cli/target/clip.jar bench/BlasInfo.java}
 */
public class BlasInfo {
    public static void main(String[] args) {
        System.out.println("java OpenBLAS: core " + org.bytedeco.openblas.global.openblas.openblas_get_corename().getString()
                + ", config " + org.bytedeco.openblas.global.openblas.openblas_get_config().getString());
    }
}
