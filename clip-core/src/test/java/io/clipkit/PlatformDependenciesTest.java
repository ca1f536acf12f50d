package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * clip-core does not force one platform's native libraries on its users: every classifier'd
 * (platform) dependency is test-scoped here; applications (clip-cli, the examples) pick theirs.
 */
class PlatformDependenciesTest {
    @Test
    void nativeJarsAreTheApplicationsChoice() throws Exception {
        Path pom = Path.of("pom.xml");
        assertTrue(Files.isRegularFile(pom), "run from the clip-core module folder");
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        NodeList deps = ((Element) doc.getElementsByTagName("dependencies").item(0)).getElementsByTagName("dependency");
        List<String> forced = new ArrayList<>();
        int natives = 0;
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String classifier = text(d, "classifier");
            if (!classifier.isEmpty()) {
                natives++;
                if (!text(d, "scope").equals("test")) {
                    forced.add(text(d, "artifactId") + ":" + classifier);
                }
            }
        }
        assertTrue(forced.isEmpty(), "platform jars on clip-core's compile/runtime classpath: " + forced);
        assertEquals(6, natives, "the tests still run with linux-x86_64 natives (libtorch, JavaCPP, OpenCV, OpenBLAS, oneDNN, OpenCL)");
    }

    private static String text(Element e, String tag) {
        NodeList n = e.getElementsByTagName(tag);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().strip();
    }
}
