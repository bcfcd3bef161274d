-- Schema for a small blog
CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    email TEXT UNIQUE
);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER REFERENCES authors (id),
    title TEXT NOT NULL,
    published_at TIMESTAMP
);

INSERT INTO authors (id, name, email) VALUES (1, 'Ada', 'ada@example.com');

SELECT a.name, COUNT(p.id) AS post_count
FROM authors AS a
LEFT JOIN posts AS p ON p.author_id = a.id
WHERE p.published_at IS NOT NULL
GROUP BY a.name
ORDER BY post_count DESC;

UPDATE posts SET title = 'Hello again' WHERE id = 3;
