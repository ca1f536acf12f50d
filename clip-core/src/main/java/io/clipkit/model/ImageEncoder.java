package io.clipkit.model;

import ai.djl.ndarray.NDArray;

/** An image tower: preprocessed {@code [B,3,R,R]} in, embeddings {@code [B,E]} out (unnormalized). */
interface ImageEncoder {
    NDArray forward(NDArray images);
}
