package com.example.shapes;

import java.util.List;

/** Shapes with constructors, enums, nested and generic types. */
public abstract class Shape<T extends Number> implements Comparable<Shape<T>> {
    public static final int SIDES = 0;
    private final String name;

    protected Shape(String name) {
        this.name = name;
    }

    public abstract double area();

    @Override
    public int compareTo(Shape<T> other) {
        return Double.compare(area(), other.area());
    }

    public enum Color {
        RED, GREEN("g"), BLUE;

        private final String code;

        Color() { this("x"); }

        Color(String code) { this.code = code; }

        public String code() { return code; }
    }

    static class Builder {
        Builder() {}

        <U> List<U> build(U item) {
            return List.of(item);
        }
    }

    interface Visitor<R> {
        R visit(Shape<?> shape);
    }
}

record Pair<A, B>(A first, B second) {
    Pair {
        java.util.Objects.requireNonNull(first);
    }
}

@interface Marker {
    String value() default "";
}

enum Direction { NORTH, SOUTH }
