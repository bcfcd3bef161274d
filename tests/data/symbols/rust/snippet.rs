//! A tiny word counter.
use std::collections::HashMap;

/// Counts occurrences of each word.
#[derive(Debug, Default)]
pub struct Counter {
    words: HashMap<String, usize>,
}

impl Counter {
    pub fn add(&mut self, text: &str) {
        for word in text.split_whitespace() {
            *self.words.entry(word.to_lowercase()).or_insert(0) += 1;
        }
    }

    pub fn top(&self, n: usize) -> Vec<(&String, &usize)> {
        let mut all: Vec<_> = self.words.iter().collect();
        all.sort_by(|a, b| b.1.cmp(a.1));
        all.into_iter().take(n).collect()
    }
}

fn main() {
    let mut c = Counter::default();
    c.add("the quick brown fox jumps over the lazy dog");
    match c.top(1).first() {
        Some((w, n)) => println!("{w}: {n}"),
        None => println!("empty"),
    }
}
