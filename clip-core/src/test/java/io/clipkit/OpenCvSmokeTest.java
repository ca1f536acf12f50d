package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class OpenCvSmokeTest {
    @Test
    void opencvLoads() {
        try (Mat m = new Mat(4, 5, opencv_core.CV_8UC3)) {
            assertEquals(4, m.rows());
            System.out.println(opencv_core.getBuildInformation().getString());
        }
    }
}
