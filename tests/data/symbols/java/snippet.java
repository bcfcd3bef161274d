package com.example.library;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A small in-memory catalogue of books. */
public class Catalogue {
    private final List<Book> books = new ArrayList<>();

    public record Book(String title, String author, int year) {}

    public void add(Book book) {
        if (book.year() < 0) {
            throw new IllegalArgumentException("bad year: " + book.year());
        }
        books.add(book);
    }

    public Optional<Book> findByTitle(String title) {
        return books.stream().filter(b -> b.title().equalsIgnoreCase(title)).findFirst();
    }

    public static void main(String[] args) {
        Catalogue c = new Catalogue();
        c.add(new Book("Dune", "Frank Herbert", 1965));
        System.out.println(c.findByTitle("dune").map(Book::author).orElse("unknown"));
    }
}
