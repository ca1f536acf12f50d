package io.clipkit.batch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.ImagingException;
import org.apache.commons.imaging.bytesource.ByteSource;
import org.apache.commons.imaging.formats.jpeg.xmp.JpegXmpRewriter;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Adds keywords to XMP as {@code dc:subject} (an {@code rdf:Bag}, as Lightroom, darktable and
 * digiKam read them), keeping everything already there. Writes go to a temporary file in the same
 * folder, are synced, and renamed over the original, so a crash leaves the old or the new file,
 * never half of one.
 */
final class XmpKeywords {
    /** A refusal caused by the file's content or layout (bad XMP, hard links): a rerun would fail again. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final String NS_X = "adobe:ns:meta/";
    static final String NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    static final String NS_DC = "http://purl.org/dc/elements/1.1/";

    private XmpKeywords() {}

    /** The sidecar of an image: its whole file name plus {@code .xmp} ({@code IMG_1.jpg.xmp}). */
    static Path sidecar(Path image) {
        return image.resolveSibling(image.getFileName().toString() + ".xmp");
    }

    /**
     * Merges keywords into a sidecar, creating it if needed.
     *
     * @return whether the file was written (false when every keyword was already there)
     * @throws IOException if the existing sidecar is not XMP (it is left as it is) or cannot be written
     */
    static boolean writeSidecar(Path image, List<String> keywords) throws IOException {
        Path sidecar = sidecar(image);
        String existing = Files.exists(sidecar) ? Files.readString(sidecar, StandardCharsets.UTF_8) : null;
        Merged m;
        try {
            m = merge(existing, keywords);
        } catch (IOException e) {
            throw new Refused("existing sidecar " + sidecar.getFileName() + " is not valid XMP (" + e.getMessage()
                    + "); left unchanged", e);
        }
        if (!m.changed()) {
            return false;
        }
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + m.xml() + "\n";
        writeAtomically(sidecar, xml.getBytes(StandardCharsets.UTF_8), Files.exists(sidecar) ? sidecar : image);
        return true;
    }

    /**
     * Merges keywords into a JPEG's own XMP segment with Commons Imaging's {@link JpegXmpRewriter},
     * which copies every other segment and the entropy-coded data unchanged. A symbolic link is
     * written through to its target (the link stays a link); the rewritten file keeps the original's
     * owner, group, mode and modification time. A file with more than one hard link is refused:
     * replacing it would split it from its other names.
     *
     * @return whether the file was rewritten
     */
    static boolean embedInJpeg(Path jpeg, List<String> keywords) throws IOException {
        Path target = jpeg.toRealPath();
        Object links = null;
        try {
            links = Files.getAttribute(target, "unix:nlink");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // not a Unix file system: no hard-link count to check
        }
        if (links instanceof Integer n && n > 1) {
            throw new Refused("file has " + n + " hard links; rewriting it would split them, so it is left unchanged"
                    + " (use XMP sidecars for it)", null);
        }
        String existing;
        try {
            existing = Imaging.getXmpXml(ByteSource.path(target));
        } catch (ImagingException e) {
            throw new Refused("cannot read the JPEG's XMP: " + e.getMessage(), e);
        }
        Merged m;
        try {
            m = merge(existing, keywords);
        } catch (IOException e) {
            throw new Refused("the JPEG's XMP is not valid XML (" + e.getMessage() + "); file left unchanged", e);
        }
        if (!m.changed()) {
            return false;
        }
        String packet = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>" + m.xml() + "<?xpacket end=\"w\"?>";
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, Files.size(target) + 4096));
        try {
            new JpegXmpRewriter().updateXmpXml(ByteSource.path(target), out, packet);
        } catch (ImagingException e) {
            throw new Refused("cannot rewrite the JPEG's XMP: " + e.getMessage() + "; file left unchanged", e);
        }
        writeAtomically(target, out.toByteArray(), target, true);
        return true;
    }

    record Merged(String xml, boolean changed) {}

    /** Adds the keywords missing from {@code xml} (null: a fresh packet). */
    static Merged merge(String xml, List<String> keywords) throws IOException {
        Document doc;
        boolean changed = false;
        try {
            DocumentBuilder b = builder();
            if (xml == null || xml.isBlank()) {
                doc = b.newDocument();
                Element meta = doc.createElementNS(NS_X, "x:xmpmeta");
                meta.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:x", NS_X);
                meta.setAttributeNS(NS_X, "x:xmptk", "clipkit");
                doc.appendChild(meta);
                changed = true;
            } else {
                doc = b.parse(new InputSource(new StringReader(xml)));
            }
        } catch (SAXException e) {
            throw new IOException(e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        Element rdf = first(doc.getElementsByTagNameNS(NS_RDF, "RDF"));
        if (rdf == null) {
            if (!(NS_X.equals(root.getNamespaceURI()) && "xmpmeta".equals(root.getLocalName()))) {
                throw new IOException("no x:xmpmeta or rdf:RDF element");
            }
            rdf = doc.createElementNS(NS_RDF, "rdf:RDF");
            rdf.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:rdf", NS_RDF);
            root.appendChild(rdf);
            changed = true;
        }
        Element subject = first(doc.getElementsByTagNameNS(NS_DC, "subject"));
        Element bag;
        if (subject == null) {
            Element desc = null;
            for (Node n = rdf.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && NS_RDF.equals(e.getNamespaceURI()) && "Description".equals(e.getLocalName())) {
                    desc = e;
                    break;
                }
            }
            if (desc == null) {
                desc = doc.createElementNS(NS_RDF, "rdf:Description");
                desc.setAttributeNS(NS_RDF, "rdf:about", "");
                rdf.appendChild(desc);
            }
            subject = doc.createElementNS(NS_DC, dcPrefix(desc) + ":subject");
            if (desc.lookupNamespaceURI("dc") == null) {
                desc.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:dc", NS_DC);
            }
            desc.appendChild(subject);
            changed = true;
        }
        bag = null;
        for (Node n = subject.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && NS_RDF.equals(e.getNamespaceURI())
                    && Set.of("Bag", "Seq", "Alt").contains(e.getLocalName())) {
                bag = e;
                break;
            }
        }
        if (bag == null) {
            bag = doc.createElementNS(NS_RDF, rdfPrefix(subject) + ":Bag");
            subject.appendChild(bag);
            changed = true;
        }
        Set<String> have = new LinkedHashSet<>();
        NodeList lis = bag.getElementsByTagNameNS(NS_RDF, "li");
        for (int i = 0; i < lis.getLength(); i++) {
            have.add(lis.item(i).getTextContent().strip());
        }
        for (String k : keywords) {
            if (have.add(k)) {
                Element li = doc.createElementNS(NS_RDF, rdfPrefix(bag) + ":li");
                li.setTextContent(k);
                bag.appendChild(li);
                changed = true;
            }
        }
        return new Merged(serialize(root), changed);
    }

    /** The keywords in the {@code dc:subject} of an XMP packet (for tests and checks). */
    static List<String> keywords(String xml) throws IOException {
        try {
            Document doc = builder().parse(new InputSource(new StringReader(xml)));
            Element subject = first(doc.getElementsByTagNameNS(NS_DC, "subject"));
            if (subject == null) {
                return List.of();
            }
            NodeList lis = subject.getElementsByTagNameNS(NS_RDF, "li");
            java.util.ArrayList<String> out = new java.util.ArrayList<>();
            for (int i = 0; i < lis.getLength(); i++) {
                out.add(lis.item(i).getTextContent().strip());
            }
            return out;
        } catch (SAXException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String dcPrefix(Element context) {
        String p = context.lookupPrefix(NS_DC);
        return p != null ? p : "dc";
    }

    private static String rdfPrefix(Element context) {
        String p = context.lookupPrefix(NS_RDF);
        return p != null ? p : "rdf";
    }

    private static Element first(NodeList l) {
        return l.getLength() > 0 ? (Element) l.item(0) : null;
    }

    private static DocumentBuilder builder() throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            // Untrusted files: no DTDs, no external entities.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b;
        } catch (ParserConfigurationException e) {
            throw new IOException("XML parser unavailable: " + e.getMessage(), e);
        }
    }

    private static String serialize(Element root) throws IOException {
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(root), new StreamResult(w));
            return w.toString();
        } catch (TransformerException e) {
            throw new IOException("cannot write XMP: " + e.getMessage(), e);
        }
    }

    static void writeAtomically(Path target, byte[] bytes, Path permissionsFrom) throws IOException {
        writeAtomically(target, bytes, permissionsFrom, false);
    }

    /**
     * Writes {@code bytes} to {@code target} via a synced temp file and an atomic rename. The temp
     * file takes the mode of {@code permissionsFrom}; with {@code keepOwnerAndTime} also its owner,
     * group and modification time, and when they cannot be kept the write is refused (the original
     * is left as it was).
     */
    static void writeAtomically(Path target, byte[] bytes, Path permissionsFrom, boolean keepOwnerAndTime) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".clipkit-tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                    OutputStream os = java.nio.channels.Channels.newOutputStream(ch)) {
                os.write(bytes);
                os.flush();
                ch.force(true);
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(permissionsFrom);
                Files.setPosixFilePermissions(tmp, perms);
            } catch (UnsupportedOperationException | IOException ignored) {
                // Not POSIX, or not ours to read: the temp file's default mode stays.
            }
            if (keepOwnerAndTime) {
                keepOwnerAndTime(permissionsFrom, tmp);
            }
            io.clipkit.util.AtomicFiles.replace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void keepOwnerAndTime(Path from, Path to) throws IOException {
        java.nio.file.attribute.PosixFileAttributeView view =
                Files.getFileAttributeView(to, java.nio.file.attribute.PosixFileAttributeView.class);
        if (view != null) {
            java.nio.file.attribute.PosixFileAttributes a = Files.readAttributes(from,
                    java.nio.file.attribute.PosixFileAttributes.class);
            java.nio.file.attribute.PosixFileAttributes now = view.readAttributes();
            try {
                if (!now.owner().equals(a.owner())) {
                    view.setOwner(a.owner());
                }
                if (!now.group().equals(a.group())) {
                    view.setGroup(a.group());
                }
            } catch (IOException e) {
                throw new Refused("cannot keep the file's owner " + a.owner().getName() + ":" + a.group().getName()
                        + " (" + e.getMessage() + "); file left unchanged", e);
            }
            // chown may clear set-user-ID bits: the mode goes on after it.
            Files.setPosixFilePermissions(to, a.permissions());
        }
        Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
    }
}
