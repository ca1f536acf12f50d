/**
 * Prints which OpenBLAS kernels the Java side runs (bytedeco's build, loaded as clip loads it):
 * its core name and build config, through JNA (the bytedeco preset does not map them).
 * {@code java -cp clip-cli/target/clip.jar bench/BlasInfo.java}
 */
public class BlasInfo {
    public static void main(String[] args) {
        String path = org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        com.sun.jna.NativeLibrary lib = com.sun.jna.NativeLibrary.getInstance(path);
        System.out.println("java OpenBLAS: core " + lib.getFunction("openblas_get_corename").invokeString(new Object[0], false)
                + " (" + lib.getFunction("openblas_get_config").invokeString(new Object[0], false) + ")");
    }
}
