#!/usr/bin/env bash
# A newcomer's route to the library, kept true by CI: install relukit-kernels, -experiments and
# -opencl into a throwaway local repository (mvn install), then build and test a separate Maven
# project outside this repository that depends on them by their coordinates and trains the
# teacher-student workload with momentum, and networks of its own with TrainingStep.builder (momentum,
# weight decay, BatchNorm) and Evaluator. Dependencies already in ~/.m2 are read from there
# (maven.repo.local.tail) and never written to, so it runs offline when they are there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
use_jdk25

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=(-Dmaven.repo.local="$work/m2" -Dmaven.repo.local.tail="$HOME/.m2/repository")
# The parent's own version: the first <version> at the pom's top level.
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -1)

echo "scratch-project: mvn install of relukit-kernels, -experiments, -opencl $version into a temporary repository" >&2
(cd "$root" && ./mvnw -q -B "${repo[@]}" -DskipTests -pl kernels,experiments,opencl -am install)

app="$work/app"
mkdir -p "$app/src/test/java/scratch"
cat > "$app/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>scratch</groupId>
  <artifactId>uses-relukit</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.relukit</groupId>
      <artifactId>relukit-experiments</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.relukit</groupId>
      <artifactId>relukit-opencl</artifactId>
      <version>$version</version>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>5.14.1</version>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.16.0</version>
        <configuration>
          <release>25</release>
          <compilerArgs><arg>--add-modules</arg><arg>jdk.incubator.vector</arg></compilerArgs>
        </configuration>
      </plugin>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <version>3.5.4</version>
        <configuration>
          <argLine>--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED</argLine>
        </configuration>
      </plugin>
      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.5.0</version></plugin>
      <plugin><artifactId>maven-jar-plugin</artifactId><version>3.5.1</version></plugin>
      <plugin><artifactId>maven-clean-plugin</artifactId><version>3.5.0</version></plugin>
      <plugin><artifactId>maven-install-plugin</artifactId><version>3.2.0</version></plugin>
      <plugin><artifactId>maven-deploy-plugin</artifactId><version>3.2.0</version></plugin>
      <plugin><artifactId>maven-site-plugin</artifactId><version>3.22.0</version></plugin>
    </plugins>
  </build>
</project>
POM
cat > "$app/src/test/java/scratch/MomentumTrainingTest.java" <<'JAVA'
package scratch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;
import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.nn.TrainingStep;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.ReconExperiment;
import org.relukit.recon.TrialResult;
import org.relukit.stats.Evaluation;
import org.relukit.stats.Evaluator;

/** Uses relukit only through its published coordinates and public API. */
class MomentumTrainingTest {

    private static TrialResult train(double momentum) {
        ReconConfig.Builder config = ReconConfig.builder();
        config.numTrial = 1;
        config.numEpoch = 3;
        config.ks = List.of(10, 15);
        config.trainSize = 3_200;
        config.momentum = momentum;
        try (Backend backend = Backends.open("simd")) {
            return new ReconExperiment(backend, config.build()).run().getFirst();
        }
    }

    @Test
    void trainsTheTeacherStudentWorkloadWithMomentum() {
        TrialResult withMomentum = train(0.9);
        assertFalse(withMomentum.diverged(), "diverged at epoch " + withMomentum.divergedAtEpoch());
        List<Evaluation> evals = withMomentum.evaluations().stream().filter(e -> e.split().equals("eval")).toList();
        float first = evals.getFirst().loss(), last = evals.getLast().loss();
        System.out.printf("scratch project: momentum 0.9, eval loss %.4g -> %.4g, %s%n", first, last,
                evals.getLast().corrsSummary());
        assertTrue(last < first, "the eval loss did not fall: " + first + " -> " + last);
        // The same seed without momentum ends elsewhere: the option reached the training step.
        assertNotEquals(last, train(0).last("eval").loss());
    }

    /** PyTorch's nn.Linear initialisation: U(±1/sqrt(fan-in)). */
    private static Layer linear(SplittableRandom rng, int n, int k) {
        float b = Initialisation.bound(k);
        return new Layer(n, k, Initialisation.uniform(rng, n * k, -b, b), Initialisation.uniform(rng, n, -b, b));
    }

    @Test
    void trainsNetworksOfItsOwnWithTheBuilderMomentumAndWeightDecay() {
        SplittableRandom rng = new SplittableRandom(1);
        int rows = 4096, batch = 64;
        try (Backend backend = Backends.best();
             Network teacher = new Network(backend, List.of(linear(rng, 10, 20), linear(rng, 10, 10)));
             Network student = new Network(backend, List.of(linear(rng, 40, 20), linear(rng, 10, 40)),
                     List.of(BatchNormLayer.initial(40, true)), false);
             Tensor data = backend.allocate(rows, 20);
             TrainingStep step = TrainingStep.builder(backend, teacher, student)
                     .batch(batch).momentum(0.9).weightDecay(1e-4).build();
             Evaluator evaluator = new Evaluator(backend, teacher, student, 512)) {
            backend.upload(Initialisation.gaussian(rng, rows * 20, 1.0), data);
            Evaluation before = evaluator.evaluate(data, 0, -1, "train", 0);
            for (int epoch = 0; epoch < 10; epoch++) {
                for (int row = 0; row + batch <= rows; row += batch) {
                    step.run(data, row, 0.05f);
                }
            }
            Evaluation after = evaluator.evaluate(data, 0, 9, "train", 0);
            System.out.printf("scratch project: builder, momentum 0.9, weight decay 1e-4, BatchNorm student: loss %.4g -> %.4g, %s%n",
                    before.loss(), after.loss(), after.corrsSummary());
            assertTrue(after.loss() < before.loss() / 2, before.loss() + " -> " + after.loss());
            assertTrue(after.layers().getFirst().mean() > before.layers().getFirst().mean(), after.corrsSummary());
        }
    }

    @Test
    void theOpenClBackendIsFoundThroughItsDependency() {
        assertTrue(Backends.names().containsAll(List.of("scalar", "simd", "opencl")), Backends.names().toString());
    }
}
JAVA
echo "scratch-project: building and testing a project outside the repository against those coordinates" >&2
if ! (cd "$app" && "$root/mvnw" -B "${repo[@]}" -Dstyle.color=never test) > "$work/app.log" 2>&1; then
    cat "$work/app.log"
    echo "scratch-project: FAILED: the project outside the repository did not build or its test failed" >&2
    exit 1
fi
grep -E 'scratch project:|Tests run:|BUILD' "$work/app.log"
