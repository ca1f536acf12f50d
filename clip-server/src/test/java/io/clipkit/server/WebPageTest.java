package io.clipkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.ClipModel;
import io.clipkit.batch.TinyCheckpoint;
import io.clipkit.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}):
 * pick or drop a photo, type labels, and the ranked labels appear with bars, as the API ranks them; a
 * screenshot shows the bars. Skipped, saying why, when Chromium is not installed, except under
 * {@code CI=true} where it fails.
 */
class WebPageTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** The bars' colour in style.css (#43a047). */
    static final int BAR_RGB = 0x43a047;

    @TempDir Path work;

    static void requireChromium() {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER)) {
            return;
        }
        String msg = "Chromium not installed (" + CHROMIUM + ", " + DRIVER + "): apt-get install -y chromium chromium-driver";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(msg);
        }
        assumeTrue(false, msg + "; skipping the browser test");
    }

    @Test
    void aPickedPhotoIsClassifiedAndTheBarsAppear() throws Exception {
        requireChromium();
        Path ckpt = TinyCheckpoint.write(work.resolve("tiny-vit.safetensors"));
        Path photo = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1000,1000", "--user-data-dir=" + work.resolve("chrome-profile"));
        try (ClipModel model = ClipModel.builder().path(ckpt).cacheDir(work.resolve("cache")).load();
             ClipServer server = ClipServer.builder().model(model).port(0).start()) {
            ChromeDriver driver = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
                driver.get(server.uri().toString());
                wait.until(d -> d.findElement(By.id("model")).getText().contains("tiny-vit.safetensors"));
                assertTrue(!driver.findElement(By.id("search-box")).isDisplayed(), "no index: no search box");

                WebElement labels = driver.findElement(By.id("labels"));
                labels.clear();
                labels.sendKeys("cat, dog, a red car");
                driver.findElement(By.id("file")).sendKeys(photo.toString());
                wait.until(d -> d.findElements(By.cssSelector("#results .result-row")).size() == 3);

                // The page shows what the API answers for the same photo and labels.
                JsonNode api = new Http(server.uri(), null).post("/v1/classify?labels=cat,dog,a%20red%20car",
                        "image/jpeg", Files.readAllBytes(photo)).json();
                List<WebElement> rows = driver.findElements(By.cssSelector("#results .result-row"));
                for (int i = 0; i < rows.size(); i++) {
                    JsonNode want = api.get("labels").get(i);
                    assertEquals(want.get("label").asText(), rows.get(i).getAttribute("data-label"));
                    String pct = String.format(Locale.ROOT, "%.1f%%", 100 * want.get("probability").asDouble());
                    assertEquals(pct, rows.get(i).findElement(By.className("prob")).getText());
                }
                assertTrue(driver.findElement(By.id("preview")).isDisplayed(), "the photo is previewed");

                // Dropping a photo on the drop zone (a real drop event carrying a File) classifies it too.
                Path dropped = TestFiles.fixture("images/src/png_rgba.png");
                String before = driver.findElement(By.id("preview")).getAttribute("src");
                driver.executeScript("const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));"
                        + "const dt = new DataTransfer();"
                        + "dt.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));"
                        + "document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));",
                        java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(dropped)));
                JsonNode api2 = new Http(server.uri(), null).post("/v1/classify?labels=cat,dog,a%20red%20car",
                        "image/png", Files.readAllBytes(dropped)).json();
                String want2 = String.format(Locale.ROOT, "%.1f%%", 100 * api2.get("labels").get(0).get("probability").asDouble());
                wait.until(d -> !d.findElement(By.id("preview")).getAttribute("src").equals(before)
                        && d.findElements(By.cssSelector("#results .result-row")).size() == 3
                        && d.findElement(By.cssSelector("#results .result-row .prob")).getText().equals(want2)
                        && d.findElement(By.cssSelector("#results .result-row")).getAttribute("data-label")
                                .equals(api2.get("labels").get(0).get("label").asText()));

                byte[] png = driver.getScreenshotAs(OutputType.BYTES);
                Files.write(Path.of("target", "webpage-test.png"), png);
                BufferedImage shot = ImageIO.read(new ByteArrayInputStream(png));
                long barPixels = 0;
                for (int y = 0; y < shot.getHeight(); y++) {
                    for (int x = 0; x < shot.getWidth(); x++) {
                        if ((shot.getRGB(x, y) & 0xFFFFFF) == BAR_RGB) {
                            barPixels++;
                        }
                    }
                }
                // The top label's bar alone is at least a third of a ~400 px track, ~15 px high.
                System.out.println("web page screenshot: " + barPixels + " bar pixels (target/webpage-test.png)");
                assertTrue(barPixels > 1000, "the screenshot shows the bars: " + barPixels + " bar-coloured pixels");
            } finally {
                driver.quit();
            }
        }
        assertTrue(new File("target/webpage-test.png").length() > 0);
    }
}
