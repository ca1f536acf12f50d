package io.clipkit;

/**
 * {@link ForwardingClipModel} for test models outside this package (it is package-private): a test
 * model overrides what it changes and forwards the rest, rather than repeating every delegating
 * method.
 */
public abstract class ForwardingTestModel extends ForwardingClipModel {
    protected ForwardingTestModel(ClipModel delegate) {
        super(delegate);
    }
}
