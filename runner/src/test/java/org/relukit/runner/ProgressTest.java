package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProgressTest {
    private static final String POSITION = "trial 10/10  epoch 40/40  step 1563/1563";

    @Test
    void drawsAtMostFiveTimesASecondAndTheLastStep() {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), true, 200);
        progress.correlation(0.987f);
        long start = System.nanoTime();
        for (int step = 1; step <= 1000; step++) {
            progress.update("trial 1/1  epoch 1/1  step " + step + "/1000", step, 1000, 0.5f);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long draws = err.toString().chars().filter(c -> c == '\r').count();
        assertTrue(draws >= 2 && draws <= 2 + 5 * seconds, draws + " draws in " + seconds + " s");
        String last = err.toString().substring(err.toString().lastIndexOf('\r') + 1);
        assertTrue(last.startsWith("trial 1/1  epoch 1/1  step 1000/1000  [####################]  100%"), last);
        for (String part : new String[] {"steps/s", "ETA 0:00", "loss 0.5000", "L0 corr 0.987"}) {
            assertTrue(last.contains(part), last + " lacks " + part);
        }
    }

    /**
     * A terminal of 60, 80 or 200 columns: every redraw is one line that stops short of the last
     * column, so it never wraps; narrower terminals get fewer fields, never a cut one.
     */
    @ParameterizedTest
    @ValueSource(ints = {60, 80, 200})
    void everyRedrawFitsTheTerminalOnOneLine(int columns) {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), true, columns);
        progress.correlation(0.987f);
        // The first update sets the pace's origin; the last, at the end of the run, always draws.
        progress.update(POSITION, 1, 625_200, 12.5f);
        progress.update(POSITION, 625_200, 625_200, 0.01234f);
        String[] redraws = err.toString().split("\r", -1);
        assertEquals(3, redraws.length, "two redraws, each after a carriage return");
        for (int i = 1; i < redraws.length; i++) {
            String redraw = redraws[i];
            assertFalse(redraw.contains("\n"), redraw);
            assertTrue(redraw.length() < columns, redraw.length() + " characters at " + columns + " columns: " + redraw);
            assertTrue(redraw.startsWith(POSITION), redraw);
        }
        String last = redraws[2].strip();
        assertTrue(last.contains("100%"), last);
        List<String> fields = List.of("[####", "steps/s", "ETA ", "loss 0.01234", "L0 corr 0.987");
        long shown = fields.stream().filter(last::contains).count();
        switch (columns) {
            case 200 -> assertEquals(fields.size(), shown, last);
            // 40 + 6 for the position and share; ETA 10 and loss 14 more; the correlation would pass 79.
            case 80 -> assertTrue(last.contains("ETA ") && last.contains("loss") && !last.contains("corr"), last);
            // Room for the ETA alone after the position and share.
            default -> assertTrue(last.contains("ETA ") && !last.contains("loss"), last);
        }
    }

    @Test
    void aPositionWiderThanTheTerminalIsCutNotWrapped() {
        Progress progress = new Progress(new PrintWriter(new StringWriter()), true, 20);
        String line = progress.line(POSITION, 5, 10, 1f);
        assertEquals(POSITION.substring(0, 19), line);
    }

    @Test
    void clearBlanksTheLineAndQuietDrawsNothing() {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), true, 80);
        progress.update("trial 1/2", 1, 10, 1f);
        int width = err.toString().length() - 1;
        progress.clear();
        assertTrue(err.toString().endsWith("\r" + " ".repeat(width) + "\r"), err.toString());

        StringWriter quiet = new StringWriter();
        Progress silent = new Progress(new PrintWriter(quiet), false, 80);
        silent.update("trial 1/2", 1, 10, 1f);
        silent.clear();
        assertEquals("", quiet.toString());
    }

    /** Tests run with stderr redirected, as a log file is: no bar may be drawn there. */
    @Test
    void aRedirectedStderrIsNoTerminal() {
        assertTrue(!Progress.stderrIsTerminal());
    }
}
