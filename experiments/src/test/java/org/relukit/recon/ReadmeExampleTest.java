package org.relukit.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles and runs the library examples of README.md exactly as they are written there. */
class ReadmeExampleTest {

    @Test
    void readmeExampleCompilesRunsAndReportsEveryLayer(@TempDir Path dir) throws Exception {
        List<String> lines = compileAndRun(dir, "example", "Example");
        assertEquals(2, lines.size(), "one line per hidden layer: " + lines);
        float l0 = Float.parseFloat(lines.get(0).replaceFirst("^L0 mean best correlation ", ""));
        assertTrue(l0 > 0.99f, "L0 should be matched after three epochs: " + lines.get(0));
    }

    @Test
    void ownNetworksExampleTrainsWithTheBuilderAndMeasuresCorrelations(@TempDir Path dir) throws Exception {
        List<String> lines = compileAndRun(dir, "example-networks", "OwnNetworks");
        assertEquals(2, lines.size(), "the losses, then layer 0's correlation: " + lines);
        Matcher loss = Pattern.compile("loss (\\S+) -> (\\S+)").matcher(lines.get(0));
        assertTrue(loss.matches(), lines.get(0));
        float before = Float.parseFloat(loss.group(1)), after = Float.parseFloat(loss.group(2));
        assertTrue(after < before / 2, "the step with momentum and weight decay should at least halve the loss: " + lines.get(0));
        float l0 = Float.parseFloat(lines.get(1).replaceFirst("^L0 mean best correlation ", ""));
        assertTrue(l0 > 0.8f && l0 <= 1f, "the student's layer should be matching the teacher's: " + lines.get(1));
    }

    /** The java block between {@code <!-- NAME:start -->} and {@code <!-- NAME:end -->}, compiled and its main run; its stdout lines. */
    private List<String> compileAndRun(Path dir, String name, String className) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("<!-- " + name + ":start -->\\s*```java\\n(.*?)```\\s*<!-- " + name + ":end -->",
                Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has no example block between the " + name + " markers");
        Path source = dir.resolve(className + ".java");
        Files.writeString(source, m.group(1));

        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics,
                "--add-modules", "jdk.incubator.vector", "-classpath", System.getProperty("java.class.path"),
                "-d", dir.toString(), source.toString());
        assertEquals(0, status, diagnostics.toString(StandardCharsets.UTF_8));

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
