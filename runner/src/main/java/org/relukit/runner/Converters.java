package org.relukit.runner;

import org.relukit.nn.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers for the seed's list and schedule arguments. */
final class Converters {
    private Converters() {}

    /** {@code "[10, 15, 20, 25]"} or {@code 10,15,20,25}: positive widths. */
    static final class Widths implements ITypeConverter<List<Integer>> {
        @Override
        public List<Integer> convert(String text) {
            String s = text.trim();
            if (s.startsWith("[") && s.endsWith("]")) {
                s = s.substring(1, s.length() - 1);
            }
            List<Integer> widths = new ArrayList<>();
            try {
                for (String part : s.split(",")) {
                    int w = Integer.parseInt(part.trim());
                    if (w < 1 || w > 1_000_000) {
                        throw new NumberFormatException();
                    }
                    widths.add(w);
                }
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' is not a list of positive widths like \"[10, 15, 20, 25]\"");
            }
            return widths;
        }
    }

    static final class Lr implements ITypeConverter<LrSchedule> {
        @Override
        public LrSchedule convert(String text) {
            try {
                return LrSchedule.parse(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage().replaceFirst("^--lr ", ""));
            }
        }
    }
}
