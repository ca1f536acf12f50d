package io.clipkit;

/**
 * The bundled model standing in for one that could not be had ({@link ClipModel.Builder#fallbackToBundled}):
 * the same model, with {@link ModelInfo#fallbackFor()} set, so that every result's provenance
 * (built from {@code info()}) says which model it replaced. Closing it closes the model.
 */
final class BundledFallback extends ForwardingClipModel {
    private final ModelInfo info;

    BundledFallback(ClipModel model, String standsInFor) {
        super(model);
        this.info = model.info().asFallbackFor(standsInFor);
    }

    @Override
    public ModelInfo info() {
        return info;
    }
}
