package org.relukit.runner;

public final class Main {
    public static void main(String[] args) {
        System.out.println("relukit");
    }
}
