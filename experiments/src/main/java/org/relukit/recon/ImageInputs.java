package org.relukit.recon;

import java.nio.file.Path;
import org.relukit.data.Cifar10;
import org.relukit.data.ImageSet;
import org.relukit.data.Mnist;
import org.relukit.data.RandomCropFlip;

/**
 * The standard training and test images of {@code --dataset mnist|cifar10}, read once from
 * {@code --data_dir} (docs/math.md#image-inputs). The teacher labels them for training; their own
 * labels only measure the student's accuracy.
 */
public record ImageInputs(String dataset, ImageSet train, ImageSet eval) {
    /**
     * @throws org.relukit.data.DataFileException naming the file that is missing or damaged
     * @throws IllegalArgumentException           for the gaussian dataset, which has no files
     */
    public static ImageInputs read(String dataset, Path dir) {
        return switch (dataset) {
            case "mnist" -> new ImageInputs(dataset, Mnist.read(dir, true), Mnist.read(dir, false));
            case "cifar10" -> new ImageInputs(dataset, Cifar10.read(dir, true), Cifar10.read(dir, false));
            default -> throw new IllegalArgumentException("--dataset " + dataset + " has no files to read");
        };
    }

    /** The training batches' augmentation of the original: CIFAR-10's random crop and flip; null for MNIST, which has none. */
    public RandomCropFlip augmentation() {
        return dataset.equals("cifar10") ? Cifar10.trainingAugmentation() : null;
    }
}
