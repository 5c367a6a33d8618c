/**
 * Real image inputs for the experiments: readers for the standard distribution files of MNIST
 * ({@link org.relukit.data.Mnist}) and CIFAR-10 ({@link org.relukit.data.Cifar10}), which decode
 * each file once into an {@link org.relukit.data.ImageSet} of normalised float pixels on the
 * host, and the original's training augmentation ({@link org.relukit.data.RandomCropFlip}), which
 * fills a caller's batch buffer without allocating.
 *
 * <p>A typical epoch: shuffle an {@code int[]} order of the training set; for each batch,
 * {@code augmentation.apply(train, order, first, batchSize, batch, random)} (or
 * {@code train.copySamples(...)} for MNIST, which the original does not augment) and
 * {@code train.copyLabels(...)}; then upload {@code batch} to the backend. Bad files fail with a
 * {@link org.relukit.data.DataFileException}, one line naming the file or listing what the
 * directory should hold. The package depends on nothing else in relukit.
 */
package org.relukit.data;
