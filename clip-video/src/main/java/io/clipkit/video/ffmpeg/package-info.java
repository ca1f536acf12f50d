/** The FFmpeg implementation of {@link io.clipkit.video.VideoSampler}, through JavaCV; registered as a service. */
package io.clipkit.video.ffmpeg;
