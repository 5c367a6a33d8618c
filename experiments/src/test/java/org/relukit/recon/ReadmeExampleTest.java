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

/** Compiles and runs the library example of README.md exactly as it is written there. */
class ReadmeExampleTest {
    private static final Pattern EXAMPLE =
            Pattern.compile("<!-- example:start -->\\s*```java\\n(.*?)```\\s*<!-- example:end -->", Pattern.DOTALL);

    @Test
    void readmeExampleCompilesRunsAndReportsEveryLayer(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = EXAMPLE.matcher(readme);
        assertTrue(m.find(), "README.md has no example block between the example markers");
        Path source = dir.resolve("Example.java");
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
            loader.loadClass("Example").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), "one line per hidden layer: " + lines);
        float l0 = Float.parseFloat(lines.get(0).replaceFirst("^L0 mean best correlation ", ""));
        assertTrue(l0 > 0.99f, "L0 should be matched after three epochs: " + lines.get(0));
    }
}
