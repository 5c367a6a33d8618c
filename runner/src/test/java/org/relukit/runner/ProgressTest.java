package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void drawsAtMostFiveTimesASecondAndTheLastStep() {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), true);
        progress.correlation(0.987f);
        long start = System.nanoTime();
        for (int step = 1; step <= 1000; step++) {
            progress.update("trial 1/1  epoch 1/1  step " + step + "/1000", step, 1000, 0.5f);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long draws = err.toString().chars().filter(c -> c == '\r').count();
        assertTrue(draws >= 2 && draws <= 2 + 5 * seconds, draws + " draws in " + seconds + " s");
        String last = err.toString().substring(err.toString().lastIndexOf('\r') + 1);
        assertTrue(last.startsWith("trial 1/1  epoch 1/1  step 1000/1000  [####################] 100%"), last);
        for (String part : new String[] {"steps/s", "ETA 0:00", "loss 0.5000", "L0 corr 0.987"}) {
            assertTrue(last.contains(part), last + " lacks " + part);
        }
    }

    @Test
    void clearBlanksTheLineAndQuietDrawsNothing() {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), true);
        progress.update("trial 1/2", 1, 10, 1f);
        int width = err.toString().length() - 1;
        progress.clear();
        assertTrue(err.toString().endsWith("\r" + " ".repeat(width) + "\r"), err.toString());

        StringWriter quiet = new StringWriter();
        Progress silent = new Progress(new PrintWriter(quiet), false);
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
