/**
 * Image decoding and CLIP preprocessing, bit-exact with PIL + torchvision: format sniffing and
 * decoders ({@code ImageDecoder}: OpenCV, the system libjpeg-turbo, the JDK; a GIF decoder of its
 * own), EXIF orientation ({@code Exif}), Pillow's resampling ({@code Resample}) and the pipeline
 * behind {@link io.clipkit.ImagePreprocessor} ({@code ClipImagePreprocessor}). Implementation: use
 * {@link io.clipkit.ImagePreprocessor#builder()} or {@link io.clipkit.ClipModel#preprocessor()}.
 */
package io.clipkit.image;
